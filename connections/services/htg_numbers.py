"""HTG numbers: issued once per customer, unique, never reused.

Format (docs/architecture.md): "HTG-" + a 7-digit serial + "-" + a Luhn check digit over the serial, for
example HTG-0000042-5. The serial is the id of a row in the HtgNumberAllocation ledger: the database hands out
ids atomically (safe when many intakes complete at once) and the ledger is never deleted from, so a serial is
never issued twice. The check digit catches a mistyped or misheard digit at the helpdesk.
"""

import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connections.models import Customer, HtgNumberAllocation

SERIAL_DIGITS = 7
_INPUT_PATTERN = re.compile(r"^(?:HTG)?(\d{7})(\d)$")


def luhn_check_digit(digits: str) -> int:
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def htg_number_format(serial: int) -> str:
    if not 0 < serial < 10**SERIAL_DIGITS:
        raise ValueError(f"HTG serial out of range: {serial}")
    digits = f"{serial:0{SERIAL_DIGITS}d}"
    return f"{settings.HTG_NUMBER_PREFIX}-{digits}-{luhn_check_digit(digits)}"


def htg_number_normalise(value: str, *, prefix_required: bool = False) -> str | None:
    """The canonical HTG number for what someone typed ("htg 0000042 5", "00000425"), or None if it is not one.

    Eight bare digits may as well be a KvK number (one in ten passes the check digit); `prefix_required` accepts
    only a number typed with its prefix, which can be nothing else."""
    compact = re.sub(r"[\s\-.]", "", value or "").upper()
    prefix = settings.HTG_NUMBER_PREFIX.upper()
    if compact.startswith(prefix):
        compact = "HTG" + compact[len(prefix) :]
    elif prefix_required:
        return None
    match = _INPUT_PATTERN.fullmatch(compact)
    if not match:
        return None
    serial, check = match.groups()
    if luhn_check_digit(serial) != int(check):
        return None
    return f"{settings.HTG_NUMBER_PREFIX}-{serial}-{check}"


@transaction.atomic
def customer_htg_number_issue(*, customer_id: int) -> str:
    """Issue the customer's HTG number, or return the one it already has (safe to call twice)."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    if customer.htg_number:
        return customer.htg_number
    allocation = HtgNumberAllocation.objects.create(number=f"pending-{customer.pk}", customer=customer)
    allocation.number = htg_number_format(allocation.pk)
    allocation.save(update_fields=["number"])
    customer.htg_number = allocation.number
    customer.updated_at = timezone.now()
    customer.save(update_fields=["htg_number", "updated_at"])
    return customer.htg_number

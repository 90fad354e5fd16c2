"""Customers and their contacts."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from connections.models import Contact, Customer, Language
from connections.selectors.customers import IdentifierHolders, customer_identifier_holders
from connections.validators import normalise_identifier, validate_eori, validate_kvk_number

# The code of a ValidationError for an EORI or KvK number another company is already registered under.
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class ContactInput:
    name: str
    email: str
    phone: str = ""
    language: str = Language.DUTCH
    is_primary: bool = False


def _validate_contacts(contacts: list[ContactInput]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, contact in enumerate(contacts):
        key = f"contacts[{index}]"
        if not contact.name.strip():
            errors.setdefault(key, []).append(_("Enter the contact's name."))
        try:
            validate_email(contact.email)
        except ValidationError:
            errors.setdefault(key, []).append(_("Enter a valid e-mail address."))
        if contact.language not in Language.values:
            errors.setdefault(key, []).append(_("Choose Dutch or English as the preferred language."))
        if contact.email.lower() in seen:
            errors.setdefault(key, []).append(_("This e-mail address is already listed for this company."))
        seen.add(contact.email.lower())
    return errors


def customer_identifier_errors(
    *,
    eori: str,
    kvk_number: str,
    exclude_customer_id: int | None = None,
    holders: IdentifierHolders | None = None,
) -> dict[str, ValidationError]:
    """What is wrong with a company's EORI and KvK number (both normalised), by field ("eori", "kvk_number"): the
    number's format (the validators' codes), a Dutch company without a KvK number (code "required"), or a valid
    number another company is registered under (code DUPLICATE; `exclude_customer_id` is the company itself).

    `holders` is `customer_identifier_holders` for (at least) these numbers, when a caller checks many companies
    at once; without it this makes the one query itself (none when neither number is valid)."""
    errors: dict[str, ValidationError] = {}
    try:
        validate_eori(eori)
    except ValidationError as error:
        errors["eori"] = error
    if kvk_number:
        try:
            validate_kvk_number(kvk_number)
        except ValidationError as error:
            errors["kvk_number"] = error
    elif eori.startswith("NL"):
        errors["kvk_number"] = ValidationError(_("A Dutch company needs its KvK number (8 digits)."), code="required")
    eori_to_check = "" if "eori" in errors else eori
    kvk_number_to_check = "" if "kvk_number" in errors else kvk_number
    if not eori_to_check and not kvk_number_to_check:
        return errors
    if holders is None:
        holders = customer_identifier_holders(eoris=[eori_to_check], kvk_numbers=[kvk_number_to_check])
    if eori_to_check and holders.eori_taken(eori_to_check, exclude_customer_id=exclude_customer_id):
        errors["eori"] = ValidationError(_("A company with this EORI number is already registered."), code=DUPLICATE)
    if kvk_number_to_check and holders.kvk_number_taken(kvk_number_to_check, exclude_customer_id=exclude_customer_id):
        errors["kvk_number"] = ValidationError(
            _("A company with this KvK number is already registered."), code=DUPLICATE
        )
    return errors


@transaction.atomic
def customer_create(
    *,
    legal_name: str,
    eori: str,
    kvk_number: str = "",
    role: str = Customer.Role.DIRECT,
    hub_id: int | None = None,
    contacts: list[ContactInput] | None = None,
) -> Customer:
    """Create a customer with its contacts; any invalid field raises ValidationError and writes nothing. A number
    that another company registered at the same moment (after the check above) is refused the same way: by the
    unique constraint, whose refusal becomes the "already registered" message."""
    contacts = contacts or []
    eori = normalise_identifier(eori)
    kvk_number = normalise_identifier(kvk_number)
    errors: dict[str, list[str]] = {}

    if not legal_name.strip():
        errors["legal_name"] = [_("Enter the company's legal name.")]
    identifier_errors = customer_identifier_errors(eori=eori, kvk_number=kvk_number)
    # The messages keep their order: a number's format, then the role and hub, then a number already registered.
    errors.update({field: error.messages for field, error in identifier_errors.items() if error.code != DUPLICATE})
    if role not in Customer.Role.values:
        errors["role"] = [_("Choose direct user, hub or software supplier.")]
    if hub_id is not None:
        hub = Customer.objects.filter(pk=hub_id).only("role").first()
        if hub is None or hub.role != Customer.Role.HUB:
            errors["hub"] = [_("The chosen hub is not a registered hub.")]
        elif role != Customer.Role.DIRECT:
            errors["hub"] = [_("Only a direct user can be served through a hub.")]
    errors.update({field: error.messages for field, error in identifier_errors.items() if error.code == DUPLICATE})
    errors.update(_validate_contacts(contacts))
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                legal_name=legal_name.strip(),
                eori=eori,
                kvk_number=kvk_number,
                role=role,
                hub_id=hub_id,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:
        # The insert waited for the other company's transaction, which committed: this query sees its numbers.
        taken = customer_identifier_errors(eori=eori, kvk_number=kvk_number)
        duplicates = {field: error.messages for field, error in taken.items() if error.code == DUPLICATE}
        if not duplicates:
            raise
        raise ValidationError(duplicates) from None
    Contact.objects.bulk_create(
        [
            Contact(
                customer=customer,
                name=contact.name.strip(),
                email=contact.email.strip(),
                phone=contact.phone.strip(),
                language=contact.language,
                is_primary=contact.is_primary or index == 0,
            )
            for index, contact in enumerate(contacts)
        ]
    )
    return customer

"""Customers and their contacts."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from connections.models import Contact, Customer, Language
from connections.validators import normalise_identifier, validate_eori, validate_kvk_number


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
    """Create a customer with its contacts; any invalid field raises ValidationError and writes nothing."""
    contacts = contacts or []
    eori = normalise_identifier(eori)
    kvk_number = normalise_identifier(kvk_number)
    errors: dict[str, list[str]] = {}

    if not legal_name.strip():
        errors["legal_name"] = [_("Enter the company's legal name.")]
    try:
        validate_eori(eori)
    except ValidationError as error:
        errors["eori"] = error.messages
    if kvk_number:
        try:
            validate_kvk_number(kvk_number)
        except ValidationError as error:
            errors["kvk_number"] = error.messages
    elif eori.startswith("NL"):
        errors["kvk_number"] = [_("A Dutch company needs its KvK number (8 digits).")]
    if role not in Customer.Role.values:
        errors["role"] = [_("Choose direct user, hub or software supplier.")]
    if hub_id is not None:
        hub = Customer.objects.filter(pk=hub_id).only("role").first()
        if hub is None or hub.role != Customer.Role.HUB:
            errors["hub"] = [_("The chosen hub is not a registered hub.")]
        elif role != Customer.Role.DIRECT:
            errors["hub"] = [_("Only a direct user can be served through a hub.")]
    if "eori" not in errors and Customer.objects.filter(eori=eori).exists():
        errors["eori"] = [_("A company with this EORI number is already registered.")]
    if "kvk_number" not in errors and kvk_number and Customer.objects.filter(kvk_number=kvk_number).exists():
        errors["kvk_number"] = [_("A company with this KvK number is already registered.")]
    errors.update(_validate_contacts(contacts))
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    customer = Customer.objects.create(
        legal_name=legal_name.strip(),
        eori=eori,
        kvk_number=kvk_number,
        role=role,
        hub_id=hub_id,
        created_at=now,
        updated_at=now,
    )
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

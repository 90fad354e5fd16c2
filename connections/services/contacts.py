"""The connection team keeps a company's contacts up to date in its workspace (the admin is the administrators').

A contact's sign-in account is never chosen here: only `portal_sign_in.contact_user_ensure` links one, created on
the contact's first sign-in. When the team changes a contact's e-mail address, the account made for the old
address is closed and unlinked, so the new address signs in with an account of its own, never with the account
another address verified; a removed contact's account is closed too.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from connections.models import Contact, Customer, Language
from htg_migration.errors import ApplicationError
from notifications.selectors import address_normalise

PHONE_MAX_LENGTH = Contact._meta.get_field("phone").max_length or 30
NAME_MAX_LENGTH = Contact._meta.get_field("name").max_length or 200


def _account_close(contact: Contact) -> None:
    user = contact.user
    if user is None:
        return
    contact.user = None
    contact.save(update_fields=["user"])
    user.is_active = False
    user.save(update_fields=["is_active"])


@transaction.atomic
def contact_save(
    *,
    customer_id: int,
    contact_id: int | None,
    name: str,
    email: str,
    phone: str = "",
    language: str = Language.DUTCH,
    is_primary: bool = False,
) -> Contact:
    """Add a contact to a company (`contact_id` None) or change one of its contacts. The primary contact is the
    first to get every e-mail: marking one primary makes the others not; a company's first contact is primary.
    Any invalid field raises ValidationError and writes nothing."""
    name = name.strip()
    address = address_normalise(email)
    phone = phone.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Enter the contact's name.")]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_("Enter at most %(count)s characters.") % {"count": NAME_MAX_LENGTH}]
    try:
        validate_email(address)
    except ValidationError:
        errors["email"] = [_("Enter a valid e-mail address, for example name@company.nl.")]
    if len(phone) > PHONE_MAX_LENGTH:
        errors["phone"] = [_("Enter at most %(count)s characters.") % {"count": PHONE_MAX_LENGTH}]
    if language not in Language.values:
        errors["language"] = [_("Choose Dutch or English as the preferred language.")]

    customer = Customer.objects.select_for_update().filter(pk=customer_id).only("id").first()
    if customer is None:
        raise ApplicationError(_("This company does not exist (any more)."))
    contacts = Contact.objects.filter(customer_id=customer_id)
    contact = Contact(customer_id=customer_id)
    if contact_id is not None:
        found = contacts.select_related("user").filter(pk=contact_id).first()
        if found is None:
            raise ApplicationError(_("This contact does not exist (any more)."))
        contact = found
    if "email" not in errors and contacts.exclude(pk=contact.pk).filter(email__iexact=address).exists():
        errors["email"] = [_("This e-mail address is already listed for this company.")]
    if errors:
        raise ValidationError(errors)

    if contact.pk is not None and address_normalise(contact.email) != address:
        _account_close(contact)
    is_primary = is_primary or not contacts.exclude(pk=contact.pk).exists()
    if is_primary:
        contacts.exclude(pk=contact.pk).filter(is_primary=True).update(is_primary=False)
    contact.name, contact.email, contact.phone = name, address, phone
    contact.language, contact.is_primary = language, is_primary
    if contact.pk is None:
        contact.save()
    else:
        contact.save(update_fields=["name", "email", "phone", "language", "is_primary"])
    return contact


@transaction.atomic
def contact_delete(*, customer_id: int, contact_id: int) -> Contact:
    """Remove a company's contact and close its sign-in account; a company keeps at least one contact. When the
    primary contact goes, the next in order becomes primary. Returns the removed contact (without its id)."""
    Customer.objects.select_for_update().filter(pk=customer_id).only("id").first()
    contacts = Contact.objects.filter(customer_id=customer_id)
    contact = contacts.select_related("user").filter(pk=contact_id).first()
    if contact is None:
        raise ApplicationError(_("This contact does not exist (any more)."))
    if not contacts.exclude(pk=contact.pk).exists():
        raise ApplicationError(
            _("%(name)s is the company's only contact: add another contact before you remove this one.")
            % {"name": contact.name}
        )
    _account_close(contact)
    was_primary = contact.is_primary
    contact.delete()
    if was_primary:
        successor = contacts.order_by("name", "id").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])
    return contact

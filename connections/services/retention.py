"""Retention of the companies' contact details: once every connection of a company is closed (Digipoort closed,
withdrawn or missed) and HTG_CONTACT_RETENTION_DAYS (365) have passed since the last programme deadline, the names,
e-mail addresses and phone numbers of its contacts are removed: from the contacts, their sign-in accounts, the
callback requests, the e-mails sent to them (address and body) and the suppression list. The company, its
connections, their timeline and every figure stay as they were.

Registered as the retention step "contacts" (htg_migration/retention.py)."""

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from connections.models import FINAL_STATES, CallbackRequest, Connection, Contact
from notifications.models import OutboxEmail, SuppressedAddress
from plateaus.models import Programme

REMOVED = "—"  # what a removed name reads as, in any language


def anonymised_address(contact_id: int) -> str:
    return f"contact-{contact_id}@anonymised.invalid"


def retention_cutoff() -> datetime.date | None:
    """The day from which closed companies' contact details go: the last programme deadline plus the period."""
    deadline = Programme.objects.aggregate(last=Max("deadline"))["last"]
    if deadline is None:
        return None
    return deadline + datetime.timedelta(days=settings.HTG_CONTACT_RETENTION_DAYS)


def contacts_due_for_anonymising(*, today: datetime.date) -> Any:
    """Contacts not yet anonymised of companies whose connections are all closed, once the cutoff has come."""
    cutoff = retention_cutoff()
    if cutoff is None or today < cutoff:
        return Contact.objects.none()
    open_customers = Connection.objects.exclude(state__in=FINAL_STATES).values("customer_id")
    return Contact.objects.filter(anonymised_at__isnull=True).exclude(customer_id__in=open_customers)


@transaction.atomic
def contacts_anonymise(*, now: datetime.datetime, dry_run: bool = False) -> int:
    """Anonymise the contacts that are due (see the module); returns how many (or, dry, would be)."""
    today = timezone.localdate(now)
    contacts = list(contacts_due_for_anonymising(today=today).select_for_update(of=("self",)).order_by("id"))
    if dry_run or not contacts:
        return len(contacts)
    addresses = {contact.email.lower() for contact in contacts}
    customer_ids = {contact.customer_id for contact in contacts}
    for contact in contacts:
        new_address = anonymised_address(contact.pk)
        OutboxEmail.objects.filter(to_address__iexact=contact.email).update(
            to_address=new_address, body_text="", body_html="", attachments=[]
        )
        contact.name, contact.email, contact.phone, contact.anonymised_at = REMOVED, new_address, "", now
        contact.save(update_fields=["name", "email", "phone", "anonymised_at"])
    SuppressedAddress.objects.filter(address__in=addresses).delete()
    user_ids = [contact.user_id for contact in contacts if contact.user_id]
    for user in get_user_model().objects.filter(pk__in=user_ids):
        user.username, user.email = f"anonymised-{user.pk}", ""
        user.first_name = user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
    # Callback requests of companies now wholly anonymised: the person's name and number.
    fully_closed = set(customer_ids) - set(
        Contact.objects.filter(customer_id__in=customer_ids, anonymised_at__isnull=True).values_list(
            "customer_id", flat=True
        )
    )
    CallbackRequest.objects.filter(customer_id__in=fully_closed).update(contact_name=REMOVED, contact_phone="")
    return len(contacts)

"""The intake a company fills in on the portal: validated per step, saved as a draft on every step, and submitted
by one service in one transaction (company, contacts, connections with their channel, the HTG number, its e-mail).

The draft (`IntakeDraft.data`) is plain JSON, exactly what the person typed:

    {"legal_name", "kvk_number", "eori", "role",
     "clients": [{"legal_name", "kvk_number", "eori"}],            # hubs only
     "contacts": [{"name", "email", "phone", "language"}],          # the first is the signed-in person
     "flows": {"AGS": {"used", "channel", "tls_version", "tls_upgrade_on", "vpn_peer_address", "vpn_details"}}}

A flow's row keeps only what its channel asks (`intake_flow_row_clean`): TLS for SMTP-MSA/POP3 (and, for TLS 1.1 or
older, the date by which it will be TLS 1.2: "tls_upgrade_on", YYYY-MM-DD), the IPsec VPN for SMTP-MTA.

Errors are keyed by the form field they belong to ("eori", "contacts-1-email", "flow-AGS-tls_version"), so a page
shows each next to its field and in the summary.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection as database
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from connections.models import Contact, Customer
from connections.services.connections import (
    connection_channel_set,
    connection_create,
    connection_tls_upgrade_record,
)
from connections.services.customers import ContactInput, customer_create
from connections.services.htg_numbers import customer_htg_number_issue
from connections.services.submit_tokens import (
    submit_owner_email,
    submit_token_claim,
    submit_token_record,
    submit_token_refusal,
)
from connections.services.transitions import connection_transition
from connections.validators import normalise_identifier
from notifications.services import email_enqueue
from portal.models import IntakeDraft
from portal.selectors.intake import IntakeContext, intake_context
from portal.services.intake.validation import (
    DRAFT_FIELD,
    FLOW_FIELDS,
    HTG_NUMBER_TEMPLATE,
    INTAKE_LOCK_NAMESPACE,
    INTAKE_STEPS,
    MAX_CLIENTS,
    MAX_CONTACTS,
    OLD_TLS_VERSIONS,
    PHONE_PATTERN,
    Errors,
    intake_client_rows,
    intake_contact_rows,
    intake_draft_size,
    intake_errors,
    intake_flow_is_upgrading,
    intake_flow_row_clean,
    intake_text,
    intake_upgrade_date,
    intake_used_flows,
)
from portal.services.sign_in import contact_user_ensure, portal_contact_for_email, portal_email_normalise

__all__ = [
    "DRAFT_FIELD",
    "FLOW_FIELDS",
    "HTG_NUMBER_TEMPLATE",
    "INTAKE_LOCK_NAMESPACE",
    "INTAKE_STEPS",
    "MAX_CLIENTS",
    "MAX_CONTACTS",
    "OLD_TLS_VERSIONS",
    "PHONE_PATTERN",
    "Errors",
    "IntakeResult",
    "customer_intake_submit",
    "intake_client_rows",
    "intake_contact_rows",
    "intake_draft_save",
    "intake_draft_size",
    "intake_errors",
    "intake_flow_is_upgrading",
    "intake_flow_row_clean",
    "intake_text",
    "intake_upgrade_date",
    "intake_used_flows",
]


@transaction.atomic
def intake_draft_save(*, email: str, data: dict[str, Any], step: str) -> IntakeDraft:
    """Keep what was typed so far (valid or not), to resume after signing in again. A draft larger than
    HTG_INTAKE_DRAFT_MAX_BYTES is refused (ValidationError on DRAFT_FIELD) and nothing is saved: the step's forms
    keep each field within its length, so only a caller that skips them gets there."""
    if step not in INTAKE_STEPS:
        raise ValueError(f"Unknown intake step {step!r}")
    limit = settings.HTG_INTAKE_DRAFT_MAX_BYTES
    if intake_draft_size(data) > limit:
        raise ValidationError(
            {
                DRAFT_FIELD: [
                    _("The intake is too large to save: at most %(limit)s kB. Shorten the longest texts.")
                    % {"limit": f"{limit / 1000:g}"}
                ]
            }
        )
    draft, _created = IntakeDraft.objects.select_for_update().get_or_create(
        email=portal_email_normalise(email), defaults={"data": data, "step": step}
    )
    if not _created:
        draft.data, draft.step, draft.updated_at = data, step, timezone.now()
        draft.save(update_fields=["data", "step", "updated_at"])
    return draft


@dataclass(frozen=True)
class IntakeResult:
    customer: Customer
    contact: Contact
    user: Any
    htg_number: str


def _contacts_input(data: dict[str, Any], email: str) -> list[ContactInput]:
    contacts = []
    for index, row in enumerate(intake_contact_rows(data)):
        contacts.append(
            ContactInput(
                name=intake_text(row.get("name")),
                email=email if index == 0 else portal_email_normalise(intake_text(row.get("email"), 254)),
                phone=intake_text(row.get("phone"), 30),
                language=str(row.get("language")),
                is_primary=index == 0,
            )
        )
    return contacts


def _customer_update(customer: Customer, data: dict[str, Any], contacts: list[ContactInput]) -> None:
    customer.legal_name = intake_text(data.get("legal_name"))
    customer.kvk_number = normalise_identifier(intake_text(data.get("kvk_number")))
    customer.eori = normalise_identifier(intake_text(data.get("eori")))
    customer.role = str(data.get("role"))
    customer.updated_at = timezone.now()
    customer.save(update_fields=["legal_name", "kvk_number", "eori", "role", "updated_at"])
    existing = {contact.email.lower(): contact for contact in customer.contacts.all()}
    for item in contacts:
        contact = existing.get(item.email)
        if contact is None:
            Contact.objects.create(
                customer=customer, name=item.name, email=item.email, phone=item.phone, language=item.language
            )
            continue
        contact.name, contact.phone, contact.language = item.name, item.phone, item.language
        contact.save(update_fields=["name", "phone", "language"])


def _connections_apply(*, customer: Customer, data: dict[str, Any], context: IntakeContext, user: Any) -> None:
    chosen = data.get("flows") or {}
    flows = {flow.code: flow for flow in context.flows}
    for code in intake_used_flows(data, context):
        if context.flow_is_locked(code):
            continue
        row = intake_flow_row_clean(chosen.get(code) or {})
        connection = context.connections.get(code) or connection_create(customer=customer, flow=flows[code])
        if intake_flow_is_upgrading(row):
            # Still on TLS 1.1 or older: no channel HTG would take yet; the connection waits for TLS 1.2.
            connection_tls_upgrade_record(connection_id=connection.pk, expected_on=intake_upgrade_date(row))
            transition = "receive_intake_awaiting_tls"
        else:
            connection_channel_set(
                connection_id=connection.pk,
                channel=intake_text(row.get("channel")),
                tls_version=intake_text(row.get("tls_version")),
                vpn_peer_address=intake_text(row.get("vpn_peer_address")),
                vpn_details=intake_text(row.get("vpn_details"), 2000),
            )
            transition = "receive_intake"
        if flows[code].is_open_for_migration():
            connection_transition(connection_id=connection.pk, transition=transition, actor=user)


@transaction.atomic
def customer_intake_submit(*, email: str, data: dict[str, Any], submit_token: uuid.UUID | None = None) -> IntakeResult:
    """Submit the intake of the company behind a verified address, all or nothing.

    Creates the company (or updates the one the address belongs to) with its contacts and a hub's clients, records
    the channel of each chosen flow and moves its connection to "intake received" (a flow not yet open for migration
    stays planned), issues the HTG number (once: a second intake keeps it) and queues the e-mail with it (once).
    Any invalid field raises ValidationError keyed by form field, and nothing is written. `email` must be verified
    by the caller (the portal's sign-in link does that); the first contact is that person.

    The review page sent again with the same `submit_token` (a double click, three requests at once) writes nothing
    and returns the first submit's result: one company, one HTG number, the same confirmation. Intakes for one
    address take turns (a transaction lock on the address), so two at once from two open pages never race for the
    company's unique numbers: the second finds the company the first created and updates it.
    """
    email = portal_email_normalise(email)
    owner = submit_owner_email(email)
    earlier = submit_token_claim(token=submit_token, owner=owner, model=Customer)
    if earlier is not None:
        return _earlier_result(customer=earlier, email=email)
    with database.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [INTAKE_LOCK_NAMESPACE, email])
    result = _intake_write(email=email, data=data)
    submit_token_record(token=submit_token, owner=owner, created=result.customer)
    return result


def _earlier_result(*, customer: Customer, email: str) -> IntakeResult:
    """What the first submit of the page gave, for showing its confirmation again."""
    contact = Contact.objects.select_related("user").filter(customer=customer, email__iexact=email).first()
    if contact is None or contact.user is None or not customer.htg_number:
        raise submit_token_refusal()  # the team changed the company since: the page is out of date
    return IntakeResult(customer=customer, contact=contact, user=contact.user, htg_number=customer.htg_number)


def _intake_write(*, email: str, data: dict[str, Any]) -> IntakeResult:
    contact = portal_contact_for_email(email)
    customer = Customer.objects.select_for_update().get(pk=contact.customer_id) if contact else None
    context = intake_context(email=email, customer=customer)
    errors = intake_errors(data=data, context=context)
    if errors:
        raise ValidationError(errors)

    contacts = _contacts_input(data, email)
    if customer is None:
        customer = customer_create(
            legal_name=intake_text(data.get("legal_name")),
            eori=intake_text(data.get("eori")),
            kvk_number=intake_text(data.get("kvk_number")),
            role=str(data.get("role")),
            contacts=contacts,
        )
    else:
        _customer_update(customer, data, contacts)
    for row in intake_client_rows(data):
        customer_create(
            legal_name=intake_text(row.get("legal_name")),
            eori=intake_text(row.get("eori")),
            kvk_number=intake_text(row.get("kvk_number")),
            role=Customer.Role.DIRECT,
            hub_id=customer.pk,
        )
    contact = Contact.objects.get(customer=customer, email__iexact=email)
    user = contact_user_ensure(contact=contact)
    contact.user = user
    _connections_apply(customer=customer, data=data, context=context, user=user)
    htg_number = customer_htg_number_issue(customer_id=customer.pk)
    customer.htg_number = htg_number
    email_enqueue(
        to_address=contact.email,
        template_key=HTG_NUMBER_TEMPLATE,
        language=contact.language,
        context={
            "contact_name": contact.name,
            "company_name": customer.legal_name,
            "htg_number": htg_number,
            "status_url": f"{settings.HTG_PORTAL_URL}status/",
        },
        dedupe_key=f"customer:{customer.pk}:htg-number",
    )
    IntakeDraft.objects.filter(email=email).delete()
    return IntakeResult(customer=customer, contact=contact, user=user, htg_number=htg_number)

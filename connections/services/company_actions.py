"""What a company does in the portal (and through the API) besides booking its slot: confirmations, and reporting
a problem after going live.

Booking and rescheduling are `connections.services.slots` (the same rules as for the team); these are the rest.
"""

import uuid
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _

from connections.models import (
    CONFIRMATION_STATE,
    CallbackRequest,
    CompanyConfirmation,
    Connection,
    ConnectionEvent,
    ConnectionState,
    HelpdeskContact,
)
from connections.permissions import company_or_team_may
from connections.services.callbacks import callback_request_create, helpdesk_contact_record
from connections.services.step_emails import company_recipients, portal_link, time_zone_label
from connections.services.submit_tokens import submit_owner_user, submit_token_claim, submit_token_record
from htg_migration import clock
from htg_migration.errors import ApplicationError
from notifications.services import EmailDraft, email_enqueue_many

PROBLEM_TEMPLATE = "connection.problem_reported"
# A problem "after migration" is one with a connection that is on HTG; before that the team is already on it.
PROBLEM_STATES = (ConnectionState.LIVE, ConnectionState.DIGIPOORT_CLOSED)
# The longest description a problem report takes (the portal's form and the API's body alike).
PROBLEM_DESCRIPTION_MAX_LENGTH = 4000


def _locked_connection(connection_id: int) -> Connection:
    connection = (
        Connection.objects.select_for_update(of=("self",))
        .select_related("customer", "flow__plateau__programme")
        .filter(pk=connection_id)
        .first()
    )
    if connection is None:
        raise ApplicationError(_("This connection does not exist (any more)."))
    return connection


@transaction.atomic
def connection_company_confirm(*, connection_id: int, kind: str, actor: Any) -> tuple[ConnectionEvent, bool]:
    """Record the company's confirmation as a timeline event; returns (event, created).

    Allowed only in the confirmation's state (test messages sent: testing; ready for production: test passed), by
    the company, its hub or the team. Confirming again returns the first event and writes nothing: the row lock on
    the connection makes two clicks at once one confirmation.
    """
    if kind not in CompanyConfirmation.values:
        raise ApplicationError(_("Unknown confirmation."))
    confirmation = CompanyConfirmation(kind)
    connection = _locked_connection(connection_id)
    if not company_or_team_may(connection, actor):
        raise PermissionDenied(_("You are not allowed to confirm this for this connection."))
    existing = ConnectionEvent.objects.filter(connection=connection, transition=confirmation.value).first()
    if existing is not None:
        return existing, False
    required = CONFIRMATION_STATE[confirmation]
    if connection.state != required:
        if confirmation == CompanyConfirmation.TEST_MESSAGES_SENT:
            message = _(
                "You can confirm that you sent your test messages only while the connection is “%(required)s”; it is "
                "now “%(state)s”. Nothing was recorded."
            )
        else:
            message = _(
                "You can confirm that you are ready for production only once the connection is “%(required)s”; it is "
                "now “%(state)s”. Nothing was recorded."
            )
        raise ApplicationError(
            message % {"required": ConnectionState(required).label, "state": ConnectionState(connection.state).label},
            {"state": connection.state},
        )
    event = ConnectionEvent.objects.create(
        connection=connection,
        transition=confirmation.value,
        from_state=connection.state,
        to_state=connection.state,
        actor=actor,
        created_at=clock.now(),
    )
    return event, True


@dataclass(frozen=True)
class ProblemReport:
    """What a company's problem report gave: the callback request for the team (its helpdesk log entry is written
    with it), whose id is the reference the company quotes."""

    callback: CallbackRequest

    @property
    def reference(self) -> str:
        return problem_reference(self.callback.pk)


def problem_reference(callback_id: int) -> str:
    """The number the company quotes when it calls: its callback request's id."""
    return f"P-{callback_id:06d}"


@transaction.atomic
def connection_problem_report(
    *,
    connection_id: int,
    actor: Any,
    description: str,
    contact_name: str,
    contact_phone: str,
    urgent: bool,
    submit_token: uuid.UUID | None = None,
) -> ProblemReport:
    """A company reports a problem with a connection that is live on HTG: it is logged as a helpdesk contact
    (topic "problem after migration") and becomes a callback request for the connection's team member, or the team
    queue. ValidationError for missing fields, ApplicationError before the connection is live; nothing is written
    then. The form sent again with the same `submit_token` writes nothing and gives the first report."""
    owner = submit_owner_user(actor)
    earlier = submit_token_claim(token=submit_token, owner=owner, model=CallbackRequest)
    if earlier is not None:
        return ProblemReport(callback=earlier)
    connection = _locked_connection(connection_id)
    if not company_or_team_may(connection, actor):
        raise PermissionDenied(_("You are not allowed to report a problem for this connection."))
    if connection.state not in PROBLEM_STATES:
        raise ApplicationError(
            _(
                "A problem after migration can be reported once the connection is live on HTG; it is now "
                "“%(state)s”. Until then, contact your team member or the helpdesk. Nothing was recorded."
            )
            % {"state": ConnectionState(connection.state).label}
        )
    errors: dict[str, list[str]] = {}
    if not description.strip():
        errors["description"] = [_("Describe the problem: what goes wrong, since when, and with which messages.")]
    if not contact_name.strip():
        errors["contact_name"] = [_("Give the name of the person we should call.")]
    if not contact_phone.strip():
        errors["contact_phone"] = [_("Give a phone number on which we can call you back.")]
    if errors:
        raise ValidationError(errors)
    helpdesk_contact_record(
        customer_id=connection.customer_id,
        recorded_by=actor,
        channel=HelpdeskContact.Channel.OTHER,
        topic=HelpdeskContact.Topic.PROBLEM_AFTER_MIGRATION,
        notes=description.strip(),
        origin="portal",  # shown as "Reported in the portal: ..." in the reader's language
        connection_id=connection.pk,
    )
    callback = callback_request_create(
        customer_id=connection.customer_id,
        requested_by=actor,
        urgency=CallbackRequest.Urgency.URGENT if urgent else CallbackRequest.Urgency.NORMAL,
        reason=description.strip(),
        reason_code="portal_problem",  # shown as "Problem after migration (AGS), reported in the portal: ..."
        reason_details={"flow": connection.flow.code},
        contact_name=contact_name,
        contact_phone=contact_phone,
        connection_id=connection.pk,
    )
    submit_token_record(token=submit_token, owner=owner, created=callback)
    _problem_email_enqueue(connection=connection, callback=callback, actor=actor, urgent=urgent)
    return ProblemReport(callback=callback)


def _problem_email_enqueue(*, connection: Connection, callback: CallbackRequest, actor: Any, urgent: bool) -> None:
    """The reference and what happens next, by e-mail, to whoever reported it and to the company's first contact
    (a hub reporting for its client: both), each in their own language."""
    zone = zoneinfo.ZoneInfo(connection.flow.plateau.programme.time_zone)
    due_at = callback.due_at.astimezone(zone)
    drafts = []
    for contact in company_recipients(connection=connection, actor_id=actor.pk, with_bookers=False):
        with translation.override(contact.language):
            context = {
                "contact_name": contact.name,
                "company_name": connection.customer.legal_name,
                "flow_name": connection.flow.name,
                "reference": problem_reference(callback.pk),
                "call_name": callback.contact_name,
                "call_phone": callback.contact_phone,
                "call_by": formats.date_format(due_at, "l j F Y H:i"),
                "time_zone": time_zone_label(due_at),
                "urgent": urgent,
                "report_url": portal_link("portal:problem_reported", callback.pk),
            }
        drafts.append(
            EmailDraft(
                to_address=contact.email,
                template_key=PROBLEM_TEMPLATE,
                language=contact.language,
                context=context,
                dedupe_key=f"problem:{callback.pk}:{contact.pk}",
            )
        )
    email_enqueue_many(emails=drafts)

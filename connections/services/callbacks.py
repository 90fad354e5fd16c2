"""The contact log and callback requests: the helpdesk records calls and asks the team to call back; a company's
problem report in the portal becomes one too; the team closes them; overdue ones are escalated."""

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from connections.models import CallbackRequest, Connection, Customer, HelpdeskContact
from connections.permissions import is_team_member
from connections.services.submit_tokens import submit_owner_user, submit_token_claim, submit_token_record
from htg_migration import clock
from htg_migration.calendar import helpdesk_hours_add
from htg_migration.errors import ConflictError


def _connection_of(*, customer: Customer, connection_id: int | None) -> Connection | None:
    if connection_id is None:
        return None
    connection = Connection.objects.filter(pk=connection_id, customer=customer).select_related("assigned_to").first()
    if connection is None:
        raise ValidationError({"connection": [_("Choose one of this company's connections.")]})
    return connection


@transaction.atomic
def helpdesk_contact_record(
    *,
    customer_id: int,
    recorded_by: Any,
    channel: str,
    topic: str,
    notes: str = "",
    connection_id: int | None = None,
    origin: str = "",
) -> HelpdeskContact:
    """Log a call or e-mail with a company, optionally about one of its connections. `origin` is a code ("portal")
    that the page writes in the reader's language; `notes` are a person's words only."""
    customer = Customer.objects.get(pk=customer_id)
    contact = HelpdeskContact(
        customer=customer,
        connection=_connection_of(customer=customer, connection_id=connection_id),
        channel=channel,
        topic=topic,
        notes=notes.strip(),
        origin=origin,
        recorded_by=recorded_by,
        created_at=clock.now(),
    )
    contact.full_clean(exclude=["customer", "connection", "recorded_by"])
    contact.save()
    return contact


def callback_due_at(*, requested_at: datetime.datetime, urgency: str) -> datetime.datetime:
    """When the team must have called back: the service level in helpdesk hours after the request."""
    return helpdesk_hours_add(requested_at, settings.HTG_CALLBACK_SLA_HOURS[urgency])


@transaction.atomic
def callback_request_create(
    *,
    customer_id: int,
    requested_by: Any,
    urgency: str,
    reason: str,
    contact_name: str,
    contact_phone: str,
    connection_id: int | None = None,
    submit_token: uuid.UUID | None = None,
    reason_code: str = "",
    reason_details: dict[str, Any] | None = None,
) -> CallbackRequest:
    """Ask the team to call a company back. It goes to the connection's team member, or else to the team queue.
    The form sent again with the same `submit_token` writes nothing and returns the first request."""
    owner = submit_owner_user(requested_by)
    earlier = submit_token_claim(token=submit_token, owner=owner, model=CallbackRequest)
    if earlier is not None:
        return earlier
    customer = Customer.objects.get(pk=customer_id)
    connection = _connection_of(customer=customer, connection_id=connection_id)
    now = clock.now()
    if urgency not in CallbackRequest.Urgency.values:
        raise ValidationError({"urgency": [_("Choose normal or urgent.")]})
    callback = CallbackRequest(
        customer=customer,
        connection=connection,
        urgency=urgency,
        reason=reason.strip(),
        reason_code=reason_code,
        reason_details=reason_details or {},
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        requested_by=requested_by,
        assigned_to=connection.assigned_to if connection is not None else None,
        created_at=now,
        due_at=callback_due_at(requested_at=now, urgency=urgency),
    )
    callback.full_clean(exclude=["customer", "connection", "requested_by", "assigned_to", "closed_by"])
    callback.save()
    submit_token_record(token=submit_token, owner=owner, created=callback)
    return callback


@transaction.atomic
def callback_request_close(*, callback_id: int, closed_by: Any, outcome: str) -> CallbackRequest:
    """Record that the team called back and what came of it. Closing twice is a conflict, never a second close."""
    if not is_team_member(closed_by):
        raise PermissionDenied(_("Only the connection team closes callback requests."))
    if not outcome.strip():
        raise ValidationError({"outcome": [_("Describe the outcome of the call.")]})
    callback = CallbackRequest.objects.select_for_update().get(pk=callback_id)
    if not callback.is_open:
        raise ConflictError(_("This callback request was already closed."))
    callback.status = CallbackRequest.Status.CLOSED
    callback.closed_at = clock.now()
    callback.closed_by = closed_by
    callback.outcome = outcome.strip()[:4000]
    callback.save(update_fields=["status", "closed_at", "closed_by", "outcome"])
    return callback


@transaction.atomic
def callback_requests_escalate(*, now: datetime.datetime) -> int:
    """Mark open callback requests past their service level as escalated; the ones already escalated stay as they
    are, so running it twice changes nothing the second time. Returns how many were escalated now."""
    return CallbackRequest.objects.filter(
        status=CallbackRequest.Status.OPEN, due_at__lt=now, escalated_at__isnull=True
    ).update(escalated_at=now)

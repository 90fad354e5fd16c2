"""A company's actions on one of its connections (or a hub's, for a client): book or reschedule the slot, confirm
test messages sent and ready for production, report a problem after migration. Ids come from the URL only and are
looked up through the portal's access rule; another company's id is a 404."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from connections.models import (
    CONFIRMATION_STATE,
    CompanyConfirmation,
    Connection,
    ConnectionState,
    SlotBooking,
)
from connections.selectors.company_access import portal_connections
from connections.selectors.company_steps import company_next_step, connection_confirmed
from connections.selectors.slots import connection_for_slots
from connections.services.company_actions import (
    PROBLEM_DESCRIPTION_MAX_LENGTH,
    PROBLEM_STATES,
    connection_company_confirm,
    connection_problem_report,
    problem_reference,
)
from connections.services.slots import local_zone, slot_choose, slot_label
from connections.services.step_emails import booking_window_first_day, company_recipients, time_zone_label
from connections.services.submit_tokens import SUBMIT_TOKEN_FIELD, submit_token_parse
from connections.views.access import company_required, portal_connection_get
from connections.views.feedback import form_errors_add, refusals_as_messages
from connections.views.slots import BOOKING_STATES, slot_page_context
from htg_migration import clock
from htg_migration.errors import ApplicationError
from htg_migration.forms import HtgForm
from portal.selectors.actions import (
    portal_callback_get,
    portal_confirmation_get,
    portal_connection_for_actions,
    portal_slot_confirmation,
)
from portal.selectors.programme import programme_facts_for_flows
from portal.views.tls import TLS_CONFIRM_CHOICES

S = ConnectionState
# The session with the team is over once the technical data is on its way (on hold or withdrawn: it may not be).
SLOT_COMING = (S.PLANNED, S.INVITED, S.AWAITING_TLS, S.INTAKE_RECEIVED)
SLOT_BEHIND = (S.TECHNICAL_DATA_SENT, S.TESTING, S.TEST_PASSED, S.LIVE, S.DIGIPOORT_CLOSED)


def _back(connection_id: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("portal:connection", args=[connection_id]))


@company_required
def connection_view(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = portal_connection_for_actions(user=request.user, connection_id=connection_id)
    active: list[SlotBooking] = connection.active_bookings  # type: ignore[attr-defined]
    confirmed = {event.transition: event for event in connection.confirmations}  # type: ignore[attr-defined]
    confirmations = [
        {
            "kind": kind.value,
            "label": kind.label,
            "event": confirmed.get(kind.value),
            "possible": connection.state == CONFIRMATION_STATE[kind],
        }
        for kind in CompanyConfirmation
    ]
    booking = active[0] if active else None
    # Held is a matter of the clock, not of the state: the team may send the technical data before the session.
    session_held = booking.slot.ends_at <= clock.now() if booking else connection.state in SLOT_BEHIND
    confirmed_now = connection_confirmed(state=connection.state, confirmed=set(confirmed))
    context = {
        "connection": connection,
        "customer": connection.customer,
        "acting_for_client": connection.customer_id != request.portal_contact.customer_id,  # type: ignore[attr-defined]
        "booking": booking,
        "session_held": session_held,
        "can_book": connection.state in BOOKING_STATES,
        "slot_behind": connection.state in SLOT_BEHIND,
        "slot_coming": connection.state in SLOT_COMING,
        "confirmations": confirmations,
        "can_report_problem": connection.state in PROBLEM_STATES,
        "next_step": company_next_step(state=connection.state, confirmed=set(confirmed)),
        "due_on": None if confirmed_now else connection.due_on,
        "facts": programme_facts_for_flows([connection.flow]),
        "awaiting_tls": connection.state == S.AWAITING_TLS,
        "tls_choices": TLS_CONFIRM_CHOICES,
    }
    return render(request, "portal/connection_actions.html", context)


@company_required
def connection_slot_view(request: HttpRequest, connection_id: int) -> HttpResponse:
    if request.method == "POST":
        return _slot_post(request, portal_connection_get(request.user, connection_id))
    connection = connection_for_slots(connection_id=connection_id, connections=portal_connections(request.user))
    if connection is None:
        raise Http404
    context = slot_page_context(connection)
    context["window_first_day"] = booking_window_first_day(plateau=connection.flow.plateau)
    return render(request, "portal/slot_book.html", context)


def _slot_post(request: HttpRequest, connection: Connection) -> HttpResponse:
    connection_id = connection.pk
    slot_text = request.POST.get("slot", "")
    expected_state = request.POST.get("expected_state") or connection.state
    with refusals_as_messages(request) as outcome:
        slot_choose(connection_id=connection_id, slot_text=slot_text, actor=request.user, expected_state=expected_state)
    if outcome.ok:
        return HttpResponseRedirect(reverse("portal:connection_slot_booked", args=[connection_id]))
    return HttpResponseRedirect(reverse("portal:connection_slot", args=[connection_id]))


@require_safe
@company_required
def connection_slot_booked_view(request: HttpRequest, connection_id: int) -> HttpResponse:
    """The confirmation page after booking or moving the session: what happened, and what happens next."""
    confirmation = portal_slot_confirmation(user=request.user, connection_id=connection_id)
    if confirmation is None:
        messages.info(request, _("This connection has no booked session (any more)."))
        return _back(connection_id)
    starts_at = timezone.localtime(confirmation.booking.slot.starts_at, local_zone())
    context = {
        "confirmation": confirmation,
        "connection": confirmation.connection,
        "customer": confirmation.connection.customer,
        "slot_start": slot_label(confirmation.booking.slot),
        "slot_end": timezone.localtime(confirmation.booking.slot.ends_at, local_zone()).strftime("%H:%M"),
        "time_zone": time_zone_label(starts_at),
    }
    return render(request, "portal/slot_booked.html", context)


@require_POST
@company_required
def connection_confirm_view(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = portal_connection_get(request.user, connection_id)
    kind = request.POST.get("kind", "")
    with refusals_as_messages(request) as outcome:
        _event, created = connection_company_confirm(connection_id=connection.pk, kind=kind, actor=request.user)
    if not outcome.ok:
        return _back(connection.pk)
    url = reverse("portal:connection_confirmed", args=[connection.pk, kind])
    return HttpResponseRedirect(url if created else f"{url}?again=1")


@require_safe
@company_required
def connection_confirmed_view(request: HttpRequest, connection_id: int, kind: str) -> HttpResponse:
    """The confirmation page after the company confirmed a step: what was recorded, and what happens next."""
    connection, event = portal_confirmation_get(user=request.user, connection_id=connection_id, kind=kind)
    if event is None:
        return _back(connection.pk)
    context = {
        "connection": connection,
        "customer": connection.customer,
        "event": event,
        "label": CompanyConfirmation(kind).label,
        "kind": kind,
        "again": request.GET.get("again") == "1",
    }
    return render(request, "portal/connection_confirmed.html", context)


class ProblemReportForm(HtgForm):
    description = forms.CharField(
        label=gettext_lazy("What goes wrong?"),
        help_text=gettext_lazy("Since when, which messages, and any error you receive."),
        max_length=PROBLEM_DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    contact_name = forms.CharField(label=gettext_lazy("Who should we call?"), max_length=200)
    contact_phone = forms.CharField(
        label=gettext_lazy("Phone number"), max_length=30, widget=forms.TextInput(attrs={"type": "tel"})
    )
    urgent = forms.BooleanField(label=gettext_lazy("Urgent: messages are not getting through at all"), required=False)


@company_required
def problem_report_view(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = portal_connection_get(request.user, connection_id)
    contact = request.portal_contact  # type: ignore[attr-defined]
    initial = {"contact_name": contact.name, "contact_phone": contact.phone}
    form = ProblemReportForm(request.POST or None, initial=initial)
    refused = ""
    if request.method == "POST" and form.is_valid():
        try:
            report = connection_problem_report(
                connection_id=connection.pk,
                actor=request.user,
                submit_token=submit_token_parse(request.POST.get(SUBMIT_TOKEN_FIELD)),
                **form.cleaned_data,
            )
        except ValidationError as error:
            form_errors_add(form, error)
        except ApplicationError as error:
            refused = error.message
        else:
            return HttpResponseRedirect(reverse("portal:problem_reported", args=[report.callback.pk]))
    context = {
        "connection": connection,
        "customer": connection.customer,
        "form": form,
        "refused": refused,
        "can_report_problem": connection.state in PROBLEM_STATES,
    }
    status = 400 if form.errors or refused else 200
    return render(request, "portal/problem_report.html", context, status=status)


@company_required
def problem_reported_view(request: HttpRequest, callback_id: int) -> HttpResponse:
    callback = portal_callback_get(user=request.user, callback_id=callback_id)
    recipients = (
        company_recipients(connection=callback.connection, actor_id=callback.requested_by_id, with_bookers=False)
        if callback.connection
        else []
    )
    context = {"callback": callback, "reference": problem_reference(callback.pk), "recipients": recipients}
    return render(request, "portal/problem_reported.html", context)


urlpatterns = [
    path("connections/<int:connection_id>/", connection_view, name="connection"),
    path("connections/<int:connection_id>/slot/", connection_slot_view, name="connection_slot"),
    path("connections/<int:connection_id>/slot/booked/", connection_slot_booked_view, name="connection_slot_booked"),
    path("connections/<int:connection_id>/confirm/", connection_confirm_view, name="connection_confirm"),
    path(
        "connections/<int:connection_id>/confirmed/<slug:kind>/", connection_confirmed_view, name="connection_confirmed"
    ),
    path("connections/<int:connection_id>/problem/", problem_report_view, name="problem_report"),
    path("problems/<int:callback_id>/", problem_reported_view, name="problem_reported"),
]

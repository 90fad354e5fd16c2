"""Slot planning (the team's availability, one-hour slots, capacity, the iCalendar feed) and booking a slot."""

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from connections.ical import (
    CalendarEvent,
    calendar_render,
    calendar_token,
    calendar_token_user_id,
    slot_booking_uid,
)
from connections.models import SLOT_CAPACITY_MAX, Connection, ConnectionState, SlotBooking
from connections.selectors.slots import (
    availability_list,
    calendar_team_member,
    connection_for_slots,
    slot_booked_list,
    slot_capacity_per_day,
    slot_free_list,
)
from connections.services.slot_patterns import slot_pattern_publish, slot_pattern_summary
from connections.services.slots import (
    availability_publish,
    availability_withdraw,
    local_zone,
    slot_choose,
    slot_label,
    slot_record_no_show,
)
from connections.views.access import team_required
from connections.views.feedback import form_errors_add, refusals_as_messages
from htg_migration import clock
from htg_migration.errors import ApplicationError
from htg_migration.forms import HtgForm

CAPACITY_DAYS = 28  # the coming four weeks
# The states in which a slot can be chosen: booked for the first time, or moved while booked.
BOOKING_STATES = (ConnectionState.SLOT_OFFERED, ConnectionState.SLOT_BOOKED)
# The feed keeps recent meetings for a while, so a calendar does not lose this week's history.
CALENDAR_HISTORY = datetime.timedelta(days=90)


class AvailabilityForm(HtgForm):
    date = forms.DateField(label=gettext_lazy("Date"))
    start_time = forms.TimeField(label=gettext_lazy("From"))
    end_time = forms.TimeField(label=gettext_lazy("Until"))


WEEKDAY_CHOICES = [
    (0, gettext_lazy("Monday")),
    (1, gettext_lazy("Tuesday")),
    (2, gettext_lazy("Wednesday")),
    (3, gettext_lazy("Thursday")),
    (4, gettext_lazy("Friday")),
]


PATTERN_PREFIX = "pattern"  # its fields beside the single day's form on one page: their ids must differ


class SlotPatternForm(forms.Form):
    """The same hours on chosen weekdays over a date range (connections.services.slot_patterns)."""

    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Weekdays"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one weekday, Monday to Friday.")},
    )
    start_time = forms.TimeField(
        label=gettext_lazy("Start time"),
        help_text=gettext_lazy("A whole hour, for example 09:00"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 3600}, format="%H:%M"),
    )
    end_time = forms.TimeField(
        label=gettext_lazy("End time"),
        help_text=gettext_lazy("A whole hour, for example 12:00"),
        widget=forms.TimeInput(attrs={"type": "time", "step": 3600}, format="%H:%M"),
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("Connections per slot"),
        help_text=gettext_lazy("How many companies you can connect in one hour, side by side"),
        initial=1,
        min_value=1,
        max_value=SLOT_CAPACITY_MAX,
    )
    date_from = forms.DateField(
        label=gettext_lazy("First day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=gettext_lazy("Last day"),
        help_text=gettext_lazy("At most a year after the first day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _start_of_today() -> datetime.datetime:
    return datetime.datetime.combine(clock.today(), datetime.time.min, tzinfo=local_zone())


def _planning_context(
    request: HttpRequest, form: AvailabilityForm, pattern_form: SlotPatternForm | None = None
) -> dict[str, Any]:
    today = clock.today()
    return {
        "nav_active": "slots",
        "form": form,
        "pattern_form": pattern_form or SlotPatternForm(prefix=PATTERN_PREFIX),
        "availabilities": availability_list(team_member=request.user, date_from=today),
        "capacity": slot_capacity_per_day(date_from=today, date_to=today + datetime.timedelta(days=CAPACITY_DAYS - 1)),
        "capacity_until": today + datetime.timedelta(days=CAPACITY_DAYS - 1),
        "bookings": list(slot_booked_list(team_member=request.user, since=_start_of_today())),
        "calendar_url": request.build_absolute_uri(
            reverse("connections:slot_calendar", args=[calendar_token(user=request.user)])
        ),
        "today": today,
    }


@team_required
def slot_planning(request: HttpRequest) -> HttpResponse:
    form = AvailabilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            availability = availability_publish(team_member=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Availability published for %(date)s, %(start)s until %(end)s. One-hour slots made: %(count)s.")
                % {
                    "date": formats.date_format(availability.date, "l j F Y"),
                    "start": availability.start_time.strftime("%H:%M"),
                    "end": availability.end_time.strftime("%H:%M"),
                    "count": availability.slots.count(),
                },
            )
            return HttpResponseRedirect(reverse("connections:slot_planning"))
    return render(request, "connections/slot_planning.html", _planning_context(request, form))


@require_POST
@team_required
def slot_pattern_view(request: HttpRequest) -> HttpResponse:
    pattern_form = SlotPatternForm(request.POST, prefix=PATTERN_PREFIX)
    if pattern_form.is_valid():
        try:
            result = slot_pattern_publish(team_member=request.user, **pattern_form.cleaned_data)
        except ValidationError as error:
            form_errors_add(pattern_form, error)
        else:
            for line in slot_pattern_summary(result):
                messages.success(request, line)
            return HttpResponseRedirect(reverse("connections:slot_planning"))
    context = _planning_context(request, AvailabilityForm(), pattern_form)
    return render(request, "connections/slot_planning.html", context, status=400)


@require_POST
@team_required
def availability_withdraw_view(request: HttpRequest, availability_id: int) -> HttpResponse:
    try:
        availability_withdraw(availability_id=availability_id, team_member=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Availability withdrawn: its free slots are no longer offered."))
    return HttpResponseRedirect(reverse("connections:slot_planning"))


def _connection_or_404(connection_id: int) -> Connection:
    connection = connection_for_slots(connection_id=connection_id)
    if connection is None:
        raise Http404
    return connection


def slot_page_context(connection: Connection) -> dict[str, Any]:
    """What a connection's slot page shows, the team's and the company's: its booking, and while a slot can be
    chosen the free ones. `connection` as `connection_for_slots` returns it; the free slots are one query more."""
    active: list[SlotBooking] = connection.active_bookings  # type: ignore[attr-defined]
    choosing = connection.state in BOOKING_STATES
    return {
        "connection": connection,
        "customer": connection.customer,
        "plateau": connection.flow.plateau,
        "booking": active[0] if active else None,
        "choosing": choosing,
        "free_slots": slot_free_list(connection=connection, now=clock.now()) if choosing else [],
    }


@team_required
def connection_slot(request: HttpRequest, connection_id: int) -> HttpResponse:
    if request.method == "POST":
        return _connection_slot_post(request, connection_id)
    context = {"nav_active": "connections", **slot_page_context(_connection_or_404(connection_id))}
    return render(request, "connections/connection_slot.html", context)


def _connection_slot_post(request: HttpRequest, connection_id: int) -> HttpResponse:
    get_object_or_404(Connection.objects.only("id"), pk=connection_id)
    back = HttpResponseRedirect(reverse("connections:connection_slot", args=[connection_id]))
    action = request.POST.get("action", "")
    slot_text = request.POST.get("slot", "")
    expected_state = request.POST.get("expected_state") or None
    with refusals_as_messages(request):
        if action == "no_show":
            slot_record_no_show(connection_id=connection_id, actor=request.user)
            messages.success(
                request, _("No-show recorded: the connection is back in “Slot offered” and the slot is free.")
            )
            return back
        if action != "book":
            raise ApplicationError(_("Unknown action."))
        choice = slot_choose(
            connection_id=connection_id, slot_text=slot_text, actor=request.user, expected_state=expected_state
        )
        if choice.rescheduled:
            done = _("Rescheduled to %(slot)s: the old slot is free again.")
        else:
            done = _("Booked: %(slot)s. The connection is now “Slot booked”.")
        messages.success(request, done % {"slot": slot_label(choice.booking.slot)})
    return back


@require_safe
def slot_calendar(request: HttpRequest, token: str) -> HttpResponse:
    """The member's booked slots for a calendar app; the secret address is the only key (no sign-in)."""
    user_id = calendar_token_user_id(token=token)
    user = calendar_team_member(user_id=user_id)
    if user is None:
        raise Http404
    bookings = slot_booked_list(team_member=user, since=clock.now() - CALENDAR_HISTORY)
    events = [_calendar_event(request, booking) for booking in bookings]
    name = _("HTG connection slots of %(name)s") % {"name": user.get_full_name() or user.get_username()}
    response = HttpResponse(calendar_render(name=name, events=events), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="htg-slots.ics"'
    response["Cache-Control"] = "private, no-cache"
    return response


def _calendar_event(request: HttpRequest, booking: SlotBooking) -> CalendarEvent:
    connection = booking.connection
    customer = connection.customer
    htg_number = customer.htg_number or _("not issued yet")
    page = request.build_absolute_uri(reverse("connections:connection_detail", args=[connection.pk]))
    return CalendarEvent(
        uid=slot_booking_uid(booking.pk),
        stamp=booking.booked_at,
        starts_at=booking.slot.starts_at,
        ends_at=booking.slot.ends_at,
        summary=_("HTG connection: %(company)s, %(flow)s (%(number)s)")
        % {"company": customer.legal_name, "flow": connection.flow.code, "number": htg_number},
        description="\n".join(
            [
                _("Company: %(company)s") % {"company": customer.legal_name},
                _("Message flow: %(flow)s") % {"flow": connection.flow.name},
                _("HTG number: %(number)s") % {"number": htg_number},
                _("Connection page: %(page)s") % {"page": page},
            ]
        ),
        url=page,
    )


urlpatterns = [
    path("team/slots/", slot_planning, name="slot_planning"),
    path("team/slots/pattern/", slot_pattern_view, name="slot_pattern"),
    path(
        "team/slots/availability/<int:availability_id>/withdraw/",
        availability_withdraw_view,
        name="availability_withdraw",
    ),
    path("team/connections/<int:connection_id>/slot/", connection_slot, name="connection_slot"),
    path("team/calendar/<str:token>.ics", slot_calendar, name="slot_calendar"),
]

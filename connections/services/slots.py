"""Slot planning: team members publish availability, one-hour slots are made from it, connections book them."""

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from connections.models import Connection, ConnectionState, Slot, SlotBooking, TeamAvailability
from connections.services.events import slot_booked_record
from connections.services.transitions import connection_transition
from htg_migration import clock
from htg_migration.calendar import is_business_day
from htg_migration.errors import ApplicationError, ConflictError
from htg_migration.parsing import parse_id
from plateaus.models import Plateau

SLOT_LENGTH = datetime.timedelta(hours=1)


def local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def slot_starts(*, date: datetime.date, start_time: datetime.time, end_time: datetime.time) -> list[datetime.datetime]:
    """The start of every whole hour from start_time until end_time on that day, as aware datetimes (Amsterdam)."""
    zone = local_zone()
    first = datetime.datetime.combine(date, start_time, tzinfo=zone)
    last = datetime.datetime.combine(date, end_time, tzinfo=zone)
    starts = []
    current = first
    while current + SLOT_LENGTH <= last:
        starts.append(current)
        current += SLOT_LENGTH
    return starts


def booking_window_bounds(*, start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """A window of whole days (Amsterdam) as [first moment, first moment after it)."""
    zone = local_zone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=zone),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone),
    )


def _time_label(value: datetime.time) -> str:
    return value.strftime("%H:%M")


def _date_label(value: datetime.date) -> str:
    return formats.date_format(value, "j F Y")


def slot_label(slot: Slot) -> str:
    """A slot's start as pages and messages write it (Amsterdam time), e.g. "Monday 18 May 2020 10:00"."""
    starts = timezone.localtime(slot.starts_at, local_zone())
    return formats.date_format(starts, "l j F Y H:i")


def availability_validate(
    *, team_member: Any, date: datetime.date, start_time: datetime.time, end_time: datetime.time
) -> None:
    """ValidationError (a message per field) unless the block can be published as it is."""
    errors: dict[str, list[str]] = {}
    if end_time <= start_time:
        errors.setdefault("end_time", []).append(_("The end time must be after the start time."))
    else:
        if any(value.minute or value.second or value.microsecond for value in (start_time, end_time)):
            errors.setdefault("start_time", []).append(
                _("Use whole hours, for example 09:00 until 12:00: every slot lasts one hour.")
            )
    today = clock.today()
    if date < today:
        errors.setdefault("date", []).append(_("This day is in the past: choose today or a later day."))
    elif date == today and start_time <= timezone.localtime(clock.now(), local_zone()).time():
        errors.setdefault("start_time", []).append(_("This time has already passed today: choose a later time."))
    if not is_business_day(date):
        errors.setdefault("date", []).append(
            _("%(date)s is a weekend day or a Dutch public holiday: slots are planned on business days only.")
            % {"date": _date_label(date)}
        )
    if errors:
        raise ValidationError(errors)
    overlapping = (
        TeamAvailability.objects.filter(
            team_member=team_member, date=date, start_time__lt=end_time, end_time__gt=start_time
        )
        .order_by("start_time")
        .first()
    )
    if overlapping is not None:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("This overlaps your availability of %(start)s until %(end)s on %(date)s. Nothing was changed.")
                    % {
                        "start": _time_label(overlapping.start_time),
                        "end": _time_label(overlapping.end_time),
                        "date": _date_label(date),
                    }
                ]
            }
        )
    if not _plateaus_open_on(date=date):
        raise ValidationError(
            {
                "date": [
                    _("No plateau's booking window includes %(date)s: no connection could book a slot on that day.")
                    % {"date": _date_label(date)}
                ]
            }
        )


def _plateaus_open_on(*, date: datetime.date) -> bool:
    """A plateau whose window is not set (either end empty) takes no bookings yet."""
    return Plateau.objects.filter(booking_window_start__lte=date, booking_window_end__gte=date).exists()


@transaction.atomic
def availability_publish(
    *, team_member: Any, date: datetime.date, start_time: datetime.time, end_time: datetime.time
) -> TeamAvailability:
    """Publish a block of availability and make its one-hour slots. Invalid input: ValidationError, nothing written."""
    # One member's publications one after another: the overlap check must see the other's block.
    get_user_model().objects.select_for_update().filter(pk=team_member.pk).first()
    availability_validate(team_member=team_member, date=date, start_time=start_time, end_time=end_time)
    availability = TeamAvailability.objects.create(
        team_member=team_member, date=date, start_time=start_time, end_time=end_time, created_at=clock.now()
    )
    availability_slots_generate(availability=availability)
    return availability


@transaction.atomic
def availability_slots_generate(*, availability: TeamAvailability) -> list[Slot]:
    """Make the block's one-hour slots; safe to run again (a slot that exists is kept, or adopted if orphaned).

    Only days inside at least one plateau's booking window get slots. Returns the block's slots in order.
    """
    starts = slot_starts(date=availability.date, start_time=availability.start_time, end_time=availability.end_time)
    if not starts or not _plateaus_open_on(date=availability.date):
        return list(availability.slots.order_by("starts_at"))
    existing = Slot.objects.filter(team_member_id=availability.team_member_id, starts_at__in=starts)
    # A slot left behind by a withdrawn block (it keeps its booking history) belongs to the new block again.
    existing.filter(availability__isnull=True).update(availability=availability)
    existing_starts = set(existing.values_list("starts_at", flat=True))
    moment = clock.now()
    Slot.objects.bulk_create(
        [
            Slot(
                team_member_id=availability.team_member_id,
                availability=availability,
                starts_at=start,
                ends_at=start + SLOT_LENGTH,
                capacity=availability.capacity,
                created_at=moment,
            )
            for start in starts
            if start not in existing_starts
        ]
    )
    return list(availability.slots.order_by("starts_at"))


@transaction.atomic
def availability_withdraw(*, availability_id: int, team_member: Any) -> None:
    """Withdraw a member's own block: its free slots go, a booked slot refuses it (nothing changes).

    A slot that was booked once (the booking has ended) stays without its block, to keep the history.
    """
    availability = (
        TeamAvailability.objects.select_for_update().filter(pk=availability_id, team_member=team_member).first()
    )
    if availability is None:
        raise ApplicationError(_("This availability does not exist (any more)."))
    if availability.date < clock.today():
        raise ApplicationError(_("This availability is in the past: it stays as a record."))
    slots = list(Slot.objects.select_for_update().filter(availability=availability).order_by("starts_at"))
    booked = (
        SlotBooking.objects.filter(slot__in=slots, cancelled_at__isnull=True)
        .select_related("slot", "connection__customer", "connection__flow")
        .order_by("slot__starts_at")
        .first()
    )
    if booked is not None:
        raise ApplicationError(
            _(
                "This availability cannot be withdrawn: the slot of %(slot)s is booked by %(company)s (%(flow)s). "
                "Reschedule that booking first. Nothing was changed."
            )
            % {
                "slot": slot_label(booked.slot),
                "company": booked.connection.customer.legal_name,
                "flow": booked.connection.flow.code,
            }
        )
    Slot.objects.filter(availability=availability, bookings__isnull=True).delete()
    availability.delete()


def _check_bookable(*, slot: Slot, connection: Connection) -> None:
    if slot.availability_id is None:
        raise ApplicationError(_("This slot is no longer offered: choose another."))
    if slot.starts_at <= clock.now():
        raise ApplicationError(_("This slot has already begun or passed: choose a later one."))
    plateau = connection.flow.plateau
    if plateau.booking_window_start is None or plateau.booking_window_end is None:
        raise ApplicationError(
            _("Plateau %(number)s has no booking window yet: no slot can be booked for it.")
            % {"number": plateau.number}
        )
    window_start, window_end = booking_window_bounds(start=plateau.booking_window_start, end=plateau.booking_window_end)
    if not window_start <= slot.starts_at < window_end:
        raise ApplicationError(
            _(
                "This slot lies outside the booking window of plateau %(number)s (%(start)s until %(end)s): "
                "choose a slot inside it."
            )
            % {
                "number": plateau.number,
                "start": _date_label(plateau.booking_window_start),
                "end": _date_label(plateau.booking_window_end),
            }
        )


@transaction.atomic
def slot_book(
    *, slot_id: int, connection_id: int, actor: Any, expected_state: str | None = None, moved: bool = False
) -> SlotBooking:
    """Book a free seat of a slot for a connection in "slot offered" and move it to "slot booked", in one transaction.

    Bookings of one slot take turns on its row lock and take the lowest free seat; the database's partial unique
    constraints (one active booking per seat, one per connection) are the backstop. A booking of a full slot (or a
    second one of a connection) gets a ConflictError and nothing of it is written. Permissions are the book_slot
    step's. `moved`: the booking replaces one just given up (`slot_reschedule`), and its event says so.
    """
    slot = Slot.objects.filter(pk=slot_id).first()
    if slot is None:
        raise ApplicationError(_("This slot does not exist (any more): choose another."))
    connection = Connection.objects.select_related("flow__plateau").filter(pk=connection_id).first()
    if connection is None:
        raise ApplicationError(_("This connection does not exist (any more)."))
    _check_bookable(slot=slot, connection=connection)
    # The slot's row lock makes bookings of one slot take turns, so the count of its seats taken is current.
    Slot.objects.select_for_update().filter(pk=slot.pk).values_list("pk").first()
    taken = set(
        SlotBooking.objects.filter(slot=slot, cancelled_at__isnull=True).values_list("seat", flat=True).order_by()
    )
    free_seats = [seat for seat in range(1, slot.capacity + 1) if seat not in taken]
    try:
        with transaction.atomic():
            if not free_seats:
                raise IntegrityError("every seat of the slot is taken")
            booking = SlotBooking.objects.create(
                slot=slot, connection=connection, seat=free_seats[0], booked_by=actor, booked_at=clock.now()
            )
    except IntegrityError:
        # Which of the two constraints refused it: the savepoint is gone, so the question can be asked.
        if SlotBooking.objects.filter(connection=connection, cancelled_at__isnull=True).exists():
            raise ConflictError(
                _("This connection already has a booked slot: reschedule it instead. Nothing was changed.")
            ) from None
        raise ConflictError(_("This slot was just taken: choose another. Nothing was changed.")) from None
    connection_transition(
        connection_id=connection.pk, transition="book_slot", actor=actor, expected_state=expected_state
    )
    slot_booked_record(booking=booking, customer_id=connection.customer_id, moved=moved)
    return booking


@transaction.atomic
def slot_reschedule(*, connection_id: int, new_slot_id: int, actor: Any) -> SlotBooking:
    """Move a booked connection to another slot: the old one is freed and the new one booked, or nothing changes."""
    current = SlotBooking.objects.filter(connection_id=connection_id, cancelled_at__isnull=True).only("slot_id").first()
    if current is not None and current.slot_id == new_slot_id:
        raise ApplicationError(_("This is already the booked slot: choose another one to reschedule."))
    # No "book your session" e-mail and no cancellation: the new booking's invitation moves the same appointment.
    connection_transition(connection_id=connection_id, transition="reschedule", actor=actor, step_email=False)
    return slot_book(
        slot_id=new_slot_id,
        connection_id=connection_id,
        actor=actor,
        expected_state=ConnectionState.SLOT_OFFERED,
        moved=True,
    )


@dataclass(frozen=True)
class SlotChoice:
    booking: SlotBooking
    rescheduled: bool


def slot_choose(*, connection_id: int, slot_text: str, actor: Any, expected_state: str | None) -> SlotChoice:
    """What the slot pages (the team's and the company's) do with a chosen slot: book it, or, when the page was
    showing a booked connection (`expected_state` "slot_booked"), move the booking there. `slot_text` is the form's
    raw value; anything but a slot id is refused and nothing changes."""
    slot_id = parse_id(slot_text)
    if slot_id is None:
        raise ApplicationError(_("Choose a slot first."))
    if expected_state == ConnectionState.SLOT_BOOKED:
        booking = slot_reschedule(connection_id=connection_id, new_slot_id=slot_id, actor=actor)
        return SlotChoice(booking=booking, rescheduled=True)
    booking = slot_book(slot_id=slot_id, connection_id=connection_id, actor=actor, expected_state=expected_state)
    return SlotChoice(booking=booking, rescheduled=False)


@transaction.atomic
def slot_record_no_show(*, connection_id: int, actor: Any) -> Connection:
    """The company did not turn up: the connection goes back to "slot offered" and its slot is free again."""
    return connection_transition(connection_id=connection_id, transition="record_no_show", actor=actor)

"""Reads for slot planning: free slots, capacity per day, a member's availability and booked slots."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, When
from django.db.models.functions import Coalesce, TruncDate

from connections.models import Connection, Slot, SlotBooking, TeamAvailability
from connections.permissions import is_team_member
from connections.services.slots import booking_window_bounds, local_zone

# At most this many free slots are offered at once: the earliest ones, enough to choose from.
FREE_SLOTS_SHOWN = 60


def _seats_taken() -> Coalesce:
    """The slot's active bookings, counted (a slot takes up to its capacity)."""
    counted = (
        SlotBooking.objects.filter(slot=OuterRef("pk"), cancelled_at__isnull=True)
        .order_by()
        .values("slot")
        .annotate(taken=Count("id"))
        .values("taken")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def slot_free_list(*, connection: Connection, now: datetime.datetime, limit: int = FREE_SLOTS_SHOWN) -> list[Slot]:
    """Published slots inside the connection's plateau booking window, still to come, with a seat free; earliest
    first.

    `connection` needs its flow and plateau loaded (select_related) for this to be one query.
    """
    plateau = connection.flow.plateau
    if plateau.booking_window_start is None or plateau.booking_window_end is None:
        return []
    window_start, window_end = booking_window_bounds(start=plateau.booking_window_start, end=plateau.booking_window_end)
    return list(
        Slot.objects.filter(
            availability__isnull=False,
            starts_at__gt=max(now, window_start),
            starts_at__lt=window_end,
        )
        .annotate(seats_taken=_seats_taken())
        .filter(seats_taken__lt=F("capacity"))
        .select_related("team_member")
        .order_by("starts_at", "team_member__first_name", "team_member__username")[:limit]
    )


@dataclass(frozen=True)
class DayCapacity:
    """The team's places on one day (a slot has `capacity` of them): how many there are, how many are booked and
    how many are still free."""

    date: datetime.date
    slots: int
    booked: int

    @property
    def free(self) -> int:
        return self.slots - self.booked


def slot_capacity_per_day(*, date_from: datetime.date, date_to: datetime.date) -> list[DayCapacity]:
    """Days from date_from to date_to (inclusive, Amsterdam) that have slots, in one query.

    A slot counts when it is published or still booked (a booking outlives a block deleted in the admin).
    """
    range_start, range_end = booking_window_bounds(start=date_from, end=date_to)
    rows = (
        Slot.objects.annotate(seats_taken=_seats_taken())
        .filter(
            Q(availability__isnull=False) | Q(seats_taken__gt=0), starts_at__gte=range_start, starts_at__lt=range_end
        )
        .annotate(day=TruncDate("starts_at", tzinfo=local_zone()))
        .values("day")
        # A slot no longer published counts only its bookings (its free places are not offered).
        .annotate(
            slot_count=Sum(Case(When(availability__isnull=False, then=F("capacity")), default=F("seats_taken"))),
            booked_count=Sum("seats_taken"),
        )
        .order_by("day")
    )
    return [DayCapacity(date=row["day"], slots=row["slot_count"], booked=row["booked_count"]) for row in rows]


def availability_list(*, team_member: Any, date_from: datetime.date) -> list[TeamAvailability]:
    """A member's blocks from a day on, each with its slots (`slot.seats_taken` set): two queries."""
    slots = Slot.objects.annotate(seats_taken=_seats_taken()).order_by("starts_at")
    return list(
        TeamAvailability.objects.filter(team_member=team_member, date__gte=date_from)
        .prefetch_related(Prefetch("slots", queryset=slots))
        .order_by("date", "start_time")
    )


def slot_booked_list(*, team_member: Any, since: datetime.datetime | None = None) -> QuerySet[SlotBooking]:
    """A member's active bookings (the slots someone booked with them), earliest first, with what a page shows."""
    bookings = SlotBooking.objects.filter(slot__team_member=team_member, cancelled_at__isnull=True)
    if since is not None:
        bookings = bookings.filter(slot__ends_at__gt=since)
    return bookings.select_related("slot", "connection__customer", "connection__flow").order_by("slot__starts_at", "id")


def connection_for_slots(*, connection_id: int, connections: QuerySet[Connection] | None = None) -> Connection | None:
    """The connection with what its slot page shows: customer, flow, plateau, and its active booking if any (two
    queries). `connections` narrows where it is looked for (the portal passes the companies' own); default all."""
    active = SlotBooking.objects.filter(cancelled_at__isnull=True).select_related("slot", "slot__team_member")
    connections = Connection.objects.all() if connections is None else connections
    return (
        connections.select_related("customer", "flow__plateau")
        .prefetch_related(Prefetch("bookings", queryset=active, to_attr="active_bookings"))
        .filter(pk=connection_id)
        .first()
    )


def calendar_team_member(*, user_id: int | None) -> Any:
    """The active team member whose calendar feed this is, or None (an unknown, inactive or non-team account)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id is not None else None
    return user if user is not None and is_team_member(user) else None

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connections.models.connections import Connection

# How many connections one slot can take at once at most: a team member builds a few side by side, not a crowd.
SLOT_CAPACITY_MAX = 10


class TeamAvailability(models.Model):
    """A block of time in which a team member can run one-hour connection slots."""

    team_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availabilities", verbose_name=_("team member")
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    # How many connections each of the block's slots takes (its slots are made with it).
    capacity = models.PositiveSmallIntegerField(_("connections per slot"), default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availability")
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="availability_ends_after_start"),
            models.UniqueConstraint(fields=["team_member", "date", "start_time"], name="availability_unique_start"),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=SLOT_CAPACITY_MAX), name="availability_capacity_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_member} {self.date} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class Slot(models.Model):
    """One hour with one team member, in which up to `capacity` connections are built together with their
    companies (each booking takes a seat: 1 .. capacity)."""

    team_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="slots", verbose_name=_("team member")
    )
    availability = models.ForeignKey(
        TeamAvailability, on_delete=models.SET_NULL, null=True, blank=True, related_name="slots"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(_("connections per slot"), default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at", "team_member_id"]
        constraints = [
            models.UniqueConstraint(fields=["team_member", "starts_at"], name="slot_unique_per_member_and_start"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=SLOT_CAPACITY_MAX), name="slot_capacity_range"
            ),
        ]
        indexes = [models.Index(fields=["starts_at"], name="slot_start_idx")]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M} · {self.team_member}"


class SlotBooking(models.Model):
    """A connection's booking of a seat in a slot. A seat has at most one active booking: the database guarantees
    it; the booking service gives out seats 1 .. the slot's capacity only, under the slot's row lock."""

    class EndReason(models.TextChoices):
        RESCHEDULED = "rescheduled", _("Rescheduled")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("slot"))
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("connection")
    )
    seat = models.PositiveSmallIntegerField(_("seat"), default=1)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    booked_at = models.DateTimeField(_("booked"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        verbose_name = _("slot booking")
        verbose_name_plural = _("slot bookings")
        ordering = ["-booked_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "seat"], condition=Q(cancelled_at__isnull=True), name="slot_seat_booked_at_most_once"
            ),
            models.UniqueConstraint(
                fields=["connection"], condition=Q(cancelled_at__isnull=True), name="connection_one_active_booking"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slot} → {self.connection_id}"

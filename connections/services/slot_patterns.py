"""A weekly pattern of availability: the same hours on chosen weekdays over a date range, published in one go.

Each day of the range on a chosen weekday becomes a block of availability (as `availability_publish` makes one) with
its one-hour slots, each taking `capacity` connections. Days the pattern cannot use are skipped, and said so: Dutch
public holidays (htg_migration.calendar), days outside every plateau's booking window, today when its hours have
begun, and days on which the member already has availability overlapping the hours. The last makes the pattern safe
to publish twice: the second time finds every day planned and makes nothing.
"""

import datetime
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from connections.models import SLOT_CAPACITY_MAX, Slot, TeamAvailability
from connections.services.slots import SLOT_LENGTH, local_zone, slot_starts
from htg_migration import clock
from htg_migration.calendar import is_business_day
from plateaus.models import Plateau

# A pattern covers at most this many days after its first: a year is as far as anyone plans a team's hours.
SLOT_PATTERN_MAX_DAYS = 365
WORKING_WEEKDAYS = (0, 1, 2, 3, 4)  # Monday .. Friday (datetime.date.weekday())


@dataclass
class SlotPatternResult:
    """What publishing a pattern did: the days it published and the days it skipped, per reason."""

    published: list[datetime.date] = field(default_factory=list)
    slots: int = 0
    holidays: list[datetime.date] = field(default_factory=list)
    already_planned: list[datetime.date] = field(default_factory=list)
    outside_windows: list[datetime.date] = field(default_factory=list)
    begun: list[datetime.date] = field(default_factory=list)


DATES_LISTED = 10  # a skipped reason lists this many dates, then how many more


def _date_label(value: datetime.date) -> str:
    return formats.date_format(value, "j F Y")


def _dates_label(days: list[datetime.date]) -> str:
    listed = ", ".join(_date_label(day) for day in days[:DATES_LISTED])
    if len(days) <= DATES_LISTED:
        return listed
    return _("%(dates)s and %(count)s more") % {"dates": listed, "count": len(days) - DATES_LISTED}


def slot_pattern_validate(
    *,
    weekdays: Collection[int],
    start_time: datetime.time,
    end_time: datetime.time,
    capacity: int,
    date_from: datetime.date,
    date_to: datetime.date,
) -> None:
    """ValidationError (a message per field) unless the pattern's own values make sense."""
    errors: dict[str, list[str]] = {}
    if not weekdays or any(day not in WORKING_WEEKDAYS for day in weekdays):
        errors["weekdays"] = [_("Choose at least one weekday, Monday to Friday.")]
    if end_time <= start_time:
        errors["end_time"] = [_("The end time must be after the start time.")]
    elif any(value.minute or value.second or value.microsecond for value in (start_time, end_time)):
        errors["start_time"] = [_("Use whole hours, for example 09:00 until 12:00: every slot lasts one hour.")]
    if not 1 <= capacity <= SLOT_CAPACITY_MAX:
        errors["capacity"] = [
            _("A slot takes from 1 to %(maximum)s connections at once.") % {"maximum": SLOT_CAPACITY_MAX}
        ]
    today = clock.today()
    if date_from < today:
        errors["date_from"] = [_("This day is in the past: choose today or a later day.")]
    if date_to < date_from:
        errors["date_to"] = [_("The last day must not be before the first day.")]
    elif (date_to - date_from).days > SLOT_PATTERN_MAX_DAYS:
        errors["date_to"] = [
            _("Publish at most a year at a time: the last day must be at most %(days)s days after the first.")
            % {"days": SLOT_PATTERN_MAX_DAYS}
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def slot_pattern_publish(
    *,
    team_member: Any,
    weekdays: Collection[int],
    start_time: datetime.time,
    end_time: datetime.time,
    capacity: int,
    date_from: datetime.date,
    date_to: datetime.date,
) -> SlotPatternResult:
    """Publish the hours on every chosen weekday from `date_from` until `date_to` (inclusive), in bulk.

    Invalid input, or a range in which no day can take slots: ValidationError, nothing written. Days already
    planned are skipped, so publishing the same pattern again makes nothing new."""
    slot_pattern_validate(
        weekdays=weekdays,
        start_time=start_time,
        end_time=end_time,
        capacity=capacity,
        date_from=date_from,
        date_to=date_to,
    )
    # One member's publications one after another (as availability_publish): each sees the other's blocks.
    get_user_model().objects.select_for_update().filter(pk=team_member.pk).first()
    windows: list[tuple[datetime.date, datetime.date]] = []
    for plateau in Plateau.objects.only("booking_window_start", "booking_window_end").order_by("number"):
        if plateau.booking_window_start is not None and plateau.booking_window_end is not None:
            windows.append((plateau.booking_window_start, plateau.booking_window_end))
    planned = set(
        TeamAvailability.objects.filter(
            team_member=team_member,
            date__range=(date_from, date_to),
            start_time__lt=end_time,
            end_time__gt=start_time,
        ).values_list("date", flat=True)
    )
    now = timezone.localtime(clock.now(), local_zone())
    result = SlotPatternResult()
    day = date_from
    while day <= date_to:
        if day.weekday() in weekdays:
            if not is_business_day(day):
                result.holidays.append(day)
            elif not any(start <= day <= end for start, end in windows):
                result.outside_windows.append(day)
            elif day in planned:
                result.already_planned.append(day)
            elif day == now.date() and start_time <= now.time():
                result.begun.append(day)
            else:
                result.published.append(day)
        day += datetime.timedelta(days=1)
    if not result.published and not result.already_planned:
        raise ValidationError({NON_FIELD_ERRORS: [_pattern_empty_message(result)]})
    moment = clock.now()
    blocks = TeamAvailability.objects.bulk_create(
        [
            TeamAvailability(
                team_member=team_member,
                date=day,
                start_time=start_time,
                end_time=end_time,
                capacity=capacity,
                created_at=moment,
            )
            for day in result.published
        ]
    )
    # A slot left behind by a withdrawn block (it keeps its booking history) stays; its hour is not made again.
    starts_by_block = {
        block.pk: slot_starts(date=block.date, start_time=start_time, end_time=end_time) for block in blocks
    }
    every_start = [start for starts in starts_by_block.values() for start in starts]
    existing = set(
        Slot.objects.filter(team_member=team_member, starts_at__in=every_start).values_list("starts_at", flat=True)
    )
    made = Slot.objects.bulk_create(
        [
            Slot(
                team_member=team_member,
                availability_id=block_id,
                starts_at=start,
                ends_at=start + SLOT_LENGTH,
                capacity=capacity,
                created_at=moment,
            )
            for block_id, starts in starts_by_block.items()
            for start in starts
            if start not in existing
        ]
    )
    result.slots = len(made)
    return result


def _pattern_empty_message(result: SlotPatternResult) -> str:
    if result.outside_windows:
        return _(
            "No day in this range lies inside a plateau's booking window: no connection could book these slots. "
            "Nothing was published."
        )
    if result.holidays and not result.begun:
        return _("Every chosen day in this range is a Dutch public holiday. Nothing was published.")
    return _("None of the chosen weekdays falls in this range (on a day still to come). Nothing was published.")


def slot_pattern_summary(result: SlotPatternResult) -> list[str]:
    """The result in sentences for the page: what was published, then each kind of skipped day with its dates."""
    if result.published:
        published = _("Published %(days)s days with %(slots)s one-hour slots.")
        lines = [published % {"days": len(result.published), "slots": result.slots}]
    else:
        lines = [_("Nothing new was published: every day of the pattern is planned already or skipped.")]
    skipped = (
        (result.holidays, _("Skipped, Dutch public holidays: %(dates)s.")),
        (result.already_planned, _("Skipped, you already have availability on: %(dates)s.")),
        (result.outside_windows, _("Skipped, outside every plateau's booking window: %(dates)s.")),
        (result.begun, _("Skipped, these hours have already begun today: %(dates)s.")),
    )
    for days, text in skipped:
        if days:
            lines.append(text % {"dates": _dates_label(days)})
    return lines

"""The programme's clock: the real one, unless HTG_CLOCK_DATE pins the date (demos and rehearsals of a past programme).

With HTG_CLOCK_DATE=2020-05-15 every "now" is that date at the real time of day (Europe/Amsterdam), so the demo of
the 2020 programme behaves as it did mid-May 2020 instead of finding every deadline long past.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.utils import timezone


def now() -> datetime.datetime:
    pinned = settings.HTG_CLOCK_DATE
    real = timezone.now()
    if not pinned:
        return real
    local = timezone.localtime(real, zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return local.replace(year=pinned.year, month=pinned.month, day=pinned.day)


def today() -> datetime.date:
    return timezone.localtime(now(), zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()

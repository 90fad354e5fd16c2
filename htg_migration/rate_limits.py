"""Rate limits counted from the database: every request writes a row (also a refused one), and a request counts
the rows of its window for its address and its client IP address. Counting and writing are one step because
requests for the same address or IP address wait for each other (transaction advisory locks, which PgBouncer's
transaction pooling keeps), so twenty requests at once get exactly the limit, whichever web process serves them.

Used by the portal's sign-in links and the staff password reset."""

import datetime
import math
from dataclasses import dataclass

from django.db import connection as database
from django.db.models import QuerySet
from django.utils import timezone

LOCK_NAMESPACE = 7_340_103  # the first key of the rate limits' advisory locks


@dataclass(frozen=True)
class RateLimit:
    """A limit on one kind of request: at most `per_address` for one address and `per_ip` from one client IP
    address within `window_minutes`. `kind` keeps the locks of different kinds apart."""

    kind: str
    window_minutes: int
    per_address: int
    per_ip: int


@dataclass(frozen=True)
class RateLimitCheck:
    """The moment counted, and, if the request is over a limit, how many minutes until it may be made again."""

    now: datetime.datetime
    retry_after_minutes: int = 0

    @property
    def allowed(self) -> bool:
        return self.retry_after_minutes == 0


def rate_limit_check(
    limit: RateLimit, *, rows: QuerySet, address: str, requested_ip: str | None, counted: dict[str, object]
) -> RateLimitCheck:
    """Lock this address's and this IP address's counts until the caller's transaction ends, then count `rows`
    (those of this kind that count: `counted` filters them, e.g. {"rate_limited": False}) created in the window.
    The caller then writes its row, refused or not, in the same transaction. Its fields `email`, `requested_ip`
    and `created_at` are what is counted."""
    with database.cursor() as cursor:
        # The address's lock first, then the IP address's: two requests never wait for each other in a circle.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_NAMESPACE, f"{limit.kind}:{address}"])
        if requested_ip:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_NAMESPACE, f"{limit.kind}:ip:{requested_ip}"]
            )
    now = timezone.now()
    window = datetime.timedelta(minutes=limit.window_minutes)
    in_window = rows.filter(created_at__gte=now - window, **counted)
    by_address = in_window.filter(email=address)
    over = None
    if by_address.count() >= limit.per_address:
        over = by_address
    elif requested_ip:
        by_ip = in_window.filter(requested_ip=requested_ip)
        if by_ip.count() >= limit.per_ip:
            over = by_ip
    if over is None:
        return RateLimitCheck(now=now)
    oldest = over.order_by("created_at").values_list("created_at", flat=True).first()
    remaining = (oldest + window - now) if oldest else window
    return RateLimitCheck(now=now, retry_after_minutes=max(1, math.ceil(remaining.total_seconds() / 60)))

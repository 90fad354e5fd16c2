"""How long a signed-in session lasts: staff are signed out after 30 minutes without a request and 12 hours after
signing in, whatever they do; companies (the portal) after 2 hours without a request. The settings are
HTG_STAFF_SESSION_IDLE_MINUTES, HTG_STAFF_SESSION_MAX_HOURS and HTG_PORTAL_SESSION_IDLE_MINUTES.

Django's own session expiry does the idle part: `session_begin`, at sign-in, sets the session's expiry to the idle
limit (`set_expiry`), so its database row and its cache entry lapse that long after the session was last saved, and
Django then treats the request as anonymous. A session must be saved again while its owner is active; saving it on
every request (SESSION_SAVE_EVERY_REQUEST) would cost a database write and a cache write on every page and every poll
of a progress bar, and a slow request would write back a session that a quicker one had changed meanwhile. So the
middleware saves it, moving the expiry on, only once HTG_SESSION_REFRESH_SECONDS (60) have passed since the last
save: at most one write a minute for an active person, and the idle limit holds to within that minute (a session
never lasts longer than the limit after its last request).

The absolute limit is the sign-in time kept in the session, compared on every request (`session_state`). Every
function takes the time as an argument, so tests pass it explicitly.
"""

import datetime
import enum
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase

STAFF = "staff"
COMPANY = "company"  # a company contact's account, or a new company that only verified its address

KIND_KEY = "htg_session_kind"
SIGNED_IN_AT_KEY = "htg_signed_in_at"  # seconds since the epoch (the session serializer is JSON)
REFRESHED_AT_KEY = "htg_session_refreshed_at"


class SessionState(enum.Enum):
    CURRENT = "current"
    REFRESH = "refresh"  # current, and due to be saved so that its idle expiry moves on
    EXPIRED = "expired"  # past its absolute limit, or a signed-in session that never went through session_begin


@dataclass(frozen=True)
class SessionLimits:
    idle: datetime.timedelta
    total: datetime.timedelta | None  # None: no limit but the idle one


def session_limits(kind: str) -> SessionLimits:
    if kind == COMPANY:
        return SessionLimits(idle=datetime.timedelta(minutes=settings.HTG_PORTAL_SESSION_IDLE_MINUTES), total=None)
    return SessionLimits(
        idle=datetime.timedelta(minutes=settings.HTG_STAFF_SESSION_IDLE_MINUTES),
        total=datetime.timedelta(hours=settings.HTG_STAFF_SESSION_MAX_HOURS),
    )


def _stamp(moment: datetime.datetime) -> int:
    return int(moment.timestamp())


def session_begin(session: SessionBase, *, kind: str, now: datetime.datetime) -> None:
    """A person signed in: remember when and as what, and let the session lapse after the kind's idle limit."""
    if kind not in (STAFF, COMPANY):
        raise ValueError(f"unknown session kind {kind!r}")
    session[KIND_KEY] = kind
    session[SIGNED_IN_AT_KEY] = _stamp(now)
    session[REFRESHED_AT_KEY] = _stamp(now)
    session.set_expiry(int(session_limits(kind).idle.total_seconds()))


def session_is_signed_in(session: SessionBase) -> bool:
    """A staff member or a company is signed in (a verified address without an account counts too)."""
    return KIND_KEY in session or SESSION_KEY in session


def session_state(session: SessionBase, *, now: datetime.datetime) -> SessionState | None:
    """Where a session stands at `now`; None for a session nobody signed in to (anonymous)."""
    kind = session.get(KIND_KEY)
    if kind is None:
        # An account signed in without session_begin (a session from before these limits): it has none of them.
        return SessionState.EXPIRED if SESSION_KEY in session else None
    limits = session_limits(kind)
    signed_in_at = session.get(SIGNED_IN_AT_KEY)
    refreshed_at = session.get(REFRESHED_AT_KEY)
    if not isinstance(signed_in_at, int) or not isinstance(refreshed_at, int):
        return SessionState.EXPIRED
    stamp = _stamp(now)
    if limits.total is not None and stamp - signed_in_at >= limits.total.total_seconds():
        return SessionState.EXPIRED
    if stamp - refreshed_at >= settings.HTG_SESSION_REFRESH_SECONDS:
        return SessionState.REFRESH
    return SessionState.CURRENT


def session_refresh(session: SessionBase, *, now: datetime.datetime) -> None:
    """Mark the session changed, so that it is saved and its idle expiry counts again from now."""
    session[REFRESHED_AT_KEY] = _stamp(now)

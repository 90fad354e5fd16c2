"""Signed-in sessions end on time: staff after 30 minutes without a request and 12 hours after signing in, companies
after 2 hours without a request (htg_migration/sessions.py). No test reads the wall clock for a verdict: the rules
take the time as an argument, and the pages are driven with sign-in times set hours away from any limit."""

import datetime
import re
from importlib import import_module

import pytest
import redis
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from htg_migration.sessions import (
    COMPANY,
    KIND_KEY,
    REFRESHED_AT_KEY,
    SIGNED_IN_AT_KEY,
    STAFF,
    SessionState,
    session_begin,
    session_state,
)
from notifications.models import OutboxEmail
from tests.conftest import BROKER_URL
from tests.connections.factories import ContactFactory, CustomerFactory, UserFactory, team_member
from tests.connections.portal_factories import company_contact

pytestmark = pytest.mark.django_db

SIGNED_IN = datetime.datetime(2020, 5, 15, 8, 0, tzinfo=datetime.UTC)
PASSWORD = "a-long-staff-password-1"
SIGNED_OUT_MESSAGE = "You have been signed out because your session reached its time limit. Please sign in again."


def _new_session():
    return import_module(django_settings.SESSION_ENGINE).SessionStore()


def _stamp(moment: datetime.datetime) -> int:
    return int(moment.timestamp())


# The rules, at explicit times.


def test_a_staff_session_ends_twelve_hours_after_signing_in_however_active():
    # given: signed in at 08:00, and active all along (saved a moment ago each time)
    session = _new_session()
    session_begin(session, kind=STAFF, now=SIGNED_IN)
    just_before = SIGNED_IN + datetime.timedelta(hours=12, seconds=-1)
    at_the_limit = SIGNED_IN + datetime.timedelta(hours=12)

    # when / then
    session[REFRESHED_AT_KEY] = _stamp(just_before)
    assert session_state(session, now=just_before) is SessionState.CURRENT
    session[REFRESHED_AT_KEY] = _stamp(at_the_limit)
    assert session_state(session, now=at_the_limit) is SessionState.EXPIRED


def test_a_company_session_has_no_limit_but_the_idle_one():
    session = _new_session()
    session_begin(session, kind=COMPANY, now=SIGNED_IN)
    much_later = SIGNED_IN + datetime.timedelta(days=3)
    session[REFRESHED_AT_KEY] = _stamp(much_later)

    assert session_state(session, now=much_later) is SessionState.CURRENT


def test_an_active_session_is_saved_again_once_a_minute_not_on_every_request(settings):
    # given
    settings.HTG_SESSION_REFRESH_SECONDS = 60
    session = _new_session()
    session_begin(session, kind=STAFF, now=SIGNED_IN)

    # then: within the minute nothing is written; after it, the session is saved so its expiry moves on
    assert session_state(session, now=SIGNED_IN + datetime.timedelta(seconds=59)) is SessionState.CURRENT
    assert session_state(session, now=SIGNED_IN + datetime.timedelta(seconds=60)) is SessionState.REFRESH


@pytest.mark.parametrize(("kind", "idle_seconds"), [(STAFF, 30 * 60), (COMPANY, 2 * 60 * 60)])
def test_signing_in_lets_the_session_lapse_after_the_idle_limit(kind, idle_seconds):
    session = _new_session()

    session_begin(session, kind=kind, now=SIGNED_IN)

    assert session.get_expiry_age() == idle_seconds
    assert (session[KIND_KEY], session[SIGNED_IN_AT_KEY]) == (kind, _stamp(SIGNED_IN))


def test_the_idle_limits_are_settings(settings):
    settings.HTG_STAFF_SESSION_IDLE_MINUTES = 10
    settings.HTG_PORTAL_SESSION_IDLE_MINUTES = 45
    staff, company = _new_session(), _new_session()

    session_begin(staff, kind=STAFF, now=SIGNED_IN)
    session_begin(company, kind=COMPANY, now=SIGNED_IN)

    assert (staff.get_expiry_age(), company.get_expiry_age()) == (600, 2700)


def test_a_signed_in_session_without_a_sign_in_time_is_expired_and_an_anonymous_one_is_nobodys():
    signed_in = _new_session()
    signed_in[SESSION_KEY] = "1"  # as a session from before these limits

    assert session_state(signed_in, now=SIGNED_IN) is SessionState.EXPIRED
    assert session_state(_new_session(), now=SIGNED_IN) is None


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        session_begin(_new_session(), kind="forever", now=SIGNED_IN)


# Every way of signing in begins the session with its kind's limits.


def portal_sign_in(client, email):
    """Ask for a link and press the button on the page it opens, as a company does."""
    client.post(reverse("portal:sign_in"), {"email": email})
    body = OutboxEmail.objects.filter(template_key="portal.sign_in_link").latest("id").body_text
    token = re.search(r"/portal/sign-in/([A-Za-z0-9_\-]+)/", body).group(1)
    return client.post(reverse("portal:sign_in_confirm", args=[token]))


def _session_row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def _staff(username="tessa", **kwargs):
    user = team_member(username=username, **kwargs)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.mark.parametrize("url", ["login", "admin:login"])
def test_a_staff_sign_in_lapses_after_thirty_minutes_without_a_request(client, url):
    # given
    _staff(is_superuser=url == "admin:login")
    before = timezone.now()

    # when
    response = client.post(reverse(url), {"username": "tessa", "password": PASSWORD})
    after = timezone.now()

    # then: the row lapses 30 minutes after the sign-in (the moment of the request, bracketed)
    assert response.status_code == 302
    assert client.session[KIND_KEY] == STAFF
    assert client.session.get_expiry_age() == 30 * 60
    expires = _session_row(client).expire_date
    assert before + datetime.timedelta(minutes=30) <= expires <= after + datetime.timedelta(minutes=30)
    assert client.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60


def test_a_company_contact_signing_in_by_link_lapses_after_two_hours_without_a_request(client, programme_flows):
    # given: a known contact
    ContactFactory(customer=CustomerFactory(), email="anna@vandam.example", user=UserFactory(is_staff=False))

    # when
    portal_sign_in(client, "anna@vandam.example")

    # then
    assert SESSION_KEY in client.session
    assert client.session[KIND_KEY] == COMPANY
    assert client.session.get_expiry_age() == 2 * 60 * 60


def test_a_new_company_with_only_a_verified_address_lapses_after_two_hours_without_a_request(client, programme_flows):
    # when: an address nobody knows opens its link
    response = portal_sign_in(client, "new@company.example")

    # then: no account, and still a company's session with its limit
    assert response.url == reverse("portal:intake")
    assert SESSION_KEY not in client.session
    assert client.session[KIND_KEY] == COMPANY
    assert client.session.get_expiry_age() == 2 * 60 * 60


# The pages: a session past its limit is signed out, an active one is kept alive.


def _set_times(client, *, signed_in_at: datetime.datetime, refreshed_at: datetime.datetime) -> None:
    session = client.session
    session[SIGNED_IN_AT_KEY] = _stamp(signed_in_at)
    session[REFRESHED_AT_KEY] = _stamp(refreshed_at)
    session.save()


def test_a_staff_session_signed_in_thirteen_hours_ago_is_signed_out_and_told_why(client):
    # given: signed in 13 hours ago and active until now
    client.force_login(_staff())
    old_key = client.session.session_key
    now = timezone.now()
    _set_times(client, signed_in_at=now - datetime.timedelta(hours=13), refreshed_at=now)

    # when
    response = client.get(reverse("connections:connection_list"), follow=True)

    # then: the sign-in page, saying why; the old session is gone
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert SIGNED_OUT_MESSAGE in [str(message) for message in response.context["messages"]]
    assert SESSION_KEY not in client.session
    assert not Session.objects.filter(session_key=old_key).exists()


def test_a_staff_session_signed_in_eleven_hours_ago_goes_on(client):
    client.force_login(_staff())
    now = timezone.now()
    _set_times(client, signed_in_at=now - datetime.timedelta(hours=11), refreshed_at=now)

    response = client.get(reverse("connections:connection_list"))

    assert response.status_code == 200
    assert SESSION_KEY in client.session


def test_a_company_session_signed_in_thirteen_hours_ago_goes_on_while_active(client):
    client.force_login(company_contact().user)
    now = timezone.now()
    _set_times(client, signed_in_at=now - datetime.timedelta(hours=13), refreshed_at=now)

    response = client.get(reverse("portal:status"))

    assert response.status_code == 200
    assert client.session[KIND_KEY] == COMPANY


def test_a_session_signed_in_before_these_limits_is_signed_out(client):
    # given: an account's session without the sign-in time (begun before this release)
    client.force_login(_staff())
    session = client.session
    for key in (KIND_KEY, SIGNED_IN_AT_KEY, REFRESHED_AT_KEY):
        del session[key]
    session.save()

    # when
    response = client.get(reverse("connections:connection_list"))

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_active_session_is_saved_so_that_its_idle_expiry_moves_on(client):
    # given: last saved ten minutes ago
    client.force_login(_staff())
    now = timezone.now()
    _set_times(
        client, signed_in_at=now - datetime.timedelta(hours=1), refreshed_at=now - datetime.timedelta(minutes=10)
    )
    row = _session_row(client)
    row.expire_date = now + datetime.timedelta(minutes=20)  # what ten minutes without a request left of thirty
    row.save(update_fields=["expire_date"])

    # when
    assert client.get(reverse("connections:connection_list")).status_code == 200

    # then: thirty minutes again from this request
    assert _session_row(client).expire_date >= now + datetime.timedelta(minutes=30)
    assert client.session[REFRESHED_AT_KEY] >= _stamp(now)


def test_a_session_saved_within_the_minute_is_not_written_again(client, settings):
    # given: saved just now (the refresh interval set to an hour, so that the test's own duration cannot matter)
    settings.HTG_SESSION_REFRESH_SECONDS = 3600
    client.force_login(_staff())
    before = _session_row(client).expire_date

    # when
    assert client.get(reverse("connections:connection_list")).status_code == 200

    # then
    assert _session_row(client).expire_date == before


def test_a_session_past_its_idle_expiry_is_anonymous(client):
    # given: a session row whose expiry has passed, as 30 minutes without a request leave it
    client.force_login(_staff())
    row = _session_row(client)
    row.expire_date = timezone.now() - datetime.timedelta(seconds=1)
    row.save(update_fields=["expire_date"])

    # when
    response = client.get(reverse("connections:connection_list"))

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.redis
def test_in_the_shared_cache_the_session_lapses_with_its_idle_limit(client, settings):
    # given: production's session engine, the database behind the shared Redis cache
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": BROKER_URL, "KEY_PREFIX": "t"}
    }
    _staff()

    # when
    client.post(reverse("login"), {"username": "tessa", "password": PASSWORD})

    # then: the cache entry lapses with the row, within the 30 minutes
    store = client.session
    ttl = redis.Redis.from_url(BROKER_URL).ttl(cache.make_key(store.cache_key))
    assert 0 < ttl <= 30 * 60
    cache.delete(store.cache_key)

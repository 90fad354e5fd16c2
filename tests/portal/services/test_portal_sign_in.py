"""Signing in to the portal by e-mailed link: hashed single-use tokens, ten minutes, rate limits, and the same
answer for known and unknown addresses."""

import datetime
import re
import threading

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from htg_migration.errors import ApplicationError
from notifications.models import OutboxEmail
from portal.models import PortalSignInLink
from portal.services.sign_in import (
    SignInLinkInvalid,
    portal_sign_in_link_check,
    portal_sign_in_link_request,
    portal_sign_in_link_use,
    portal_sign_in_links_purge,
    sign_in_token_hash,
)
from tests.conftest import run_in_threads
from tests.connections.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def _request(email="anna@vandam.example", ip="192.0.2.1", **kwargs):
    return portal_sign_in_link_request(email=email, requested_ip=ip, language="en", **kwargs)


def _token_from(email: OutboxEmail) -> str:
    return re.search(r"/portal/sign-in/([A-Za-z0-9_\-]+)/", email.body_text).group(1)


def _last_token() -> str:
    return _token_from(OutboxEmail.objects.filter(template_key="portal.sign_in_link").latest("id"))


@pytest.fixture
def anna(db):
    return ContactFactory(name="Anna de Boer", email="Anna@VanDam.example", language="nl")


def test_a_link_is_stored_only_as_a_hash_and_expires_after_ten_minutes(anna):
    # when
    outcome = _request()

    # then
    assert outcome.sent is True
    link = PortalSignInLink.objects.get()
    token = _last_token()
    assert link.token_hash == sign_in_token_hash(token) != token
    assert token not in str(PortalSignInLink.objects.values().get())
    assert link.expires_at - link.created_at == datetime.timedelta(minutes=10)
    assert (link.email, link.requested_ip, link.used_at) == ("anna@vandam.example", "192.0.2.1", None)
    email = OutboxEmail.objects.get(template_key="portal.sign_in_link")
    assert (email.to_address, email.language) == ("anna@vandam.example", "nl")  # the contact's language
    assert "Beste Anna de Boer" in email.body_text
    assert "10 minuten" in email.body_text


def test_a_link_just_inside_its_ten_minutes_works_and_one_just_past_them_is_refused_and_changes_nothing(anna):
    # given: two links, one about to expire, one just expired
    _request()
    fresh_token = _last_token()
    _request()
    stale_token = _last_token()
    now = timezone.now()
    PortalSignInLink.objects.filter(token_hash=sign_in_token_hash(fresh_token)).update(
        created_at=now - datetime.timedelta(minutes=9, seconds=50), expires_at=now + datetime.timedelta(seconds=10)
    )
    PortalSignInLink.objects.filter(token_hash=sign_in_token_hash(stale_token)).update(
        created_at=now - datetime.timedelta(minutes=10, seconds=1), expires_at=now - datetime.timedelta(seconds=1)
    )

    # when / then: the stale one is refused, nothing used, no account made
    with pytest.raises(SignInLinkInvalid, match="expired"):
        portal_sign_in_link_use(token=stale_token)
    assert PortalSignInLink.objects.filter(used_at__isnull=False).count() == 0
    assert User.objects.count() == 0

    # when / then: the fresh one works
    signed_in = portal_sign_in_link_use(token=fresh_token)
    assert signed_in.contact == anna


def test_a_link_works_once(anna):
    # given
    _request()
    token = _last_token()
    first = portal_sign_in_link_use(token=token)
    used_at = PortalSignInLink.objects.get().used_at

    # when / then
    with pytest.raises(SignInLinkInvalid, match="already been used") as refused:
        portal_sign_in_link_use(token=token)
    assert refused.value.extra == {"email": "anna@vandam.example"}
    assert PortalSignInLink.objects.get().used_at == used_at
    assert first.user.pk == User.objects.get().pk


def test_checking_a_link_as_a_mail_scanner_would_does_not_use_it(anna):
    # given
    _request()
    token = _last_token()

    # when: fetched three times
    for _ in range(3):
        assert portal_sign_in_link_check(token=token).email == "anna@vandam.example"

    # then: still unused, and it still works
    assert PortalSignInLink.objects.get().used_at is None
    assert portal_sign_in_link_use(token=token).email == "anna@vandam.example"


def test_an_unknown_or_tampered_token_is_refused():
    with pytest.raises(SignInLinkInvalid, match="not valid") as refused:
        portal_sign_in_link_use(token="made-up")
    assert refused.value.extra == {}


def test_the_first_sign_in_creates_an_account_without_password_and_later_ones_reuse_it(anna):
    # given
    _request()
    first = portal_sign_in_link_use(token=_last_token())
    _request()

    # when
    second = portal_sign_in_link_use(token=_last_token())

    # then
    anna.refresh_from_db()
    user = User.objects.get()
    assert anna.user == user == first.user == second.user
    assert not user.has_usable_password()
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
    assert user.first_name == "Anna de Boer"


def test_a_blocked_account_cannot_sign_in_and_the_link_stays_unused(anna):
    # given
    anna.user = UserFactory(is_staff=False, is_active=False)
    anna.save(update_fields=["user"])
    _request()

    # when / then
    with pytest.raises(ApplicationError, match="blocked"):
        portal_sign_in_link_use(token=_last_token())
    assert PortalSignInLink.objects.get().used_at is None


def test_an_unknown_address_gets_a_link_too_which_verifies_it_for_a_new_company_without_making_an_account(db):
    # when
    outcome = _request(email="new@company.example")
    signed_in = portal_sign_in_link_use(token=_last_token())

    # then
    assert outcome.sent is True
    assert (signed_in.email, signed_in.contact, signed_in.user) == ("new@company.example", None, None)
    assert User.objects.count() == 0
    email = OutboxEmail.objects.get(template_key="portal.sign_in_link")
    assert email.language == "en"  # the language of the page it was asked on
    assert "start the intake" in email.body_text


def test_known_and_unknown_addresses_get_the_same_answer_and_the_same_work(anna):
    # when
    known = _request(email="anna@vandam.example", ip="192.0.2.1")
    unknown = _request(email="nobody@nowhere.example", ip="192.0.2.2")

    # then: same outcome, one row and one e-mail each
    assert known == unknown
    assert PortalSignInLink.objects.filter(email="anna@vandam.example").count() == 1
    assert PortalSignInLink.objects.filter(email="nobody@nowhere.example").count() == 1
    assert OutboxEmail.objects.filter(to_address__in=["anna@vandam.example", "nobody@nowhere.example"]).count() == 2


def test_an_invalid_address_is_refused_and_nothing_is_written(db):
    with pytest.raises(ValidationError) as refused:
        _request(email="anna at vandam")
    assert refused.value.message_dict == {"email": ["Enter a valid e-mail address, for example name@company.nl."]}
    assert PortalSignInLink.objects.count() == 0
    assert OutboxEmail.objects.count() == 0


def test_an_address_gets_a_limited_number_of_links_per_window_then_a_refusal_that_sends_nothing(anna, settings):
    # given
    settings.HTG_PORTAL_LINKS_PER_ADDRESS = 3
    for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        assert _request(ip=ip).sent

    # when: a fourth, from yet another IP address
    refused = _request(ip="192.0.2.4")

    # then
    assert refused.sent is False
    assert 55 <= refused.retry_after_minutes <= 60
    assert OutboxEmail.objects.filter(template_key="portal.sign_in_link").count() == 3
    assert PortalSignInLink.objects.filter(rate_limited=True, token_hash__isnull=True).count() == 1
    # another address is not affected
    assert _request(email="other@company.example", ip="192.0.2.4").sent


def test_links_older_than_the_window_no_longer_count(anna, settings):
    # given
    settings.HTG_PORTAL_LINKS_PER_ADDRESS = 2
    _request()
    _request()
    PortalSignInLink.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=61))

    # when / then
    assert _request().sent


def test_an_ip_address_gets_a_limited_number_of_links_for_any_addresses(db, settings):
    # given
    settings.HTG_PORTAL_LINKS_PER_IP = 3
    for number in range(3):
        assert _request(email=f"person{number}@company.example", ip="198.51.100.7").sent

    # when
    refused = _request(email="person9@company.example", ip="198.51.100.7")

    # then
    assert refused.sent is False
    assert OutboxEmail.objects.count() == 3
    assert not OutboxEmail.objects.filter(to_address="person9@company.example").exists()
    # the same address from another network still gets its link
    assert _request(email="person9@company.example", ip="198.51.100.8").sent


def test_the_return_path_is_kept_only_for_portal_pages(db):
    _request(email="a@company.example", next_path="/portal/status/")
    _request(email="b@company.example", next_path="https://evil.example/portal/")
    _request(email="c@company.example", next_path="//evil.example/portal/")
    assert dict(PortalSignInLink.objects.values_list("email", "next_path")) == {
        "a@company.example": "/portal/status/",
        "b@company.example": "",
        "c@company.example": "",
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_link_used_twice_at_the_same_moment_signs_in_once():
    # given
    ContactFactory(email="anna@vandam.example")
    _request()
    token = _last_token()

    # when: two browsers press the button at once
    results = run_in_threads(
        [lambda: portal_sign_in_link_use(token=token), lambda: portal_sign_in_link_use(token=token)]
    )

    # then: one signs in, the other is told the link was used; one account
    assert sorted(type(result).__name__ for result in results) == ["PortalSignIn", "SignInLinkInvalid"]
    assert User.objects.count() == 1


def test_old_link_rows_are_purged_and_recent_ones_kept(db, settings):
    # given: rows from 91 days ago, 89 days ago and today
    settings.HTG_PORTAL_LINK_KEEP_DAYS = 90
    now = timezone.now()
    ages = {"old": 91, "recent": 89, "today": 0}
    for name, days in ages.items():
        created = now - datetime.timedelta(days=days)
        PortalSignInLink.objects.create(
            email=f"{name}@example.nl",
            token_hash=sign_in_token_hash(name),
            created_at=created,
            expires_at=created + datetime.timedelta(minutes=10),
        )

    # when: the nightly job, twice
    first = portal_sign_in_links_purge(now=now)
    second = portal_sign_in_links_purge(now=now)

    # then
    assert (first, second) == (1, 0)
    assert sorted(PortalSignInLink.objects.values_list("email", flat=True)) == ["recent@example.nl", "today@example.nl"]


def test_the_purge_is_a_step_of_the_nightly_retention_run():
    from htg_migration.celery import app
    from htg_migration.retention import _steps

    entry = app.conf.beat_schedule["retention-nightly"]
    assert entry["task"] == "connections.tasks.retention_run_task"
    assert _steps["sign_in_links"].run is portal_sign_in_links_purge


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_requests_at_once_for_one_address_get_exactly_the_limit_of_links(settings):
    # given: the limit of 5 per address, 20 requests from 20 addresses at the same moment
    settings.HTG_PORTAL_LINKS_PER_ADDRESS = 5
    barrier = threading.Barrier(20)

    def ask(number):
        def request():
            barrier.wait()
            return portal_sign_in_link_request(
                email="anna@vandam.example", requested_ip=f"198.51.100.{number}", language="nl"
            )

        return request

    # when
    results = run_in_threads([ask(number) for number in range(20)])

    # then: five sent, fifteen refused with a time to wait, and five e-mails
    assert [type(result).__name__ for result in results] == ["SignInLinkRequest"] * 20
    assert sorted(result.sent for result in results) == [False] * 15 + [True] * 5
    assert PortalSignInLink.objects.filter(rate_limited=False).count() == 5
    assert PortalSignInLink.objects.filter(rate_limited=True).count() == 15
    assert OutboxEmail.objects.filter(template_key="portal.sign_in_link").count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_requests_at_once_from_one_ip_address_get_exactly_its_limit(settings):
    settings.HTG_PORTAL_LINKS_PER_IP = 7
    barrier = threading.Barrier(20)

    def ask(number):
        def request():
            barrier.wait()
            return portal_sign_in_link_request(
                email=f"person{number}@company.example", requested_ip="203.0.113.8", language="en"
            )

        return request

    results = run_in_threads([ask(number) for number in range(20)])

    assert sum(result.sent for result in results) == 7
    assert OutboxEmail.objects.filter(template_key="portal.sign_in_link").count() == 7

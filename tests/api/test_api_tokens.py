"""A company's API tokens (api/models.py): made, named, listed and revoked in the portal by a signed-in contact,
shown once and kept only as a hash, with an optional expiry, read-only or read-write, noting when and from where each
was last used, refused at once when revoked; the token authentication of the API next to the session."""

import datetime
import hashlib
import json
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken
from api.services.tokens import api_token_create, api_token_revoke
from connections.models import Refusal
from connections.services.contacts import contact_delete
from tests.connections.factories import ConnectionFactory, team_member
from tests.connections.portal_factories import company_contact
from tests.submit_tokens import fresh_submit_token

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 5, 15)
PAGE = "/portal/api-tokens/"
LIST = "/api/v1/connections/"


@pytest.fixture(autouse=True)
def _pinned_clock(settings):
    settings.HTG_CLOCK_DATE = TODAY


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


# ------------------------------------------------------------------------------------------------- the portal page
@pytest.mark.parametrize(
    ("language", "heading", "made_on"),
    [("en", "API tokens", "15 May 2020"), ("nl", "API-tokens", "15 mei 2020")],
)
def test_a_contact_makes_a_token_sees_it_once_and_only_its_hash_is_kept(language, heading, made_on):
    # given
    contact = company_contact()
    client = _signed_in(contact.user)
    client.cookies["django_language"] = language

    # when: made, then the page after the redirect, then the page again
    made = client.post(
        PAGE, {"name": "Warehouse system", "scope": "read", "expires_on": "", "submit_token": fresh_submit_token()}
    )
    first = client.get(PAGE)
    second = client.get(PAGE)

    # then
    assert made.status_code == 302 and made["Location"] == PAGE
    key = re.search(r'<code class="token-key">(htg_[^<]+)</code>', first.content.decode()).group(1)
    assert f"<h1>{heading}</h1>" in first.content.decode()
    assert key not in second.content.decode()
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.expires_on, token.customer_id) == (
        "Warehouse system",
        "read",
        None,
        contact.customer_id,
    )
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {str(value) for value in ApiToken.objects.values_list(flat=False).get()}
    assert key[4:12] == token.prefix and f"htg_{token.prefix}" in second.content.decode()
    # the month in the reader's language (a page's own "May" once translated Dutch month names too)
    assert made_on in second.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "scope": "read"},
        {"name": "x" * 101, "scope": "read"},
        {"name": "n\x00ul", "scope": "read"},
        {"name": "Scope", "scope": "admin"},
        {"name": "Past", "scope": "read", "expires_on": "2020-05-14"},
        {"name": "Bad date", "scope": "read", "expires_on": "2020-02-30"},
    ],
)
def test_a_token_with_bad_input_is_refused_with_a_message_and_nothing_is_made(data):
    # given
    contact = company_contact()

    # when
    response = _signed_in(contact.user).post(PAGE, {**data, "submit_token": fresh_submit_token()})

    # then
    assert response.status_code in {200, 400}
    assert 'class="error-summary"' in response.content.decode() or b"alert" in response.content
    assert ApiToken.objects.count() == 0


def test_the_list_shows_only_the_own_companys_tokens_with_last_use(client):
    # given
    mine, theirs = company_contact(), company_contact()
    api_token_create(contact=mine, name="Mine", scope="read", expires_on=None)
    api_token_create(contact=theirs, name="Theirs", scope="read", expires_on=None)

    # when
    page = _signed_in(mine.user).get(PAGE).content.decode()

    # then
    assert "Mine" in page and "Theirs" not in page


def test_the_list_page_pins_its_query_count(django_assert_num_queries):
    # given: a company with two tokens, then three
    contact = company_contact()
    client = _signed_in(contact.user)
    for name in ("One", "Two"):
        api_token_create(contact=contact, name=name, scope="read", expires_on=None)
    client.get(PAGE)

    # when / then: the same number of queries for two and for three tokens
    with django_assert_num_queries(4):
        client.get(PAGE)
    api_token_create(contact=contact, name="Three", scope="read", expires_on=None)
    with django_assert_num_queries(4):
        client.get(PAGE)


def test_revoking_works_at_once_and_another_companys_token_is_a_404():
    # given
    contact, other = company_contact(), company_contact()
    token, key = api_token_create(contact=contact, name="T", scope="read", expires_on=None)
    foreign, _ = api_token_create(contact=other, name="F", scope="read", expires_on=None)
    client = _signed_in(contact.user)
    assert Client().get(LIST, **_bearer(key)).status_code == 200

    # when
    revoked = client.post(f"{PAGE}{token.pk}/revoke/")
    refused = client.post(f"{PAGE}{foreign.pk}/revoke/")

    # then
    assert revoked.status_code == 302
    assert Client().get(LIST, **_bearer(key)).status_code == 401
    assert refused.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None
    assert Refusal.objects.filter(user=contact.user, status=404).count() == 1


def test_staff_do_not_reach_the_token_page():
    # when
    response = _signed_in(team_member()).get(PAGE)

    # then
    assert response.status_code == 404


# ------------------------------------------------------------------------------------------------- authentication
def test_a_token_reads_its_companys_connections_and_notes_when_and_from_where():
    # given
    contact = company_contact()
    mine = ConnectionFactory(customer=contact.customer)
    ConnectionFactory()  # another company's
    token, key = api_token_create(contact=contact, name="T", scope="read", expires_on=None)

    # when
    response = Client(REMOTE_ADDR="192.0.2.7").get(LIST, **_bearer(key))

    # then
    assert response.status_code == 200
    assert [row["id"] for row in json.loads(response.content)["results"]] == [mine.pk]
    token.refresh_from_db()
    assert token.last_used_from == "192.0.2.7"
    assert token.last_used_at is not None and timezone.localtime(token.last_used_at).date() == TODAY  # Amsterdam day


@pytest.mark.parametrize(
    "header",
    ["Bearer htg_unknown", "Bearer", "Bearer a b", "Bearer htg_\u00e9", "Bearer " + "htg_" + "x" * 5000],
)
def test_an_unknown_or_malformed_token_is_a_401_problem(header):
    # when
    response = Client().get(LIST, HTTP_AUTHORIZATION=header, HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert json.loads(response.content)["type"] == "/api/docs/problems/not-authenticated"


def test_an_expired_token_is_refused_from_the_day_after_its_expiry(settings):
    # given: a token that expires today
    contact = company_contact()
    _, key = api_token_create(contact=contact, name="T", scope="read", expires_on=TODAY)
    assert Client().get(LIST, **_bearer(key)).status_code == 200

    # when
    settings.HTG_CLOCK_DATE = TODAY + datetime.timedelta(days=1)
    response = Client().get(LIST, **_bearer(key))

    # then
    assert response.status_code == 401


def test_a_read_only_token_may_not_write_and_a_read_write_token_passes_the_scope_check():
    # given
    contact = company_contact()
    connection = ConnectionFactory(customer=contact.customer)
    _, read_key = api_token_create(contact=contact, name="R", scope="read", expires_on=None)
    _, write_key = api_token_create(contact=contact, name="W", scope="read_write", expires_on=None)
    url = f"/api/v1/connections/{connection.pk}/"

    # when: a write to a read endpoint
    read_only = Client().post(url, {}, content_type="application/json", **_bearer(read_key))
    read_write = Client().post(url, {}, content_type="application/json", **_bearer(write_key))

    # then: refused for its scope (403), where the read-write token meets the endpoint's own 405
    assert read_only.status_code == 403
    assert read_write.status_code == 405


def test_a_token_whose_maker_left_the_company_no_longer_works():
    # given
    contact = company_contact()
    _, key = api_token_create(contact=contact, name="T", scope="read", expires_on=None)
    contact.user.is_staff = True  # no longer a company account (permissions.may_be_company_account)
    contact.user.save(update_fields=["is_staff"])

    # when
    response = Client().get(LIST, **_bearer(key))

    # then
    assert response.status_code == 401


def test_the_session_keeps_working_next_to_tokens():
    # given
    contact = company_contact()

    # when
    response = _signed_in(contact.user).get(LIST)

    # then
    assert response.status_code == 200


def test_revoking_twice_keeps_the_first_revocation():
    # given
    contact = company_contact()
    token, _ = api_token_create(contact=contact, name="T", scope="read", expires_on=None)
    first = api_token_revoke(contact=contact, token_id=token.pk, actor=contact.user).revoked_at

    # when
    again = api_token_revoke(contact=contact, token_id=token.pk, actor=contact.user)

    # then
    assert again.revoked_at == first


def test_removing_the_contact_who_made_a_token_keeps_the_token_listed_and_stops_it():
    # given: a company with two contacts, one of whom made a token
    maker = company_contact()
    colleague = company_contact(maker.customer)
    token, key = api_token_create(contact=maker, name="T", scope="read", expires_on=None)

    # when
    contact_delete(customer_id=maker.customer_id, contact_id=maker.pk)

    # then
    assert Client().get(LIST, **_bearer(key)).status_code == 401
    token.refresh_from_db()
    assert token.created_by is None
    assert "htg_" + token.prefix in _signed_in(colleague.user).get(PAGE).content.decode()


def test_the_rate_is_counted_per_token(monkeypatch, settings):
    # given: two tokens of one company, the first used up (a rate of one a minute, a clock that stands still)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "1/min"}}
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: 1_000_000.0)
    cache.clear()
    contact = company_contact()
    _, first = api_token_create(contact=contact, name="First", scope="read", expires_on=None)
    _, second = api_token_create(contact=contact, name="Second", scope="read", expires_on=None)
    assert Client().get(LIST, **_bearer(first)).status_code == 200
    refused = Client().get(LIST, **_bearer(first))

    # when
    response = Client().get(LIST, **_bearer(second))

    # then
    assert (refused.status_code, refused["Retry-After"]) == (429, "60")
    assert response.status_code == 200


@pytest.mark.parametrize("header", ["Bearer htg_unknown", "Bearer a b", "Bearer htg_\u00e9"])
def test_a_refused_token_is_a_row_of_the_refusal_audit(header):
    # when
    response = Client(REMOTE_ADDR="192.0.2.9").get(LIST, HTTP_AUTHORIZATION=header)

    # then
    assert response.status_code == 401
    refusal = Refusal.objects.get()
    assert (refusal.reason, refusal.status, refusal.path, refusal.client_ip, refusal.user) == (
        "token_refused",
        401,
        LIST,
        "192.0.2.9",
        None,
    )

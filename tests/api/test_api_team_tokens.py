"""Staff API tokens (issue 17 item 2): made by an administrator in the admin for a member of the connection team,
the core team or the helpdesk, shown once and stored as a hash, with expiry, scope, last use and revocation; the
token acts with its member's role, and company and staff accounts never mix."""

import datetime
import hashlib
import re

import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.test import Client

from api.models import ApiToken
from api.services.tokens import api_token_create, api_token_staff_create, api_token_staff_revoke
from htg_migration.errors import ApplicationError
from tests.connections.factories import ConnectionFactory, UserFactory, helpdesk_member, team_member
from tests.connections.portal_factories import company_contact, hub_with_client

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 5, 15)
ADD = "/admin/api/apitoken/add/"
CHANGELIST = "/admin/api/apitoken/"
TEAM_LIST = "/api/v1/team/customers/"


@pytest.fixture(autouse=True)
def _pinned(settings):
    settings.HTG_CLOCK_DATE = TODAY
    cache.clear()


def _bearer(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")


def _administrator() -> Client:
    client = Client()
    client.force_login(UserFactory(is_superuser=True))
    return client


def test_an_administrator_makes_a_staff_token_sees_it_once_and_only_its_hash_is_kept():
    # given
    member = team_member()
    admin = _administrator()

    # when
    made = admin.post(ADD, {"user": member.pk, "name": "Nightly script", "scope": "read", "expires_on": ""})
    first = admin.get(made["Location"]).content.decode()
    second = admin.get(made["Location"]).content.decode()

    # then
    token = ApiToken.objects.get()
    key = re.search(r'id="new-api-token">(htg_[^<]+)<', first).group(1)
    assert (token.user, token.customer, token.name, token.scope) == (member, None, "Nightly script", "read")
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in second
    assert _bearer(key).get(TEAM_LIST).status_code == 200


def test_the_admin_offers_only_staff_members_and_refuses_a_company_account_or_a_past_expiry():
    # given
    contact = company_contact()
    member = helpdesk_member()
    admin = _administrator()

    # when
    company = admin.post(ADD, {"user": contact.user.pk, "name": "x", "scope": "read", "expires_on": ""})
    past = admin.post(ADD, {"user": member.pk, "name": "x", "scope": "read", "expires_on": "2020-05-14"})

    # then
    assert (company.status_code, past.status_code) == (200, 200)  # the form again, with its errors
    assert "Select a valid choice" in company.content.decode()
    assert "The expiry date lies in the past." in past.content.decode()
    assert not ApiToken.objects.exists()


def test_staff_do_not_reach_the_tokens_in_the_admin():
    # given
    client = Client()
    client.force_login(team_member())

    # when
    response = client.get(CHANGELIST)

    # then
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_admin_lists_staff_tokens_only_and_revokes_one_at_once():
    # given
    member = team_member()
    token, key = api_token_staff_create(user=member, name="script", scope="read", expires_on=None)
    api_token_create(contact=company_contact(), name="company's", scope="read", expires_on=None)
    admin = _administrator()

    # when
    listed = admin.get(CHANGELIST).content.decode()
    admin.post(CHANGELIST, {"action": "revoke", "_selected_action": [token.pk]})

    # then
    assert "script" in listed and "company&#x27;s" not in listed and "company's" not in listed
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _bearer(key).get(TEAM_LIST).status_code == 401


def test_a_staff_token_notes_when_and_from_where_it_was_used():
    # given
    _, key = api_token_staff_create(user=team_member(), name="script", scope="read", expires_on=None)

    # when
    _bearer(key).get(TEAM_LIST, REMOTE_ADDR="192.0.2.7")

    # then
    token = ApiToken.objects.get()
    assert token.last_used_at is not None
    assert token.last_used_from == "192.0.2.7"


@pytest.mark.parametrize("how", ["revoked", "expired", "left the team", "deactivated"])
def test_a_staff_token_that_no_longer_holds_is_a_401(how):
    # given
    member = team_member()
    token, key = api_token_staff_create(user=member, name="script", scope="read", expires_on=TODAY)
    if how == "revoked":
        api_token_staff_revoke(token_id=token.pk, actor=UserFactory(is_superuser=True))
    elif how == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_on=TODAY - datetime.timedelta(days=1))
    elif how == "left the team":
        member.groups.clear()
    else:
        member.is_active = False
        member.save(update_fields=["is_active"])

    # when
    response = _bearer(key).get(TEAM_LIST)

    # then
    assert response.status_code == 401
    assert response.json()["type"] == "/api/docs/problems/not-authenticated"


def test_a_staff_token_is_not_made_for_a_company_account_and_a_token_is_never_both():
    # given
    contact = company_contact()
    customer = contact.customer

    # when / then
    with pytest.raises(ApplicationError):
        api_token_staff_create(user=contact.user, name="x", scope="read", expires_on=None)
    for owner in ({"customer": customer, "user": team_member()}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            ApiToken.objects.create(name="x", prefix="x", key_hash=f"{owner!r}"[:64], **owner)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("route", ["/api/v1/team/customers/", "/api/v1/team/dashboard/", "/api/v1/team/imports/"])
def test_company_and_hub_tokens_are_refused_on_the_team_endpoints(route):
    # given
    hub, served = hub_with_client()
    ConnectionFactory(customer=served)
    _, hub_key = api_token_create(contact=hub, name="hub", scope="read_write", expires_on=None)
    _, company_key = api_token_create(contact=company_contact(), name="c", scope="read_write", expires_on=None)

    # when
    answers = [_bearer(key).get(route).status_code for key in (hub_key, company_key)]

    # then
    assert answers == [403, 403]


def test_a_staff_token_does_not_act_for_a_company():
    # given
    _, key = api_token_staff_create(user=team_member(), name="script", scope="read", expires_on=None)
    connection = ConnectionFactory()

    # when
    companies = _bearer(key).get("/api/v1/companies/")
    detail = _bearer(key).get(f"/api/v1/connections/{connection.pk}/")

    # then
    assert (companies.status_code, detail.status_code) == (403, 403)

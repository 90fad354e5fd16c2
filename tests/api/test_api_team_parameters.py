"""The team's query parameters are as strict as the companies' (issue 17 item 6), found by Schemathesis with a
core-team token: a value of the wrong type, a choice the endpoint does not have, or a blank is a 400 problem naming
the parameter, never a silent fallback to the page's default. And the rules a schema cannot state (a plateau of the
programme, text that is not only spaces, no NUL characters, an end after the start) are 400s with their reason that
write nothing (tests/api/test_api_schemathesis.py RULES_BEYOND_THE_SCHEMA)."""

import datetime
import json

import pytest
from django.core.cache import cache
from django.test import Client

from api.services.tokens import api_token_staff_create
from connections.models import CallbackRequest, LookupAudit, TeamAvailability
from tests.connections.factories import ConnectionFactory, core_team_member, helpdesk_member, team_member

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 5, 15)


@pytest.fixture(autouse=True)
def _pinned(settings):
    settings.HTG_CLOCK_DATE = TODAY
    cache.clear()


def _client(user) -> Client:
    _, key = api_token_staff_create(user=user, name="script", scope="read_write", expires_on=None)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")


def _fields(response) -> list[str]:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    ("url", "parameters", "field"),
    [
        ("/api/v1/connections/", {"customer": "0"}, "customer"),
        ("/api/v1/connections/", {"plateau": "one"}, "plateau"),
        ("/api/v1/connections/", {"q": "HTG\x00"}, "q"),
        ("/api/v1/team/customers/", {"q": "\x00"}, "q"),
        ("/api/v1/team/customers/", {"plateau": "one"}, "plateau"),
        ("/api/v1/team/customers/", {"overdue": "maybe"}, "overdue"),
        ("/api/v1/team/customers/", {"hub": ""}, "hub"),
        ("/api/v1/team/escalations/", {"scope": "everything"}, "scope"),
        ("/api/v1/team/escalations/", {"owner": "somebody"}, "owner"),
        ("/api/v1/team/escalations/", {"plateau": "-1"}, "plateau"),
        ("/api/v1/team/callbacks/", {"scope": ""}, "scope"),
        ("/api/v1/team/callbacks/", {"scope": "theirs"}, "scope"),
        ("/api/v1/team/dashboard/", {"as_of": "05/01/2020"}, "as_of"),
        ("/api/v1/team/dashboard/", {"as_of": ""}, "as_of"),
    ],
)
def test_a_team_parameter_of_the_wrong_kind_is_a_400_that_names_it(url, parameters, field):
    # when
    response = _client(core_team_member()).get(url, parameters)

    # then
    assert _fields(response) == [field]


def test_the_team_narrows_its_connection_list_to_one_customer():
    # given two companies' connections
    wanted, other = ConnectionFactory(), ConnectionFactory()

    client = _client(team_member())

    # when
    narrowed = client.get("/api/v1/connections/", {"customer": wanted.customer_id})
    everyone = client.get("/api/v1/connections/")

    # then
    assert narrowed.status_code == 200
    assert [row["id"] for row in narrowed.json()["results"]] == [wanted.pk]
    assert {row["id"] for row in everyone.json()["results"]} == {wanted.pk, other.pk}


def test_a_dashboard_plateau_the_programme_does_not_have_is_a_400():
    # when
    response = _client(team_member()).get("/api/v1/team/dashboard/", {"plateau": "99", "move_days": "5"})

    # then
    assert _fields(response) == ["plateau"]


def test_a_lookup_with_a_nul_character_is_a_400_and_writes_no_audit_row():
    # when
    response = _client(helpdesk_member()).get("/api/v1/team/lookup/", {"q": "HTG\x00"})

    # then
    assert _fields(response) == ["q"]
    assert not LookupAudit.objects.exists()


def test_a_callback_whose_reason_is_only_spaces_is_a_400_and_writes_nothing():
    # given
    connection = ConnectionFactory()

    # when
    response = _client(helpdesk_member()).post(
        "/api/v1/team/callbacks/",
        json.dumps(
            {
                "customer": connection.customer_id,
                "urgency": "normal",
                "reason": "   ",
                "contact_name": "Anna",
                "contact_phone": "010 1234567",
            }
        ),
        content_type="application/json",
    )

    # then
    assert _fields(response) == ["reason"]
    assert not CallbackRequest.objects.exists()


def test_availability_that_ends_before_it_starts_is_a_400_and_writes_nothing():
    # when
    response = _client(team_member()).post(
        "/api/v1/team/availability/",
        json.dumps({"date": "2020-05-18", "start_time": "11:00", "end_time": "10:00"}),
        content_type="application/json",
    )

    # then
    assert _fields(response) == ["end_time"]
    assert not TeamAvailability.objects.exists()

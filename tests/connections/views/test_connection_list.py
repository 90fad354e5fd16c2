import datetime

import pytest
from django.urls import reverse

from connections.models import Escalation
from connections.services.staff import staff_groups_sync
from plateaus.models import GovernmentParty, MessageFlow
from tests.connections.factories import (
    ConnectionFactory,
    CustomerFactory,
    UserFactory,
    helpdesk_member,
    team_member,
    walk_to,
)

pytestmark = pytest.mark.django_db

URL = reverse("connections:connection_list")


@pytest.fixture
def team_client(client):
    staff_groups_sync()
    user = team_member()
    client.force_login(user)
    client.user = user
    return client


def _rows(response) -> list[int]:
    return [connection.pk for connection in response.context["page"].object_list]


def test_anonymous_is_sent_to_sign_in_and_helpdesk_is_refused(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    client.force_login(helpdesk_member())
    assert client.get(URL).status_code == 403


def test_the_query_count_is_the_same_for_two_rows_and_for_twelve(team_client, django_assert_num_queries):
    # given: rows with hubs and assignees, so that a lazy relation would show up as an extra query per row
    hub = CustomerFactory(role="hub")
    for _ in range(2):
        ConnectionFactory(customer=CustomerFactory(hub=hub), assigned_to=team_client.user)

    # when / then: session, user, their groups, the count, the states present (for the bulk steps), plateaus, flows,
    # team members, the rows
    with django_assert_num_queries(9):
        response = team_client.get(URL, {"flow": "AGS", "state": "planned"})
    assert len(_rows(response)) == 2

    for _ in range(10):
        ConnectionFactory(customer=CustomerFactory(hub=hub), assigned_to=team_client.user)
    with django_assert_num_queries(9):
        response = team_client.get(URL, {"flow": "AGS", "state": "planned"})
    assert len(_rows(response)) == 12


def test_filters_by_flow_state_plateau_role_hub_and_assignee(team_client, programme_flows):
    # given
    hub = CustomerFactory(role="hub")
    client_of_hub = ConnectionFactory(customer=CustomerFactory(hub=hub), flow=programme_flows["NCTS"])
    walker = UserFactory(is_superuser=True)
    invited = walk_to(ConnectionFactory(flow=programme_flows["AGS"]), "invited", walker)
    supplier = ConnectionFactory(customer=CustomerFactory(role="software_supplier"), flow=programme_flows["SW"])
    assigned = ConnectionFactory(flow=programme_flows["NVWA"], assigned_to=team_client.user)

    # when / then
    assert _rows(team_client.get(URL, {"flow": "ncts"})) == [client_of_hub.pk]
    assert _rows(team_client.get(URL, {"state": "invited"})) == [invited.pk]
    assert sorted(_rows(team_client.get(URL, {"plateau": "1"}))) == sorted([client_of_hub.pk, invited.pk])
    assert _rows(team_client.get(URL, {"role": "software_supplier"})) == [supplier.pk]
    assert _rows(team_client.get(URL, {"hub": hub.pk})) == [client_of_hub.pk]
    assert _rows(team_client.get(URL, {"assignee": team_client.user.pk})) == [assigned.pk]
    assert assigned.pk not in _rows(team_client.get(URL, {"assignee": "none"}))


def test_overdue_escalated_and_blocked(team_client, programme_flows, settings):
    # given: the clock reads 1 June 2020
    settings.HTG_CLOCK_DATE = datetime.date(2020, 6, 1)
    walker = UserFactory(is_superuser=True)
    overdue = walk_to(ConnectionFactory(), "invited", walker)
    overdue.due_on = datetime.date(2020, 5, 29)
    overdue.save(update_fields=["due_on"])
    not_yet = walk_to(ConnectionFactory(), "invited", walker)
    not_yet.due_on = datetime.date(2020, 6, 2)
    not_yet.save(update_fields=["due_on"])
    escalated = ConnectionFactory()
    Escalation.objects.create(connection=escalated, waiting_state="invited", reason="no answer")
    GovernmentParty.objects.filter(code="nvwa").update(htg_status="connecting")
    blocked = ConnectionFactory(flow=MessageFlow.objects.get(code="NVWA"))

    # when / then
    response = team_client.get(URL, {"overdue": "1"})
    assert _rows(response) == [overdue.pk]
    assert "overdue" in response.content.decode()
    assert _rows(team_client.get(URL, {"escalated": "1"})) == [escalated.pk]
    assert _rows(team_client.get(URL, {"blocked": "1"})) == [blocked.pk]


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ("HTG-0000042-2", "htg"),
        ("htg 0000042 2", "htg"),
        ("12345678", "kvk"),
        ("nl123456789", "eori"),
        ("dam log", "name"),
    ],
)
def test_search_by_htg_number_kvk_eori_and_name(team_client, typed, field):
    # given
    target = CustomerFactory(legal_name="Van Dam Logistiek B.V.", kvk_number="12345678", eori="NL123456789")
    target.htg_number = "HTG-0000042-2"
    target.save(update_fields=["htg_number"])
    wanted = ConnectionFactory(customer=target)
    ConnectionFactory(customer=CustomerFactory(legal_name="Other Transport B.V."))

    # when / then
    typed = "Dam Log" if field == "name" else typed
    assert _rows(team_client.get(URL, {"q": typed})) == [wanted.pk]


def test_eight_digits_that_pass_the_htg_check_digit_find_the_kvk_number_and_the_htg_number(team_client):
    # given: "00000422" is a KvK number here, and the bare digits of someone else's HTG number HTG-0000042-2
    by_kvk = ConnectionFactory(customer=CustomerFactory(legal_name="Kvk Match B.V.", kvk_number="00000422"))
    htg_customer = CustomerFactory(legal_name="Htg Match B.V.")
    htg_customer.htg_number = "HTG-0000042-2"
    htg_customer.save(update_fields=["htg_number"])
    by_htg = ConnectionFactory(customer=htg_customer)
    ConnectionFactory(customer=CustomerFactory(legal_name="Neither B.V.", kvk_number="00000430"))

    # when / then: both, and with the prefix only the HTG number
    assert sorted(_rows(team_client.get(URL, {"q": "0000 0422"}))) == sorted([by_kvk.pk, by_htg.pk])
    assert _rows(team_client.get(URL, {"q": "HTG-0000042-2"})) == [by_htg.pk]


def test_sorting_and_pagination_keep_the_filter(team_client):
    # given
    names = [f"Company {letter}" for letter in "DCEBA"]
    for name in names * 11:
        ConnectionFactory(customer=CustomerFactory(legal_name=name))

    # when
    first = team_client.get(URL, {"sort": "customer", "state": "planned"})
    second = team_client.get(URL, {"sort": "customer", "state": "planned", "page": "2"})

    # then
    assert first.context["page"].paginator.count == 55
    first_names = [connection.customer.legal_name for connection in first.context["page"].object_list]
    assert first_names == sorted(first_names)
    assert set(_rows(first)).isdisjoint(_rows(second))
    assert "sort=customer&amp;state=planned&amp;page=2" in first.content.decode() or "page=2" in first.content.decode()


def test_nonsense_filters_are_ignored_not_an_error(team_client):
    ConnectionFactory()
    response = team_client.get(URL, {"state": "nonsense", "plateau": "x", "sort": "drop table", "page": "999"})
    assert response.status_code == 200
    assert len(_rows(response)) == 1


def test_an_empty_result_says_so(team_client):
    response = team_client.get(URL, {"q": "nobody by this name"})
    assert "No connection matches this filter." in response.content.decode()


def test_the_page_is_in_dutch_for_dutch_users(team_client):
    ConnectionFactory()
    response = team_client.get(URL, HTTP_ACCEPT_LANGUAGE="nl")
    assert "Aansluitingen" in response.content.decode()


@pytest.mark.parametrize("query", ["hub=²", "plateau=" + "9" * 5000, "assignee=²", "hub=١٢"])
def test_a_filter_number_that_is_not_an_id_is_ignored_not_a_server_error(team_client, query):
    response = team_client.get(f"/team/connections/?{query}")
    assert response.status_code == 200

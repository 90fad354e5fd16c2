"""A hub's client list (issue 14 item 6): the filters "needs my action" and "overdue" in the URL, the due date of
every flow that waits on the client, a fixed number of queries whatever the filter."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from connections.models import Connection
from plateaus.models import MessageFlow
from tests.connections.factories import ConnectionFactory, CustomerFactory, UserFactory, walk_to
from tests.connections.portal_factories import hub_with_client

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 5, 15)


@pytest.fixture(autouse=True)
def pinned_clock(settings):
    settings.HTG_CLOCK_DATE = TODAY


def _flow(code):
    return MessageFlow.objects.get(code=code)


def _due(connection, day):
    Connection.objects.filter(pk=connection.pk).update(due_on=day)


@pytest.fixture
def hub_world():
    """A hub with four clients: one overdue (slot offered, due yesterday), one waiting but not late (testing, due in
    a week), one not waiting (slot booked), one without flows; and another hub's late client."""
    walker = UserFactory(is_superuser=True)
    hub, late = hub_with_client(legal_name="Delta Late B.V.")
    _due(walk_to(ConnectionFactory(customer=late), "slot_offered", walker), TODAY - datetime.timedelta(days=1))
    ConnectionFactory(customer=late, flow=_flow("CID"))  # planned: nothing to do yet
    waiting = CustomerFactory(hub=hub.customer, legal_name="Alfa Waiting B.V.")
    _due(walk_to(ConnectionFactory(customer=waiting), "testing", walker), datetime.date(2020, 5, 22))
    quiet = CustomerFactory(hub=hub.customer, legal_name="Bravo Booked B.V.")
    ConnectionFactory(customer=quiet, flow=_flow("CID"))
    CustomerFactory(hub=hub.customer, legal_name="Charlie Empty B.V.")
    _other_hub, stranger = hub_with_client(legal_name="Echo Other Hub B.V.")
    _due(walk_to(ConnectionFactory(customer=stranger), "invited", walker), TODAY - datetime.timedelta(days=3))
    return hub


def _names(client, **query):
    response = client.get(reverse("portal:clients"), query)
    assert response.status_code == 200
    return [customer.legal_name for customer in response.context["page"].object_list]


def test_needs_my_action_shows_the_clients_with_a_step_waiting_on_them_soonest_due_first(client, hub_world):
    client.force_login(hub_world.user)

    assert _names(client) == ["Alfa Waiting B.V.", "Bravo Booked B.V.", "Charlie Empty B.V.", "Delta Late B.V."]
    assert _names(client, action="1") == ["Delta Late B.V.", "Alfa Waiting B.V."]
    assert _names(client, action="on") == ["Delta Late B.V.", "Alfa Waiting B.V."]  # the checkbox's own value


def test_overdue_shows_the_clients_with_a_step_past_its_due_date(client, hub_world):
    client.force_login(hub_world.user)

    assert _names(client, overdue="1") == ["Delta Late B.V."]
    assert _names(client, overdue="1", action="1") == ["Delta Late B.V."]
    assert _names(client, overdue="1", q="alfa") == []
    assert _names(client, overdue="") == _names(client)


def test_the_list_shows_each_flows_due_date_and_whether_it_waits_on_the_client_in_both_languages(client, hub_world):
    # given
    client.force_login(hub_world.user)

    # when
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("portal:clients")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    dutch = client.get(reverse("portal:clients")).content.decode()

    # then: the due dates (the late one marked overdue, the other as the client's action), and the filters
    assert '<time datetime="2020-05-14">14 May 2020</time>' in english
    assert '<time datetime="2020-05-22">22 May 2020</time>' in english
    assert '<span class="badge badge--overdue">overdue</span>' in english
    assert '<span class="badge badge--action">your action</span>' in english
    assert '<label for="id_action">Needs my action</label>' in english
    assert '<label for="id_overdue">Overdue</label>' in english
    assert '<time datetime="2020-05-14">14 mei 2020</time>' in dutch
    assert '<span class="badge badge--overdue">over tijd</span>' in dutch
    assert '<label for="id_action">Wacht op mijn actie</label>' in dutch
    assert "Echo Other Hub B.V." not in english + dutch
    # a card per client (no table that hides columns on a phone)
    assert "<table" not in english
    assert english.count('<li class="card client">') == 4


def test_the_list_takes_a_fixed_number_of_queries_whatever_the_filter(client, hub_world, django_assert_num_queries):
    # given
    client.force_login(hub_world.user)
    client.get(reverse("portal:clients"))  # warm the session

    # when / then: session, user, contact with its company, count, clients, their connections
    for query in ({}, {"action": "1"}, {"overdue": "1", "q": "delta"}):
        with django_assert_num_queries(6):
            response = client.get(reverse("portal:clients"), query)
        assert response.status_code == 200


def test_the_filters_stay_on_when_paging(client, hub_world):
    # given: 30 waiting clients
    walker = UserFactory(is_superuser=True)
    for number in range(30):
        customer = CustomerFactory(hub=hub_world.customer, legal_name=f"Client {number:02} B.V.")
        walk_to(ConnectionFactory(customer=customer), "invited", walker)
    client.force_login(hub_world.user)

    # when
    first = client.get(reverse("portal:clients"), {"action": "1"})
    second = client.get(reverse("portal:clients"), {"action": "1", "page": "2"})

    # then
    assert first.context["page"].paginator.count == 32
    assert 'href="?action=1&amp;page=2"' in first.content.decode()
    assert len(second.context["page"].object_list) == 7
    assert 'href="?action=1&amp;page=1"' in second.content.decode()


def test_a_refused_search_keeps_the_other_filters_and_is_a_400(client, hub_world):
    client.force_login(hub_world.user)

    response = client.get(reverse("portal:clients"), {"q": "a\x00b", "overdue": "1"})

    assert response.status_code == 400
    assert [customer.legal_name for customer in response.context["page"].object_list] == ["Delta Late B.V."]

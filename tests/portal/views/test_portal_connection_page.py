"""The connection page (and the status and start pages) state the truth (issue 14 item 4): the next step after a
confirmation, a session that is still to come, flash messages that read as sentences, the deadline and the plateau."""

import datetime

import pytest
from django.urls import reverse

from connections.services.transitions import connection_transition
from tests.connections.factories import AMSTERDAM, ConnectionFactory, SlotFactory, UserFactory, reserve_slot, walk_to
from tests.connections.portal_factories import company_contact

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2020, 5, 15)


@pytest.fixture(autouse=True)
def pinned_clock(settings):
    settings.HTG_CLOCK_DATE = FRIDAY


@pytest.fixture
def walker():
    return UserFactory(is_superuser=True)


def _signed_in(client, contact):
    client.force_login(contact.user)
    return client


def test_after_test_messages_sent_the_next_step_is_the_teams_on_the_connection_and_status_pages(client, walker):
    # given: a connection in testing, due on its date
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "testing", walker)
    _signed_in(client, contact)
    page_url = reverse("portal:connection", args=[connection.pk])
    before = client.get(page_url).content.decode()
    assert "Send test messages in the Business Test Environment" in before
    assert connection.due_on.strftime("%Y-%m-%d") in before

    # when
    client.post(reverse("portal:connection_confirm", args=[connection.pk]), {"kind": "confirm_test_messages_sent"})

    # then: nothing more is asked of the company, and no due date hangs over it
    after = client.get(page_url)
    status = client.get(reverse("portal:status")).content.decode()
    expected = "Nothing for now: the connection team checks your test messages and tells you the result."
    assert after.context["next_step"] == expected
    assert "Send test messages in the Business Test Environment" not in after.content.decode()
    assert connection.due_on.strftime("%Y-%m-%d") not in after.content.decode()
    assert expected in status and "Send test messages in the Business Test Environment" not in status
    assert "No date: nothing is due from you now" in status


def test_after_ready_for_production_the_next_step_is_the_go_live(client, walker):
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "test_passed", walker)
    _signed_in(client, contact)

    client.post(reverse("portal:connection_confirm", args=[connection.pk]), {"kind": "confirm_ready_for_production"})
    page = client.get(reverse("portal:connection", args=[connection.pk]))

    assert page.context["next_step"] == (
        "Nothing for now: the connection team switches your connection to production on HTG and tells you when."
    )


def _booked_for_20_may(contact, walker):
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    starts_at = datetime.datetime(2020, 5, 20, 10, tzinfo=AMSTERDAM)
    reserve_slot(connection, SlotFactory(starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1)))
    connection_transition(connection_id=connection.pk, transition="book_slot", actor=walker)
    # The team sends the technical data ahead of the session.
    return connection_transition(connection_id=connection.pk, transition="send_technical_data", actor=walker)


def test_a_session_booked_for_20_may_is_not_shown_as_held_on_15_may(client, walker):
    # given
    contact = company_contact()
    connection = _booked_for_20_may(contact, walker)
    _signed_in(client, contact)

    # when
    html = client.get(reverse("portal:connection", args=[connection.pk])).content.decode()

    # then
    assert "has taken place" not in html and "took place" not in html
    assert "Your session with the connection team is on" in html
    assert "Wednesday 20 May 2020, 10:00–11:00" in html


def test_the_session_is_shown_as_held_once_its_time_has_passed(client, walker, settings):
    contact = company_contact()
    connection = _booked_for_20_may(contact, walker)
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 21)
    _signed_in(client, contact)

    html = client.get(reverse("portal:connection", args=[connection.pk])).content.decode()

    assert "Your session with the connection team took place on" in html
    assert "Wednesday 20 May 2020" in html


def test_the_deadline_and_the_plateau_are_on_the_start_page(client, programme_flows):
    html = client.get(reverse("portal:start")).content.decode()

    assert "Every connection must be live on HTG by" in html and "30 June 2020" in html
    assert "Plateau 1: Customs messages (AGS, CID, EMCS, NCTS): started on 3 February 2020" in html
    assert "Plateau 3: NVWA" in html


def test_the_deadline_and_the_companys_plateau_are_on_the_status_and_connection_pages(
    client, walker, programme_flows, django_assert_num_queries
):
    # given: a company with a flow in plateau 2 only
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer, flow=programme_flows["SW"]), "invited", walker)
    _signed_in(client, contact)
    client.get(reverse("portal:status"))  # the session and the contact's account are warm

    # when: the status page in its pinned number of queries (session, user, contact, customer, connections)
    with django_assert_num_queries(5):
        status = client.get(reverse("portal:status")).content.decode()
    page = client.get(reverse("portal:connection", args=[connection.pk])).content.decode()

    # then: the deadline and plateau 2 (the company's), not plateau 1
    for html in (status, page):
        assert "Every connection must be live on HTG by" in html and "30 June 2020" in html
        assert "Your plateau" in html
        assert "Plateau 2: Single Window for Maritime and Air: started on 2 March 2020" in html
        assert "Plateau 1" not in html


def test_the_deadline_is_on_the_status_page_of_a_company_without_connections(client):
    contact = company_contact()
    _signed_in(client, contact)

    html = client.get(reverse("portal:status")).content.decode()

    assert "Every connection must be live on HTG by" in html and "30 June 2020" in html

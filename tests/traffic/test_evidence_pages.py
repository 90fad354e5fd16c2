"""Where the evidence shows: the connection page (a proposed step is one click through the transition service), the
helpdesk card and the portal's status (in the company's language: what to change)."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from connections.models import ConnectionEvent, ConnectionState
from connections.services.staff import staff_groups_sync
from helpdesk.selectors import customer_overview
from portal.selectors.intake import portal_status
from tests.connections.factories import ConnectionFactory, CustomerFactory, team_member, walk_to
from tests.traffic.evidence_helpers import apply_day, sender

pytestmark = pytest.mark.django_db
S = ConnectionState
DAY = datetime.date(2020, 4, 23)


@pytest.fixture
def pinned(settings):
    settings.HTG_CLOCK_DATE = DAY
    settings.LANGUAGE_CODE = "en"


def _connection(state, programme_flows):
    customer = CustomerFactory(htg_number="HTG-000001")
    return walk_to(ConnectionFactory(customer=customer, flow=programme_flows["AGS"]), state, team_member())


@override_settings(HTG_TRAFFIC_AUTO_LIVE=False)
def test_the_connection_page_proposes_go_live_and_one_click_records_it(client, pinned, programme_flows):
    # given a connection whose test passed and whose first production message came via HTG
    connection = _connection(S.TEST_PASSED, programme_flows)
    htg = sender(gateway="htg", identity="HTG-000001", customer=connection.customer)
    apply_day("htg", DAY - datetime.timedelta(days=1), [(htg, connection.flow, "production", 40)])
    staff_groups_sync()
    member = team_member()
    client.force_login(member)
    url = reverse("connections:connection_detail", args=[connection.pk])
    # when the team opens its page
    page = client.get(url).content.decode()
    # then it says so and proposes "Go live" as one button
    assert 'data-notice="propose_live"' in page
    assert "First production message via HTG on 22 April 2020. Proposed: go live." in page
    assert 'name="transition" value="go_live"' in page.split('data-notice="propose_live"')[1].split("</li>")[0]
    # when the button is pressed (the form posts the step, the state seen and the evidence as the note)
    response = client.post(
        reverse("connections:connection_transition", args=[connection.pk]),
        {
            "transition": "go_live",
            "expected_state": S.TEST_PASSED,
            "note": "First production message via HTG on 22 April 2020. Proposed: go live.",
        },
    )
    # then it is live, recorded as done by this member with the evidence
    assert response.status_code == 302
    event = ConnectionEvent.objects.get(connection=connection, to_state=S.LIVE)
    assert event.actor == member and "22 April 2020" in event.note


def test_the_helpdesk_card_and_the_portal_say_still_on_digipoort(pinned, programme_flows):
    # given a live connection whose production messages still came via Digipoort the day after
    connection = _connection(S.LIVE, programme_flows)
    digipoort = sender(gateway="digipoort", identity=connection.customer.eori, customer=connection.customer)
    apply_day("digipoort", DAY + datetime.timedelta(days=1), [(digipoort, connection.flow, "production", 17)])
    with override_settings(HTG_CLOCK_DATE=DAY + datetime.timedelta(days=2)):
        # then the helpdesk card says so, for the team
        summary = customer_overview(customer_id=connection.customer_id, today=DAY + datetime.timedelta(days=2))[
            "summaries"
        ][0]
        assert summary.traffic_alert == (
            "Still sending via Digipoort: 17 production messages after going live, the last on 24 April 2020."
        )
        # and the portal tells the company what to change, in its language
        with translation.override("nl"):
            row = portal_status(customer_id=connection.customer_id).rows[0]
    assert row.traffic_alert.startswith("17 van uw AGS-productieberichten") or row.traffic_alert.startswith(
        "17 of your"
    )
    assert "HTG" in row.traffic_alert


def test_a_connection_without_traffic_shows_no_alert_anywhere(pinned, programme_flows):
    connection = _connection(S.LIVE, programme_flows)
    assert customer_overview(customer_id=connection.customer_id, today=DAY)["summaries"][0].traffic_alert == ""
    assert portal_status(customer_id=connection.customer_id).rows[0].traffic_alert == ""

"""The traffic's evidence on a connection at its edges: what is seen first, the step it suggests, auto-live on and
off (the system's step in the timeline, once), "still via Digipoort" after the live day, and "Digipoort closed" after
N business days (weekends and Dutch holidays skipped), for a flow the company never used on Digipoort too."""

import datetime

import pytest
from django.test import override_settings

from connections.models import ConnectionEvent, ConnectionState, TrafficEvidence
from connections.selectors.traffic import company_traffic_alert, traffic_notices
from connections.services.traffic import traffic_evidence_go_live
from tests.connections.factories import ConnectionFactory, CustomerFactory, team_member, walk_to
from tests.traffic.evidence_helpers import apply_day, sender
from traffic.services.evidence import evidence_refresh

pytestmark = pytest.mark.django_db
S = ConnectionState
LIVE_DAY = datetime.date(2020, 4, 23)  # a Thursday: King's Day (27 April) and Liberation Day (5 May) follow


def _connection(state: str, *, flow_code: str = "AGS", on: datetime.date = LIVE_DAY, customer=None):
    customer = customer or CustomerFactory(htg_number="HTG-000001")
    connection = ConnectionFactory(customer=customer, flow=_flow(flow_code))
    with override_settings(HTG_CLOCK_DATE=on):
        return walk_to(connection, state, team_member())


def _flow(code: str):
    from plateaus.models import MessageFlow

    return MessageFlow.objects.get(code=code)


def _reload(connection):
    return type(connection).objects.select_related("traffic_evidence", "flow").get(pk=connection.pk)


def _kinds(connection, today: datetime.date) -> list[tuple[str, str]]:
    return [(notice.kind, notice.step) for notice in traffic_notices(connection=_reload(connection), today=today)]


def test_no_traffic_means_no_notice():
    # given a connection in testing without any traffic
    connection = _connection(S.TESTING)
    # then the page says nothing about traffic
    assert _kinds(connection, LIVE_DAY) == []


def test_the_first_htg_test_message_suggests_the_next_step():
    # given a connection whose technical data went out
    connection = _connection(S.TECHNICAL_DATA_SENT)
    htg = sender(gateway="htg", identity="HTG-000001", customer=connection.customer)
    # when its first test message arrives via HTG
    apply_day("htg", datetime.date(2020, 4, 20), [(htg, connection.flow, "test", 3)])
    # then the page says so and suggests "start testing"
    assert _kinds(connection, LIVE_DAY) == [("htg_test", "start_testing")]
    evidence = TrafficEvidence.objects.get(connection=connection)
    assert evidence.first_htg_test_on == datetime.date(2020, 4, 20)
    assert evidence.first_htg_production_on is None


def test_test_messages_while_testing_suggest_passing_the_test():
    connection = _connection(S.TESTING)
    htg = sender(gateway="htg", identity="HTG-000001", customer=connection.customer)
    apply_day("htg", datetime.date(2020, 4, 20), [(htg, connection.flow, "test", 3)])
    assert _kinds(connection, LIVE_DAY) == [("htg_test", "pass_test")]


@override_settings(HTG_TRAFFIC_AUTO_LIVE=False)
def test_the_first_production_message_proposes_live_when_auto_live_is_off():
    # given a connection whose test passed
    connection = _connection(S.TEST_PASSED)
    htg = sender(gateway="htg", identity="HTG-000001", customer=connection.customer)
    events = ConnectionEvent.objects.filter(connection=connection).count()
    # when its first production message arrives via HTG
    apply_day("htg", datetime.date(2020, 4, 22), [(htg, connection.flow, "production", 40)])
    # then "go live" is proposed, and nothing moved by itself
    assert ("propose_live", "go_live") in _kinds(connection, LIVE_DAY)
    assert _reload(connection).state == S.TEST_PASSED
    assert ConnectionEvent.objects.filter(connection=connection).count() == events


@override_settings(HTG_TRAFFIC_AUTO_LIVE=True)
def test_auto_live_moves_the_connection_once_recorded_as_the_system_with_the_evidence():
    connection = _connection(S.TEST_PASSED)
    htg = sender(gateway="htg", identity="HTG-000001", customer=connection.customer)
    # when production messages arrive on two days (two applied files)
    with override_settings(HTG_CLOCK_DATE=LIVE_DAY):
        apply_day("htg", datetime.date(2020, 4, 22), [(htg, connection.flow, "production", 40)])
        apply_day("htg", datetime.date(2020, 4, 23), [(htg, connection.flow, "production", 41)])
    # then it went live once, by the system, with the evidence in the note
    assert _reload(connection).state == S.LIVE
    events = list(ConnectionEvent.objects.filter(connection=connection, to_state=S.LIVE))
    assert len(events) == 1
    assert events[0].actor is None
    assert events[0].transition == "go_live"
    assert "22" in events[0].note and "HTG" in events[0].note
    assert traffic_evidence_go_live(customer_ids=None) == []  # nothing left to move


@override_settings(HTG_TRAFFIC_AUTO_LIVE=True)
def test_auto_live_leaves_a_connection_that_has_not_passed_its_test():
    connection = _connection(S.TESTING)
    htg = sender(gateway="htg", identity="HTG-000001", customer=connection.customer)
    apply_day("htg", datetime.date(2020, 4, 22), [(htg, connection.flow, "production", 40)])
    assert _reload(connection).state == S.TESTING
    assert ("htg_production", "pass_test") in _kinds(connection, LIVE_DAY)


def test_digipoort_on_the_live_day_is_no_alert_the_day_after_is():
    # given a connection live since LIVE_DAY
    connection = _connection(S.LIVE)
    digipoort = sender(gateway="digipoort", identity=connection.customer.eori, customer=connection.customer)
    # when Digipoort production traffic is seen on the live day itself
    apply_day("digipoort", LIVE_DAY, [(digipoort, connection.flow, "production", 30)])
    # then there is no alert (the switch happens during that day)
    assert "still_on_digipoort" not in [kind for kind, _step in _kinds(connection, LIVE_DAY)]
    # when it is seen again on the next day (and test traffic on Digipoort does not count)
    day_after = LIVE_DAY + datetime.timedelta(days=1)
    apply_day(
        "digipoort",
        day_after,
        [(digipoort, connection.flow, "production", 12), (digipoort, connection.flow, "test", 5)],
    )
    # then the alert gives the volume after going live and the last day seen
    notices = traffic_notices(connection=_reload(connection), today=day_after)
    assert notices[0].kind == "still_on_digipoort" and notices[0].is_alert
    assert "12 production messages" in notices[0].text and "24 April 2020" in notices[0].text
    assert "12 of your AGS production messages" in company_traffic_alert(
        connection=_reload(connection), today=day_after
    )
    assert "propose_closed" not in [notice.kind for notice in notices]


def test_a_replacement_file_without_the_messages_takes_the_alert_away():
    connection = _connection(S.LIVE)
    digipoort = sender(gateway="digipoort", identity=connection.customer.eori, customer=connection.customer)
    day_after = LIVE_DAY + datetime.timedelta(days=1)
    apply_day("digipoort", day_after, [(digipoort, connection.flow, "production", 12)])
    # when the day's file is replaced by one without this company
    other = sender(gateway="digipoort", identity="NL999999999")
    apply_day("digipoort", day_after, [(other, connection.flow, "production", 7)])
    # then its evidence is gone with the counts, and there is no alert
    assert not TrafficEvidence.objects.filter(customer=connection.customer).exists()
    assert _kinds(connection, day_after) == []


@pytest.mark.parametrize(
    ("today", "proposed"),
    [
        (datetime.date(2020, 5, 8), False),  # 10 weekdays since, but King's Day and Liberation Day are holidays
        (datetime.date(2020, 5, 11), False),  # through Sunday 10 May: 9 business days
        (datetime.date(2020, 5, 12), True),  # through Monday 11 May: 10 business days
    ],
)
def test_digipoort_closed_is_proposed_after_n_business_days_without_digipoort(today, proposed):
    # given a live connection that used Digipoort until the day it went live, and HTG since
    connection = _connection(S.LIVE)
    digipoort = sender(gateway="digipoort", identity=connection.customer.eori, customer=connection.customer)
    htg = sender(gateway="htg", identity="HTG-000001", customer=connection.customer)
    apply_day("digipoort", LIVE_DAY, [(digipoort, connection.flow, "production", 30)])
    apply_day("htg", LIVE_DAY, [(htg, connection.flow, "production", 30)])
    # then "Digipoort closed" is proposed from the 10th business day without Digipoort traffic
    with override_settings(HTG_TRAFFIC_CLOSED_AFTER_DAYS=10):
        kinds = _kinds(connection, today)
    assert (("propose_closed", "close_digipoort") in kinds) is proposed


def test_a_flow_the_company_never_used_on_digipoort_counts_from_the_live_day():
    # given a live NCTS connection with HTG traffic only, and the company's AGS traffic on Digipoort
    customer = CustomerFactory(htg_number="HTG-000001")
    ncts = _connection(S.LIVE, flow_code="NCTS", customer=customer)
    htg = sender(gateway="htg", identity="HTG-000001", customer=customer)
    digipoort = sender(gateway="digipoort", identity=customer.eori, customer=customer)
    apply_day("htg", LIVE_DAY, [(htg, ncts.flow, "production", 9)])
    apply_day("digipoort", datetime.date(2020, 5, 11), [(digipoort, _flow("AGS"), "production", 50)])
    # then NCTS is proposed closed (its own flow had no Digipoort traffic), and AGS traffic stays with AGS
    assert ("propose_closed", "close_digipoort") in _kinds(ncts, datetime.date(2020, 5, 12))
    ags = TrafficEvidence.objects.get(customer=customer, flow__code="AGS")
    assert ags.connection is None  # no AGS connection: listed on the dashboard as "no connection"
    assert ags.digipoort_production_messages == 50


def test_an_unknown_sender_makes_no_evidence_and_a_rebuild_gives_the_same_rows():
    connection = _connection(S.LIVE)
    unknown = sender(gateway="digipoort", identity="00000001234567890000", scheme="oin")
    known = sender(gateway="digipoort", identity=connection.customer.eori, customer=connection.customer)
    day_after = LIVE_DAY + datetime.timedelta(days=1)
    apply_day(
        "digipoort", day_after, [(unknown, connection.flow, "production", 5), (known, connection.flow, "production", 6)]
    )
    before = list(TrafficEvidence.objects.values_list("customer_id", "flow_id", "digipoort_since_live"))
    evidence_refresh(customer_ids=None)
    assert list(TrafficEvidence.objects.values_list("customer_id", "flow_id", "digipoort_since_live")) == before
    assert before == [(connection.customer_id, connection.flow_id, 6)]


def test_the_alert_ends_after_n_quiet_business_days_and_closing_is_proposed_instead():
    # given a live connection that sent production via Digipoort on the day after going live (Friday 24 April)
    connection = _connection(S.LIVE)
    digipoort = sender(gateway="digipoort", identity=connection.customer.eori, customer=connection.customer)
    apply_day("digipoort", datetime.date(2020, 4, 24), [(digipoort, connection.flow, "production", 4)])
    # then the alert stands through 9 quiet business days (to Monday 11 May, holidays skipped) ...
    with override_settings(HTG_TRAFFIC_CLOSED_AFTER_DAYS=10):
        assert [kind for kind, _step in _kinds(connection, datetime.date(2020, 5, 12))] == ["still_on_digipoort"]
        # ... and from the 10th, closing is proposed instead
        assert _kinds(connection, datetime.date(2020, 5, 13)) == [("propose_closed", "close_digipoort")]

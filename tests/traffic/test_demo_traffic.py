"""The demo's traffic (traffic.services.demo): as each company's timeline allows, and with the rollup and the evidence
consistent with the counts, as an apply would leave them."""

import datetime

import pytest
from django.db import connection as database

from connections.models import Connection, ConnectionEvent, TrafficEvidence
from connections.services.demo import demo_seed
from htg_migration.errors import ApplicationError
from traffic.models import TrafficCount, TrafficDaily, TrafficFile, TrafficSender
from traffic.services.demo import DemoTrafficExists, traffic_demo_seed
from traffic.services.evidence import evidence_refresh

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2020, 5, 15)


@pytest.fixture
def demo(settings):
    settings.HTG_CLOCK_DATE = AS_OF
    demo_seed(customers=40, seed=3, as_of=AS_OF)
    return traffic_demo_seed(as_of=AS_OF, days=60)


def _rows(sql: str) -> list[tuple]:
    with database.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def test_the_rollup_is_the_counts_summed(demo):
    recount = _rows(
        "SELECT day, gateway, environment, flow_id, sum(messages), count(DISTINCT sender_id) FROM traffic_trafficcount "
        "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
    )
    rollup = list(
        TrafficDaily.objects.order_by("day", "gateway", "environment", "flow_id").values_list(
            "day", "gateway", "environment", "flow_id", "messages", "senders"
        )
    )
    assert rollup == recount and len(rollup) > 0
    assert demo.counts == TrafficCount.objects.count()
    assert demo.first_day == AS_OF - datetime.timedelta(days=60) and demo.last_day == AS_OF - datetime.timedelta(days=1)


def test_the_traffic_follows_each_timeline(demo):
    # no HTG production before live, unless the test passed (then "go live" is proposed); nothing via Digipoort
    # after "Digipoort closed"
    wrong = _rows(
        """
        SELECT count.id FROM traffic_trafficcount count
        JOIN connections_connection connection ON connection.customer_id = count.customer_id
            AND connection.flow_id = count.flow_id
        WHERE (count.gateway = 'htg' AND count.environment = 'production' AND NOT EXISTS (
                SELECT 1 FROM connections_connectionevent event WHERE event.connection_id = connection.id
                AND event.to_state IN ('test_passed', 'live')
                AND (event.created_at AT TIME ZONE 'Europe/Amsterdam')::date <= count.day))
           OR (count.gateway = 'digipoort' AND EXISTS (
                SELECT 1 FROM connections_connectionevent event WHERE event.connection_id = connection.id
                AND event.to_state = 'digipoort_closed'
                AND (event.created_at AT TIME ZONE 'Europe/Amsterdam')::date <= count.day))
        """
    )
    assert wrong == []
    assert TrafficSender.objects.filter(customer__isnull=True).count() >= 3  # unknown senders
    assert TrafficFile.objects.filter(status="applied").count() == demo.files


def test_the_evidence_is_what_a_full_rebuild_gives(demo):
    fields = ("customer_id", "flow_id", "connection_id", "first_htg_production_on", "last_digipoort_production_on",
              "digipoort_since_live")  # fmt: skip
    before = sorted(TrafficEvidence.objects.values_list(*fields))
    evidence_refresh(customer_ids=list(Connection.objects.values_list("customer_id", flat=True).distinct()))
    assert sorted(TrafficEvidence.objects.values_list(*fields)) == before
    assert any(row[2] is None for row in before)  # a company sending a flow it has no connection for
    live = ConnectionEvent.objects.filter(to_state="live").values("connection_id")
    assert TrafficEvidence.objects.filter(connection__in=live, first_htg_production_on__isnull=False).exists()


def test_a_second_run_is_refused_and_a_reset_replaces(demo):
    with pytest.raises(DemoTrafficExists):
        traffic_demo_seed(as_of=AS_OF, days=60)
    again = traffic_demo_seed(as_of=AS_OF, days=60, reset=True)
    assert again.counts == demo.counts
    with pytest.raises(ApplicationError):
        traffic_demo_seed(as_of=AS_OF, days=0, reset=True)

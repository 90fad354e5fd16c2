"""Today's risk list read through indexes and the daily snapshot (reporting.selectors.risks) gives exactly the rows,
order and number at risk of the query that scores every pending connection (risk_query), whatever the list's length,
with open escalations, bounced addresses, hubs with many clients and blocked flows among them."""

import datetime

import pytest
from django.utils import timezone

from connections.models import Connection, Contact, Customer, Escalation
from connections.services.demo import demo_seed
from notifications.models import SuppressedAddress
from plateaus.models import GovernmentParty, MessageFlow
from reporting.selectors.queries import dashboard_reference, risk_query
from reporting.selectors.risks import risk_query_today
from reporting.services.snapshots import daily_snapshot_today_check

pytestmark = [pytest.mark.postgres]

TODAY = datetime.date(2020, 5, 15)


@pytest.fixture
def seeded(settings):
    settings.HTG_CLOCK_DATE = TODAY
    demo_seed(customers=150, seed=5, as_of=TODAY)
    daily_snapshot_today_check(today=TODAY)


def _both(*, today=TODAY):
    reference = dashboard_reference(as_of=today, today=today)
    return risk_query(reference).rows(), risk_query_today(reference, today=today).rows()


@pytest.mark.django_db
@pytest.mark.parametrize("shown", [1, 7, 25, 100_000])
@pytest.mark.parametrize("many_clients", [2, 10])
def test_today_s_risk_list_equals_the_scoring_of_every_pending_connection(seeded, settings, shown, many_clients):
    # given: an open escalation, a bounced contact, hubs with more or fewer clients, a list of any length
    settings.HTG_DASHBOARD_RISKS_SHOWN, settings.HTG_HUB_MANY_CLIENTS = shown, many_clients
    late = Connection.objects.filter(state="testing").order_by("-state_changed_at", "pk").first()
    Escalation.objects.create(connection=late, waiting_state="testing", reason="no answer", opened_at=timezone.now())
    contact = Contact.objects.filter(customer__connections__state="slot_booked").order_by("pk").first()
    SuppressedAddress.objects.create(address=contact.email.lower(), reason=SuppressedAddress.Reason.HARD_BOUNCE)
    assert Customer.objects.filter(hub__isnull=False).exists()
    # when
    scored, read = _both()
    # then: the same rows in the same order, each with the same flags, score and number at risk
    assert read == scored
    assert len(scored) == min(shown, scored[0][16])
    if shown == 100_000:  # the whole list: every kind of reason is in it
        assert {row[0] for row in scored if row[11]} == {late.pk}
        assert any(row[12] for row in scored) and any(row[14] >= many_clients for row in scored)
        assert any(row[10] for row in scored) and any(row[8] for row in scored)


@pytest.mark.django_db
def test_a_blocked_flow_and_a_change_today_keep_both_lists_equal(seeded, settings):
    # given: a government party not yet connected blocks its flows, and a step taken today
    from connections.services.transitions import connection_transition

    settings.HTG_DASHBOARD_RISKS_SHOWN = 100_000
    party = GovernmentParty.objects.filter(flows__isnull=False).order_by("pk").first()
    party.htg_status = GovernmentParty.HtgStatus.CONNECTING
    party.save(update_fields=["htg_status"])
    blocked = set(MessageFlow.objects.filter(parties=party).values_list("pk", flat=True))
    moved = Connection.objects.filter(state="invited").order_by("pk").first()
    connection_transition(connection_id=moved.pk, transition="hold", actor=None)
    # when
    scored, read = _both()
    # then
    assert read == scored
    assert any(row[13] for row in scored)
    assert {row[0] for row in scored if row[13]} <= set(
        Connection.objects.filter(flow__in=blocked).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_with_no_pending_connection_both_lists_are_empty(settings):
    # given: nothing in the register, today's snapshot open
    settings.HTG_CLOCK_DATE = TODAY
    daily_snapshot_today_check(today=TODAY)
    # when / then
    assert _both() == ([], [])

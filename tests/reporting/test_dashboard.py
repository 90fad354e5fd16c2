"""The programme dashboard's reads on PostgreSQL: figures equal the data, time travel equals the timeline's replay,
and the number of queries does not grow with the data."""

import datetime
from collections import Counter, defaultdict

import pytest
from django.utils import timezone

from connections.models import Connection, ConnectionEvent, Customer, Escalation, Slot, TeamAvailability
from connections.selectors.connections import timeline_replay
from connections.services.demo import demo_seed
from connections.services.staff import staff_groups_sync
from notifications.models import SuppressedAddress
from plateaus.models import GovernmentParty, MessageFlow
from reporting.selectors import WhatIf, dashboard_build
from tests.connections.factories import (
    AMSTERDAM,
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    team_member,
    walk_to,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SEED_DAY = datetime.date(2020, 5, 15)
# The dashboard's reads: plateaus, flows with parties, the daily snapshot's day, funnel, companies, burn-up, risks,
# free slots, team members; today also the live connections still on Digipoort (the traffic evidence, as it is now).
DASHBOARD_QUERIES = 10
PAST_DAY_QUERIES = 9
LIVE = {"live", "digipoort_closed"}


def _day_end(day):
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), AMSTERDAM)


def _replayed_counts(day):
    """Per flow code and state: every connection's state at the end of `day`, replayed from its timeline in Python."""
    end = _day_end(day)
    timelines = defaultdict(list)
    for event in ConnectionEvent.objects.order_by("created_at", "id"):
        timelines[event.connection_id].append(event)
    counts = Counter()
    for connection_id, flow_code, created_at in Connection.objects.values_list("id", "flow__code", "created_at"):
        if created_at >= end:
            continue
        state = timeline_replay(timelines[connection_id], as_of=end - datetime.timedelta(microseconds=1))
        counts[(flow_code, state)] += 1
    return counts


def _dashboard_counts(dashboard):
    return Counter(
        {(flow.code, state): count for flow in dashboard.flows for state, count in flow.counts.items() if count}
    )


@pytest.fixture
def seeded():
    return demo_seed(customers=80, seed=11, as_of=SEED_DAY)


def test_today_the_figures_are_the_connections_states(seeded, django_assert_num_queries):
    # when
    with django_assert_num_queries(DASHBOARD_QUERIES):
        dashboard = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)
    # then: per flow and state exactly what the connections say
    expected = Counter(Connection.objects.values_list("flow__code", "state"))
    assert _dashboard_counts(dashboard) == expected
    in_use = Connection.objects.exclude(state="withdrawn")
    assert dashboard.total == in_use.count() == seeded.connections - seeded.connections_by_state.get("withdrawn", 0)
    assert dashboard.live == in_use.filter(state__in=LIVE).count()
    for plateau in dashboard.plateaus:
        assert plateau.live == in_use.filter(flow__plateau__number=plateau.number, state__in=LIVE).count()
        # the burn-up ends at the number live: one go-live event per connection that went live
        assert plateau.series[-1].live == plateau.live
    assert dashboard.working_days_left == 30
    assert [plateau.number for plateau in dashboard.plateaus] == [1, 2, 3]


def test_companies_able_count_their_own_and_their_hubs_live_connections(seeded):
    # given: worked out in Python from the rows
    states = defaultdict(dict)
    for customer_id, flow_id, state in Connection.objects.values_list("customer_id", "flow_id", "state"):
        states[customer_id][flow_id] = state
    hubs = dict(Customer.objects.values_list("id", "hub_id"))
    able = not_able = 0
    for customer_id, flows in states.items():
        used = {flow: state for flow, state in flows.items() if state != "withdrawn"}
        if not used:
            continue
        hub_states = states.get(hubs[customer_id], {})
        if all(state in LIVE or hub_states.get(flow) in LIVE for flow, state in used.items()):
            able += 1
        else:
            not_able += 1
    # when
    dashboard = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)
    # then
    assert (dashboard.companies_able, dashboard.companies_not_able) == (able, not_able)
    assert dashboard.companies == able + not_able > 0


@pytest.mark.parametrize("day", [datetime.date(2020, 2, 20), datetime.date(2020, 4, 9), datetime.date(2020, 5, 14)])
def test_time_travel_equals_the_replay_of_the_timeline(seeded, day, django_assert_num_queries):
    # when
    with django_assert_num_queries(PAST_DAY_QUERIES):
        dashboard = dashboard_build(as_of=day, today=SEED_DAY)
    # then
    assert not dashboard.is_today
    expected = _replayed_counts(day)
    assert _dashboard_counts(dashboard) == expected
    assert dashboard.live == sum(count for (_flow, state), count in expected.items() if state in LIVE)


def test_today_rebuilt_from_the_timeline_equals_the_states(seeded):
    # given: the seed's timelines and states agree; "today" reads the states, a later "today" reads the timeline
    from_states = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)
    from_timeline = dashboard_build(as_of=SEED_DAY, today=SEED_DAY + datetime.timedelta(days=1))
    # then
    assert _dashboard_counts(from_states) == _dashboard_counts(from_timeline)
    assert (from_states.companies, from_states.companies_not_able) == (
        from_timeline.companies,
        from_timeline.companies_not_able,
    )
    assert from_states.at_risk == from_timeline.at_risk
    assert [risk.connection_id for risk in from_states.risks] == [risk.connection_id for risk in from_timeline.risks]


def test_the_number_of_queries_does_not_grow_with_the_data(django_assert_num_queries):
    # given: a small programme
    demo_seed(customers=10, seed=2, as_of=SEED_DAY)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        small = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)
    with django_assert_num_queries(PAST_DAY_QUERIES):
        dashboard_build(as_of=datetime.date(2020, 4, 1), today=SEED_DAY)
    # when: ten times the data
    demo_seed(customers=100, seed=3, as_of=SEED_DAY, reset=True)
    # then: the same number of queries
    with django_assert_num_queries(DASHBOARD_QUERIES):
        large = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)
    with django_assert_num_queries(PAST_DAY_QUERIES):
        dashboard_build(as_of=datetime.date(2020, 4, 1), today=SEED_DAY)
    assert large.total > 5 * small.total


def test_a_flow_whose_party_is_not_connected_is_blocked_and_counted_apart(settings):
    # given: NVWA connected to HTG on 1 May 2020 (as far as this test says), and two NVWA connections
    nvwa = GovernmentParty.objects.get(code="nvwa")
    nvwa.htg_connected_on = datetime.date(2020, 5, 1)
    nvwa.save(update_fields=["htg_connected_on"])
    flow = MessageFlow.objects.get(code="NVWA")
    ConnectionFactory(flow=flow, created_at=datetime.datetime(2020, 1, 6, 9, tzinfo=AMSTERDAM))
    ConnectionFactory(flow=flow, created_at=datetime.datetime(2020, 1, 6, 9, tzinfo=AMSTERDAM))
    # when: before and after that day
    before = dashboard_build(as_of=datetime.date(2020, 4, 20), today=SEED_DAY)
    after = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)
    # then
    blocked_before = next(item for item in before.flows if item.code == "NVWA")
    assert blocked_before.waiting_parties == ("NVWA",)
    assert before.plateaus[2].blocked_pending == 2
    assert before.blocked_pending == 2
    assert all("Blocked" in " ".join(risk.reasons) for risk in before.risks if risk.flow_code == "NVWA")
    assert {risk.flow_code for risk in before.risks} == {"NVWA"}
    assert not next(item for item in after.flows if item.code == "NVWA").is_blocked
    assert after.blocked_pending == 0
    # when: the party is not connected at all (any day)
    nvwa.htg_status = GovernmentParty.HtgStatus.NOT_CONNECTED
    nvwa.save(update_fields=["htg_status"])
    assert dashboard_build(as_of=SEED_DAY, today=SEED_DAY).blocked_pending == 2


def test_risks_are_ranked_with_their_reasons_in_words(settings):
    # given: the programme clock on the seed's day; four connections in plateau 1
    settings.HTG_CLOCK_DATE = SEED_DAY
    settings.HTG_HUB_MANY_CLIENTS = 3
    walker = UserFactory(is_superuser=True)
    start = datetime.datetime(2020, 4, 1, 10, tzinfo=AMSTERDAM)
    quiet = walk_to(ConnectionFactory(), "invited", walker)  # invited today: nothing wrong yet, but 7 steps left
    escalated = walk_to(ConnectionFactory(), "testing", walker)
    Escalation.objects.create(connection=escalated, waiting_state="testing", reason="no answer", opened_at=start)
    bounced = walk_to(ConnectionFactory(), "test_passed", walker)
    contact = ContactFactory(customer=bounced.customer, email="Nobody@Bounce.example")
    SuppressedAddress.objects.create(address=contact.email.lower(), reason=SuppressedAddress.Reason.HARD_BOUNCE)
    hub = CustomerFactory(role=Customer.Role.HUB)
    hub_connection = walk_to(ConnectionFactory(customer=hub), "test_passed", walker)
    for _number in range(3):
        CustomerFactory(hub=hub)
    ConnectionEvent.objects.filter(connection=quiet).update(created_at=start)
    Connection.objects.filter(pk=quiet.pk).update(state_changed_at=start)  # invited on 1 April: long past due
    # when
    dashboard = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)
    # then: highest risk first (ties: the longest waiting first), each with its reasons
    reasons = {risk.connection_id: risk.reasons for risk in dashboard.risks}
    assert [risk.connection_id for risk in dashboard.risks] == [quiet.pk, escalated.pk, bounced.pk, hub_connection.pk]
    assert [risk.score for risk in dashboard.risks] == [3, 3, 2, 1]
    assert dashboard.at_risk == 4
    assert reasons[quiet.pk] == [
        "7 steps left need about 28 of the 30 working days left: little slack.",
        "The company has not responded: this step is past its due date.",
    ]
    assert reasons[escalated.pk] == ["An escalation to the core team is open."]
    assert reasons[bounced.pk] == ["E-mail to a contact of the company bounced: the address is suppressed."]
    assert reasons[hub_connection.pk] == ["A hub with 3 clients waiting on it."]
    # when: the escalation closes, and a hub needs more clients to count
    Escalation.objects.filter(connection=escalated).update(closed_at=timezone.now(), outcome="customer_acted")
    settings.HTG_HUB_MANY_CLIENTS = 4
    later = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)
    # then
    assert [risk.connection_id for risk in later.risks] == [quiet.pk, bounced.pk]
    assert later.at_risk == 2


def test_capacity_counts_free_slots_before_the_deadline_and_the_what_if(settings):
    # given: two team members; one with three published slots on 18 May, one of them booked
    settings.HTG_CLOCK_DATE = SEED_DAY
    staff_groups_sync()
    member = team_member()
    team_member()
    walker = UserFactory(is_superuser=True)
    availability = TeamAvailability.objects.create(
        team_member=member, date=datetime.date(2020, 5, 18), start_time=datetime.time(9), end_time=datetime.time(12)
    )
    slots = [
        Slot.objects.create(
            team_member=member,
            availability=availability,
            starts_at=datetime.datetime(2020, 5, 18, hour, tzinfo=AMSTERDAM),
            ends_at=datetime.datetime(2020, 5, 18, hour + 1, tzinfo=AMSTERDAM),
        )
        for hour in (9, 10, 11)
    ]
    from connections.services.slots import slot_book

    booked = walk_to(ConnectionFactory(), "slot_offered", walker)
    slot_book(slot_id=slots[0].pk, connection_id=booked.pk, actor=walker)
    for _number in range(4):
        ConnectionFactory()  # planned: each needs a slot
    # when
    dashboard = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)
    # then
    capacity = dashboard.capacity
    assert (capacity.needs_slot, capacity.bookable_slots) == (4, 2)
    # the two members run 12 slots a day: the 4 fit, though only 2 are published
    assert (capacity.members, capacity.members_needed, capacity.shortfall_members, capacity.shortfall_slots) == (
        2,
        1,
        0,
        0,
    )
    # when: one more member (6 slots a day, 30 working days)
    more = dashboard_build(as_of=SEED_DAY, today=SEED_DAY, what_if=WhatIf(added_members=1)).capacity
    assert (more.added_slots, more.shortfall_slots, more.members) == (180, 0, 3)
    # when: plateau 1 starts 29 working days from today: one working day left for its four connections
    moved = dashboard_build(as_of=SEED_DAY, today=SEED_DAY, what_if=WhatIf(plateau_number=1, move_working_days=80))
    assert moved.plateaus[0].start_moved is True
    assert moved.capacity.slots_per_day_needed > dashboard.capacity.slots_per_day_needed


def test_capacity_counts_the_free_places_of_slots_that_take_several_connections(settings):
    # given: a slot for two connections, one of them booked, and a slot for three, none booked
    settings.HTG_CLOCK_DATE = SEED_DAY
    staff_groups_sync()
    member = team_member()
    walker = UserFactory(is_superuser=True)
    availability = TeamAvailability.objects.create(
        team_member=member,
        date=datetime.date(2020, 5, 18),
        start_time=datetime.time(9),
        end_time=datetime.time(11),
        capacity=2,
    )
    slots = [
        Slot.objects.create(
            team_member=member,
            availability=availability,
            starts_at=datetime.datetime(2020, 5, 18, hour, tzinfo=AMSTERDAM),
            ends_at=datetime.datetime(2020, 5, 18, hour + 1, tzinfo=AMSTERDAM),
            capacity=capacity,
        )
        for hour, capacity in ((9, 2), (10, 3))
    ]
    from connections.services.slots import slot_book

    slot_book(slot_id=slots[0].pk, connection_id=walk_to(ConnectionFactory(), "slot_offered", walker).pk, actor=walker)

    # when
    dashboard = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)

    # then: 1 + 3 places can still be booked (counting unbooked slots said 1)
    assert dashboard.capacity.bookable_slots == 4

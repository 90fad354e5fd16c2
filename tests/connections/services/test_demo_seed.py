import datetime
import io
import re
import zoneinfo
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from connections.models import (
    HAPPY_PATH,
    Channel,
    Connection,
    ConnectionEvent,
    ConnectionState,
    Contact,
    Customer,
    HtgNumberAllocation,
)
from connections.selectors.connections import timeline_replay
from connections.services.demo import DEMO_AS_OF, demo_seed
from connections.services.htg_numbers import htg_number_normalise

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
RANK = {state.value: rank for rank, state in enumerate(HAPPY_PATH)}


def _seed(*arguments: str) -> str:
    output = io.StringIO()
    call_command("seed_demo", *arguments, stdout=output)
    return output.getvalue()


def _snapshot() -> list[tuple[str, str, str, str, list[tuple[str, datetime.datetime]]]]:
    events = defaultdict(list)
    for connection_id, transition, created_at in ConnectionEvent.objects.order_by("created_at", "id").values_list(
        "connection_id", "transition", "created_at"
    ):
        events[connection_id].append((transition, created_at))
    return sorted(
        (eori, name, flow, state, events[connection_id])
        for connection_id, eori, name, flow, state in Connection.objects.values_list(
            "id", "customer__eori", "customer__legal_name", "flow__code", "state"
        )
    )


def _timelines() -> dict[int, list[ConnectionEvent]]:
    timelines: dict[int, list[ConnectionEvent]] = defaultdict(list)
    for event in ConnectionEvent.objects.order_by("created_at", "id"):
        timelines[event.connection_id].append(event)
    return timelines


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_programme():
    # given
    _seed("--customers", "60", "--seed", "7")
    first = _snapshot()

    # when
    _seed("--customers", "60", "--seed", "7", "--reset")

    # then
    assert _snapshot() == first
    assert len({row[0] for row in first}) == 60
    assert Customer.objects.count() == 60


@pytest.mark.django_db
def test_another_seed_gives_other_companies():
    # given
    _seed("--customers", "60", "--seed", "7")
    first = set(Customer.objects.values_list("eori", flat=True))

    # when
    _seed("--customers", "60", "--seed", "8", "--reset")

    # then
    assert set(Customer.objects.values_list("eori", flat=True)) != first


@pytest.mark.django_db
def test_every_timeline_replays_to_its_state_with_increasing_dates_inside_the_plateau():
    # given
    _seed("--customers", "60", "--seed", "3")
    end_of_as_of = datetime.datetime.combine(DEMO_AS_OF, datetime.time.max, tzinfo=AMSTERDAM)
    timelines = _timelines()

    # when
    connections = list(Connection.objects.select_related("flow__plateau"))

    # then
    assert connections
    for connection in connections:
        events = timelines[connection.pk]
        assert timeline_replay(events) == connection.state
        moments = [event.created_at for event in events]
        assert moments == sorted(set(moments))
        assert all(moment <= end_of_as_of for moment in moments)
        if events:
            first_day = events[0].created_at.astimezone(AMSTERDAM).date()
            assert first_day >= connection.flow.plateau.actual_start
            assert connection.state_changed_at == events[-1].created_at
            assert connection.created_at < events[0].created_at
        else:
            assert connection.state_changed_at == connection.created_at
        assert all(event.actor_id is None for event in events)


@pytest.mark.django_db
def test_states_are_spread_and_the_side_roads_are_consistent():
    # given
    _seed("--customers", "200", "--seed", "5")
    timelines = _timelines()

    # when
    states = set(Connection.objects.values_list("state", flat=True))

    # then
    assert {ConnectionState.PLANNED, ConnectionState.INVITED, ConnectionState.TESTING, ConnectionState.LIVE} <= states
    assert ConnectionState.ON_HOLD in states
    assert ConnectionState.MISSED not in states  # 15 May 2020 is before the deadline
    for connection in Connection.objects.filter(state=ConnectionState.ON_HOLD):
        assert connection.state_before_hold == timelines[connection.pk][-1].from_state
        assert timelines[connection.pk][-1].transition == "hold"
    assert not Connection.objects.exclude(state=ConnectionState.ON_HOLD).exclude(state_before_hold="").exists()


@pytest.mark.django_db
def test_plateau_one_is_further_along_than_plateau_three():
    # given
    _seed("--customers", "200", "--seed", "5")

    # when
    def average_rank(plateau_number: int) -> float:
        states = Connection.objects.filter(flow__plateau__number=plateau_number).values_list("state", flat=True)
        ranks = [RANK[state] for state in states if state in RANK]
        return sum(ranks) / len(ranks)

    # then
    assert average_rank(1) > average_rank(2) > average_rank(3)


@pytest.mark.django_db
def test_after_the_deadline_open_connections_have_missed_it():
    # given
    as_of = "2020-07-10"

    # when
    _seed("--customers", "60", "--seed", "3", "--as-of", as_of)

    # then
    open_states = [state.value for state in HAPPY_PATH[: HAPPY_PATH.index(ConnectionState.LIVE)]]
    assert not Connection.objects.filter(state__in=[*open_states, ConnectionState.ON_HOLD]).exists()
    missed = ConnectionEvent.objects.filter(transition="mark_missed")
    assert missed.exists()
    assert all(event.created_at.astimezone(AMSTERDAM).date() > datetime.date(2020, 6, 30) for event in missed)
    for connection_id, events in _timelines().items():
        assert timeline_replay(events) == Connection.objects.get(pk=connection_id).state


@pytest.mark.django_db
def test_connections_past_the_intake_have_a_complete_channel():
    # given
    _seed("--customers", "60", "--seed", "3")
    timelines = _timelines()

    # when
    connections = list(Connection.objects.all())

    # then
    for connection in connections:
        reached = max((RANK.get(event.to_state, 0) for event in timelines[connection.pk]), default=0)
        if reached > RANK[ConnectionState.INTAKE_RECEIVED]:
            assert connection.channel
        if connection.channel == Channel.SMTP_MSA_POP3:
            assert connection.tls_version in {"1.2", "1.3"}
            assert connection.vpn_peer_address is None
        elif connection.channel == Channel.SMTP_MTA_IPSEC:
            assert connection.vpn_peer_address.startswith(("192.0.2.", "198.51.100."))
        else:
            assert (connection.tls_version, connection.vpn_peer_address) == ("", None)
    assert {connection.channel for connection in connections} >= {Channel.SMTP_MSA_POP3, Channel.SMTP_MTA_IPSEC}


@pytest.mark.django_db
def test_htg_numbers_exist_exactly_for_customers_past_the_invitation():
    # given
    _seed("--customers", "60", "--seed", "3")

    # when
    past_invitation = set(
        ConnectionEvent.objects.filter(transition="receive_intake").values_list("connection__customer_id", flat=True)
    )
    numbered = dict(Customer.objects.exclude(htg_number=None).values_list("id", "htg_number"))

    # then
    assert past_invitation
    assert set(numbered) == past_invitation
    for number in numbered.values():
        assert htg_number_normalise(number) == number
    ledger = dict(HtgNumberAllocation.objects.values_list("customer_id", "number"))
    assert ledger == numbered


@pytest.mark.django_db
def test_roles_hubs_contacts_and_identifiers_look_like_the_real_programme():
    # given
    _seed("--customers", "60", "--seed", "3")

    # when
    customers = list(Customer.objects.select_related("hub"))

    # then
    assert {customer.role for customer in customers} == set(Customer.Role.values)
    clients = [customer for customer in customers if customer.hub_id]
    assert clients
    assert all(client.hub.role == Customer.Role.HUB and client.role == Customer.Role.DIRECT for client in clients)
    for customer in customers:
        customer.full_clean()  # KvK and EORI formats, lengths
        assert bool(customer.kvk_number) == customer.eori.startswith("NL")
        contacts = list(customer.contacts.all())
        assert 1 <= len(contacts) <= 2
        assert [contact.is_primary for contact in contacts] == [True] + [False] * (len(contacts) - 1)
        assert all(contact.email.endswith(".demo.example") for contact in contacts)
        # written by COPY on PostgreSQL: the database filled in the digits the helpdesk's phone lookup compares
        assert all(contact.phone_digits == re.sub(r"\D", "", contact.phone) for contact in contacts)
    assert Contact.objects.filter(language="nl").exists()
    assert Contact.objects.filter(language="en").exists()


@pytest.mark.django_db
def test_a_second_run_without_reset_is_refused_and_changes_nothing():
    # given
    _seed("--customers", "60", "--seed", "3")
    before = _snapshot()

    # when
    with pytest.raises(CommandError, match="customers already"):
        _seed("--customers", "10", "--seed", "4")

    # then
    assert _snapshot() == before
    assert HtgNumberAllocation.objects.count() == Customer.objects.exclude(htg_number=None).count()


@pytest.mark.django_db
def test_if_empty_leaves_existing_customers_alone_and_succeeds():
    # given
    _seed("--customers", "60", "--seed", "3")
    before = _snapshot()

    # when
    output = _seed("--customers", "10", "--seed", "4", "--if-empty")

    # then
    assert "no demo data added" in output
    assert _snapshot() == before


@pytest.mark.django_db
def test_the_service_reports_the_counts_it_wrote():
    # given
    as_of = datetime.date(2020, 4, 20)

    # when
    result = demo_seed(customers=40, seed=9, as_of=as_of)

    # then
    assert result.customers == Customer.objects.count() == 40
    assert result.contacts == Contact.objects.count()
    assert result.connections == Connection.objects.count()
    assert result.events == ConnectionEvent.objects.count()
    assert result.htg_numbers == HtgNumberAllocation.objects.count()
    assert sum(result.connections_by_state.values()) == result.connections


@pytest.mark.django_db
def test_seeded_connections_that_wait_on_the_company_are_due_like_live_ones(settings):
    # given
    from connections.models import WAITING_ON_CUSTOMER, Connection
    from connections.services.demo import demo_seed
    from htg_migration.calendar import add_business_days

    # when
    demo_seed(customers=80, seed=3, as_of=datetime.date(2020, 5, 15))

    # then
    waiting = list(Connection.objects.filter(state__in=WAITING_ON_CUSTOMER))
    assert waiting
    for connection in waiting:
        started = timezone.localtime(connection.state_changed_at).date()
        assert connection.due_on == add_business_days(started, settings.HTG_DUE_BUSINESS_DAYS[connection.state])
    assert not Connection.objects.exclude(state__in=WAITING_ON_CUSTOMER).filter(due_on__isnull=False).exists()

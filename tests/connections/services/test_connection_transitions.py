import pytest
from django.core.exceptions import PermissionDenied

from connections.models import Connection, ConnectionEvent, ConnectionState
from connections.selectors.connections import connection_available_transitions, timeline_replay
from connections.services.transitions import TRANSITION_NAMES, connection_transition
from htg_migration.errors import ApplicationError, ConflictError
from plateaus.models import GovernmentParty, MessageFlow
from tests.connections import state_machine_oracle as oracle
from tests.connections.factories import (
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    core_team_member,
    helpdesk_member,
    reserve_slot,
    team_member,
    walk_to,
)

pytestmark = pytest.mark.django_db


def _walk(connection: Connection, state: str, actor) -> Connection:
    connection = walk_to(connection, state, actor)
    assert connection.state == state
    return connection


def test_the_model_has_exactly_the_transitions_of_the_design():
    assert set(oracle.TRANSITIONS) == TRANSITION_NAMES


ALLOWED_EDGES = [(source, name) for (source, name) in sorted(oracle.EDGES)] + [("on_hold", "resume")]


@pytest.mark.parametrize(("source", "name"), ALLOWED_EDGES)
def test_each_allowed_transition_moves_the_state_and_records_one_event(source, name):
    # given
    actor = core_team_member() if name in oracle.CORE_TEAM_ONLY else team_member()
    walker = UserFactory(is_superuser=True)
    connection = ConnectionFactory()
    if source == "on_hold":
        connection = _walk(connection, "slot_booked", walker)
        connection = connection_transition(connection_id=connection.pk, transition="hold", actor=walker)
    else:
        connection = _walk(connection, source, walker)
    events_before = ConnectionEvent.objects.filter(connection=connection).count()
    if name == "book_slot":
        reserve_slot(connection)

    # when
    moved = connection_transition(connection_id=connection.pk, transition=name, actor=actor, note="per phone")

    # then
    expected = "slot_booked" if name == "resume" else oracle.EDGES[(source, name)]
    moved.refresh_from_db()
    assert moved.state == expected
    events = list(ConnectionEvent.objects.filter(connection=connection).order_by("created_at", "id"))
    assert len(events) == events_before + 1
    last = events[-1]
    assert (last.transition, last.from_state, last.to_state, last.actor, last.note) == (
        name,
        source,
        expected,
        actor,
        "per phone",
    )
    assert timeline_replay(events) == expected


@pytest.mark.parametrize("state", oracle.ALL_STATES)
def test_a_forbidden_transition_is_refused_and_changes_nothing(state):
    # given
    walker = UserFactory(is_superuser=True)
    connection = _walk(ConnectionFactory(), state, walker)
    forbidden = sorted(set(oracle.TRANSITIONS) - oracle.allowed(state))
    assert forbidden
    events_before = ConnectionEvent.objects.count()

    for name in forbidden:
        # when / then
        with pytest.raises(ConflictError) as error:
            connection_transition(connection_id=connection.pk, transition=name, actor=walker)
        assert "is not possible while the connection is" in error.value.message
        connection.refresh_from_db()
        assert connection.state == state
    assert ConnectionEvent.objects.count() == events_before


def test_resume_returns_to_the_state_it_was_held_in():
    # given
    walker = UserFactory(is_superuser=True)
    connection = _walk(ConnectionFactory(), "testing", walker)
    connection_transition(connection_id=connection.pk, transition="hold", actor=walker)

    # when
    resumed = connection_transition(connection_id=connection.pk, transition="resume", actor=walker)

    # then
    assert resumed.state == "testing"
    assert resumed.state_before_hold == ""


def test_the_state_field_cannot_be_assigned_directly():
    connection = ConnectionFactory()
    with pytest.raises(AttributeError):
        connection.state = ConnectionState.LIVE


def test_a_stale_expected_state_is_a_conflict_and_writes_nothing():
    # given
    walker = UserFactory(is_superuser=True)
    connection = _walk(ConnectionFactory(), "invited", walker)
    events_before = ConnectionEvent.objects.count()

    # when: the user saw "planned", someone else has invited it since
    with pytest.raises(ConflictError) as error:
        connection_transition(connection_id=connection.pk, transition="invite", actor=walker, expected_state="planned")

    # then
    assert "Someone else changed this connection first" in error.value.message
    assert error.value.extra == {"state": "invited"}
    assert ConnectionEvent.objects.count() == events_before


def test_helpdesk_cannot_change_a_state():
    # given
    connection = ConnectionFactory()

    # when / then
    with pytest.raises(PermissionDenied):
        connection_transition(connection_id=connection.pk, transition="invite", actor=helpdesk_member())
    connection.refresh_from_db()
    assert connection.state == "planned"
    assert not ConnectionEvent.objects.exists()


def test_only_the_core_team_records_a_connection_as_missed():
    connection = ConnectionFactory()
    with pytest.raises(PermissionDenied):
        connection_transition(connection_id=connection.pk, transition="mark_missed", actor=team_member())
    connection.refresh_from_db()
    assert connection.state == "planned"

    moved = connection_transition(connection_id=connection.pk, transition="mark_missed", actor=core_team_member())
    assert moved.state == "missed"


def test_a_company_does_its_own_steps_and_its_hub_does_them_for_it_but_no_other_company():
    # given
    hub = CustomerFactory(role="hub")
    client = CustomerFactory(hub=hub)
    stranger = CustomerFactory()
    own_contact = ContactFactory(customer=client, user=UserFactory(is_staff=False))
    hub_contact = ContactFactory(customer=hub, user=UserFactory(is_staff=False))
    stranger_contact = ContactFactory(customer=stranger, user=UserFactory(is_staff=False))
    connection = ConnectionFactory(customer=client)
    other = ConnectionFactory(customer=client, flow=MessageFlow.objects.get(code="NCTS"))

    # when / then: a stranger is refused and nothing changes
    with pytest.raises(PermissionDenied):
        connection_transition(connection_id=connection.pk, transition="receive_intake", actor=stranger_contact.user)
    connection.refresh_from_db()
    assert connection.state == "planned"

    # the company and its hub may; a company may not do the team's steps
    assert (
        connection_transition(connection_id=connection.pk, transition="receive_intake", actor=own_contact.user).state
        == "intake_received"
    )
    assert (
        connection_transition(connection_id=other.pk, transition="receive_intake", actor=hub_contact.user).state
        == "intake_received"
    )
    with pytest.raises(PermissionDenied):
        connection_transition(connection_id=connection.pk, transition="offer_slot", actor=own_contact.user)


def test_technical_data_needs_a_channel_first():
    # given
    walker = UserFactory(is_superuser=True)
    connection = ConnectionFactory()
    for name in oracle.path_to("slot_booked"):
        if name == "book_slot":
            reserve_slot(connection)
        connection_transition(connection_id=connection.pk, transition=name, actor=walker)

    # when / then
    with pytest.raises(ApplicationError) as error:
        connection_transition(connection_id=connection.pk, transition="send_technical_data", actor=walker)
    assert "Record the channel" in error.value.message
    connection.refresh_from_db()
    assert connection.state == "slot_booked"


def test_a_flow_is_not_invited_before_its_government_parties_are_connected_to_htg():
    # given
    GovernmentParty.objects.filter(code="nvwa").update(htg_status=GovernmentParty.HtgStatus.CONNECTING)
    connection = ConnectionFactory(flow=MessageFlow.objects.get(code="NVWA"))

    # when / then: neither an invitation nor an intake moves it
    for name in ("invite", "receive_intake"):
        with pytest.raises(ApplicationError) as error:
            connection_transition(connection_id=connection.pk, transition=name, actor=team_member())
        assert "not open for migration" in error.value.message
    connection.refresh_from_db()
    assert connection.state == "planned"
    assert not ConnectionEvent.objects.filter(connection=connection).exists()


def test_unknown_step_and_unknown_connection_are_clear_errors():
    with pytest.raises(ApplicationError, match="Unknown step"):
        connection_transition(connection_id=ConnectionFactory().pk, transition="save", actor=None)
    with pytest.raises(ApplicationError, match="does not exist"):
        connection_transition(connection_id=987654321, transition="invite", actor=None)


def test_available_transitions_are_those_this_user_may_do_now():
    # given
    walker = UserFactory(is_superuser=True)
    connection = _walk(ConnectionFactory(), "slot_booked", walker)

    # when
    for_team = {item.name for item in connection_available_transitions(connection=connection, user=team_member())}
    for_helpdesk = connection_available_transitions(connection=connection, user=helpdesk_member())

    # then
    assert for_team == {"reschedule", "record_no_show", "send_technical_data", "hold", "withdraw"}
    assert for_helpdesk == []

"""Random walks over the state machine: only legal edges are taken, and the timeline always replays to the state."""

import pytest
from hypothesis import HealthCheck, settings, strategies
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from connections.models import Connection, ConnectionEvent
from connections.selectors.connections import timeline_replay
from connections.services.connections import connection_channel_set
from connections.services.transitions import connection_transition
from htg_migration.errors import ConflictError
from tests.connections import state_machine_oracle as oracle
from tests.connections.factories import ConnectionFactory, UserFactory, reserve_slot


class ConnectionLifecycle(RuleBasedStateMachine):
    @initialize()
    def create(self):
        self.actor = UserFactory(is_superuser=True)
        self.connection = ConnectionFactory()
        connection_channel_set(connection_id=self.connection.pk, channel="smtp_mta_ipsec", vpn_peer_address="192.0.2.7")
        self.expected = "planned"
        self.held_from = None

    @rule(name=strategies.sampled_from(oracle.TRANSITIONS))
    def attempt(self, name):
        legal = name in oracle.allowed(self.expected)
        events_before = ConnectionEvent.objects.filter(connection=self.connection).count()
        if name == "book_slot" and legal:
            reserve_slot(self.connection)
        try:
            moved = connection_transition(connection_id=self.connection.pk, transition=name, actor=self.actor)
        except ConflictError:
            assert not legal, f"{name} from {self.expected} was refused"
            assert ConnectionEvent.objects.filter(connection=self.connection).count() == events_before
            return
        assert legal, f"{name} from {self.expected} was allowed"
        target = self.held_from if name == "resume" else oracle.EDGES[(self.expected, name)]
        self.held_from = self.expected if name == "hold" else None if name == "resume" else self.held_from
        assert moved.state == target
        self.expected = target

    @invariant()
    def database_agrees_and_the_timeline_replays(self):
        if not hasattr(self, "connection"):
            return
        stored = Connection.objects.get(pk=self.connection.pk)
        assert stored.state == self.expected
        events = list(ConnectionEvent.objects.filter(connection=self.connection).order_by("created_at", "id"))
        assert timeline_replay(events) == self.expected
        for event in events:
            if event.transition != "resume":
                assert oracle.EDGES[(event.from_state, event.transition)] == event.to_state


@pytest.mark.django_db
def test_random_transition_sequences_keep_the_invariants():
    run_state_machine_as_test(
        ConnectionLifecycle,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )

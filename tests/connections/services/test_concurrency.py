"""Real concurrency on PostgreSQL: threads with their own database connections, committed transactions."""

import threading
import time

import pytest
from django.db import transaction

from connections.models import ConnectionEvent, HtgNumberAllocation
from connections.services.htg_numbers import customer_htg_number_issue, htg_number_normalise
from connections.services.transitions import connection_transition
from htg_migration.errors import ConflictError
from tests.conftest import run_in_threads
from tests.connections.factories import ConnectionFactory, CustomerFactory, team_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_two_people_invite_at_once_one_wins_the_other_gets_a_conflict():
    # given
    connection = ConnectionFactory()
    alice, bob = team_member(), team_member()
    barrier = threading.Barrier(2)

    def act(user):
        def target():
            barrier.wait()
            return connection_transition(
                connection_id=connection.pk, transition="invite", actor=user, expected_state="planned"
            )

        return target

    # when
    results = run_in_threads([act(alice), act(bob)])

    # then
    winners = [result for result in results if not isinstance(result, Exception)]
    conflicts = [result for result in results if isinstance(result, ConflictError)]
    assert len(winners) == 1, results
    assert len(conflicts) == 1, results
    assert "Someone else changed this connection first" in conflicts[0].message
    assert ConnectionEvent.objects.filter(connection=connection).count() == 1


def test_the_second_waits_for_the_first_and_then_sees_its_result():
    # given: the first holds the row lock while the second asks for it
    connection = ConnectionFactory()
    first_has_lock = threading.Event()
    user = team_member()

    def first():
        with transaction.atomic():
            moved = connection_transition(connection_id=connection.pk, transition="invite", actor=user)
            first_has_lock.set()
            time.sleep(0.5)
        return moved

    def second():
        first_has_lock.wait(timeout=10)
        return connection_transition(
            connection_id=connection.pk, transition="hold", actor=user, expected_state="planned"
        )

    # when
    first_result, second_result = run_in_threads([first, second])

    # then
    assert first_result.state == "invited"
    assert isinstance(second_result, ConflictError)
    assert second_result.extra == {"state": "invited"}
    connection.refresh_from_db()
    assert connection.state == "invited"
    assert list(ConnectionEvent.objects.filter(connection=connection).values_list("transition", flat=True)) == [
        "invite"
    ]


def test_twenty_intakes_completing_at_once_get_twenty_distinct_htg_numbers():
    # given
    customers = [CustomerFactory() for _ in range(20)]
    barrier = threading.Barrier(20)

    def issue(customer_id):
        def target():
            barrier.wait()
            return customer_htg_number_issue(customer_id=customer_id)

        return target

    # when
    numbers = run_in_threads([issue(customer.pk) for customer in customers])

    # then
    assert all(isinstance(number, str) for number in numbers), numbers
    assert len(set(numbers)) == 20
    assert all(htg_number_normalise(number) == number for number in numbers)
    assert HtgNumberAllocation.objects.count() == 20


def test_one_customer_asked_ten_times_at_once_gets_one_number():
    customer = CustomerFactory()
    barrier = threading.Barrier(10)

    def target():
        barrier.wait()
        return customer_htg_number_issue(customer_id=customer.pk)

    numbers = run_in_threads([target] * 10)
    assert len(set(numbers)) == 1, numbers
    assert HtgNumberAllocation.objects.filter(customer=customer).count() == 1

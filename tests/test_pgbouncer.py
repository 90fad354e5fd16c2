"""The app through PgBouncer in transaction pooling mode (issue 13, item 4): Debian's pgbouncer, started here on a
free port in front of the test database, carries the outbox's sending and its claim recovery, the reminder sweep
and a connection transition. Anything kept in a database session (a temporary table, a SET, a session advisory
lock, a cursor WITH HOLD) does not survive there: the next transaction may run on another server connection."""

import datetime
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection as database
from django.db import transaction

from tests.conftest import PGBOUNCER, free_port, port_answers

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.pgbouncer,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

POOL_SIZE = 3  # server connections per database and user: fewer than the clients, so they take turns


@pytest.fixture
def pgbouncer_port() -> Iterator[int]:
    """pgbouncer (pool_mode = transaction) in front of the test database, on a free port; stopped afterwards."""
    assert PGBOUNCER is not None
    options = database.settings_dict
    name, user = options["NAME"], options["USER"]
    directory = Path(tempfile.mkdtemp(prefix="htg-pgbouncer-"))
    port = free_port()
    (directory / "users.txt").write_text(f'"{user}" ""\n')
    (directory / "pgbouncer.ini").write_text(
        f"[databases]\n{name} = host={options['HOST'] or '127.0.0.1'} port={options['PORT'] or 5432} dbname={name}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {directory / 'users.txt'}\n"
        f"pool_mode = transaction\ndefault_pool_size = {POOL_SIZE}\nmax_client_conn = 50\n"
        f"logfile = {directory / 'pgbouncer.log'}\npidfile = {directory / 'pgbouncer.pid'}\n"
    )
    command = [PGBOUNCER, str(directory / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        for path in (directory, *directory.iterdir()):
            shutil.chown(path, "postgres")
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        for _attempt in range(100):
            if port_answers(port, timeout=0.2) or process.poll() is not None:
                break
            time.sleep(0.05)
        assert process.poll() is None and port_answers(port, timeout=0.2), (directory / "pgbouncer.log").read_text()
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        print((directory / "pgbouncer.log").read_text()[-5000:])  # shown when the test fails
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def through_pgbouncer(transactional_db, pgbouncer_port) -> Iterator[int]:
    """Django's database connections (this one, and the ones services open, such as a sender's claim holder) go
    through pgbouncer for the test."""
    settings_dict = database.settings_dict
    direct_port = settings_dict["PORT"]
    database.close()
    settings_dict["PORT"] = str(pgbouncer_port)
    try:
        database.ensure_connection()
        assert database.connection.get_dsn_parameters()["port"] == str(pgbouncer_port)
        yield pgbouncer_port
    finally:
        database.close()
        settings_dict["PORT"] = direct_port


def test_a_transition_sends_its_email_through_pgbouncer(through_pgbouncer):
    from connections.models import Connection
    from connections.services.transitions import connection_transition
    from notifications.models import OutboxEmail
    from tests.connections.factories import ConnectionFactory, ContactFactory, UserFactory

    # given
    walker = UserFactory(is_superuser=True)
    connection = ConnectionFactory()
    ContactFactory(customer=connection.customer, email="ops@example.nl")

    # when: the invitation, whose e-mail is written in its transaction and sent on commit (eager Celery here)
    connection_transition(connection_id=connection.pk, transition="invite", actor=walker)

    # then
    assert Connection.objects.get(pk=connection.pk).state == "invited"
    email = OutboxEmail.objects.get(to_address="ops@example.nl")
    assert (email.template_key, email.status, email.attempts, email.claimed_by) == ("connection.invited", "sent", 1, "")


def test_the_outbox_sends_and_recovers_claims_through_pgbouncer(through_pgbouncer):
    from django.core import mail
    from django.utils import timezone

    from notifications.models import OutboxEmail
    from notifications.services import email_claims_recover, email_enqueue, email_send, emails_send
    from notifications.services.sending import _claim_held
    from tests.notifications.factories import OutboxEmailFactory

    # given: a row whose sender is gone, one whose sender still works (its claim lock held through pgbouncer)
    gone = OutboxEmailFactory(status="sending", claimed_by="gone:1:abc", claimed_at=timezone.now())
    alive = OutboxEmailFactory(status="sending", claimed_by="alive:1:abc", claimed_at=timezone.now())

    # when: an e-mail is enqueued and sent on commit; the sweep recovers claims while the live sender works
    with transaction.atomic():
        enqueued = email_enqueue(
            to_address="jan@example.nl",
            template_key="connection.invited",
            language="nl",
            context={"contact_name": "Jan", "company_name": "B.V.", "flow_name": "NCTS", "intake_url": "https://x/"},
            dedupe_key="pgbouncer:1",
        )
    with _claim_held("alive:1:abc"):
        recovered = email_claims_recover(now=timezone.now())
        again = email_claims_recover(now=timezone.now())
    sent_again = email_send(email_id=gone.pk)
    later = emails_send(email_ids=[gone.pk, alive.pk])

    # then: the enqueued one and the recovered one are sent; the live sender's row is left to it
    assert OutboxEmail.objects.get(pk=enqueued.pk).status == "sent"
    assert (recovered.requeued, again.requeued) == (1, 0)
    assert sent_again is not None and (sent_again.status, sent_again.claimed_by) == ("sent", "")
    assert later.sent == 0
    alive.refresh_from_db()
    assert (alive.status, alive.claimed_by) == ("sending", "alive:1:abc")
    assert sorted(message.to[0] for message in mail.outbox) == sorted(["jan@example.nl", gone.to_address])


def test_the_reminder_sweep_runs_its_batches_through_pgbouncer(through_pgbouncer, settings, monkeypatch):
    from connections.models import Connection
    from connections.services import ladder
    from connections.services.transitions import connection_transition
    from notifications.models import OutboxEmail
    from tests.connections.factories import AMSTERDAM, ConnectionFactory, ContactFactory, UserFactory

    # given: four connections invited on Monday 11 May 2020, due on Thursday 14 May, in batches of one
    settings.HTG_DUE_BUSINESS_DAYS = {"invited": 3, "slot_offered": 3, "testing": 3}
    monkeypatch.setattr(ladder, "LADDER_BATCH", 1)
    walker = UserFactory(is_superuser=True)
    invited_at = datetime.datetime(2020, 5, 11, 10, tzinfo=AMSTERDAM)
    ids = []
    for number in range(4):
        connection = ConnectionFactory()
        ContactFactory(customer=connection.customer, email=f"contact{number}@example.nl")
        connection_transition(connection_id=connection.pk, transition="invite", actor=walker, at=invited_at)
        ids.append(connection.pk)

    # when: the sweep starts on Friday 15 May at 10:00 (its group sent at once: no transaction around it), twice
    now = datetime.datetime(2020, 5, 15, 10, tzinfo=AMSTERDAM)
    started = ladder.ladder_sweep_start(now=now)
    again = ladder.ladder_sweep_start(now=now)

    # then: four batches, each connection one rung up with one reminder, sent; nothing the second time
    assert (started, again) == (4, 0)
    assert set(Connection.objects.filter(pk__in=ids).values_list("reminder_count", flat=True)) == {1}
    reminders = OutboxEmail.objects.filter(template_key="connection.reminder")
    expected = [f"contact{number}@example.nl" for number in range(4)]
    assert sorted(reminders.values_list("to_address", flat=True)) == expected
    assert set(reminders.values_list("status", flat=True)) == {"sent"}

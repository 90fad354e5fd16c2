"""Ingest: a file is a row first, checked as a whole, applied in one transaction, never counted twice."""

import datetime

import pytest
from django.db import connection

from tests.connections.factories import CustomerFactory
from tests.traffic.files import apply, receive, row, traffic_csv, traffic_json_lines, traffic_settings  # noqa: F401
from traffic.models import TrafficCount, TrafficDaily, TrafficFile, TrafficSender
from traffic.services.partitions import detach_month, ensure_month, partition_name

S = TrafficFile.Status
pytestmark = pytest.mark.usefixtures("traffic_settings")
DAY = datetime.date(2020, 3, 2)


def _customer_with_htg_number(number: str):
    customer = CustomerFactory()
    type(customer).objects.filter(pk=customer.pk).update(htg_number=number)
    return customer


@pytest.mark.django_db
def test_a_clean_file_is_checked_then_applied_with_senders_matched_and_the_rollup():
    # given: three senders (an HTG number, an EORI, an OIN made from a KvK number) and one nobody has
    by_htg = _customer_with_htg_number("HTG-0000001-8")
    by_eori = CustomerFactory(eori="NL123456789")
    by_oin = CustomerFactory(kvk_number="87654321")
    content = traffic_csv(
        [
            row(sender="HTG-0000001-8", messages="10", errors="1"),
            row(sender="HTG-0000001-8", environment="test", messages="3", errors="0"),
            row(gateway="htg", sender_scheme="eori", sender="nl123456789", flow="NCTS", messages="5", errors="0"),
            row(sender_scheme="oin", sender="00000003876543210000", messages="7", errors="0", first_at="", last_at=""),
            row(sender_scheme="other", sender="unknown-sender", messages="2", errors="0"),
        ]
    )
    # when
    checked = receive(content)
    # then
    assert (checked.status, checked.rows, checked.error_count, checked.gateway, checked.day) == (
        S.CHECKED,
        5,
        0,
        "htg",
        DAY,
    )
    assert TrafficCount.objects.count() == 0  # nothing before the apply
    # when
    applied = apply(checked)
    # then
    assert applied.status == S.APPLIED
    senders = {(sender.scheme, sender.identity): sender for sender in TrafficSender.objects.all()}
    assert senders["htg", "HTG-0000001-8"].customer_id == by_htg.pk
    assert senders["htg", "HTG-0000001-8"].messages_total == 13
    assert senders["eori", "nl123456789"].customer_id == by_eori.pk
    assert senders["oin", "00000003876543210000"].customer_id == by_oin.pk
    assert senders["other", "unknown-sender"].customer_id is None  # kept, for the team's list
    assert TrafficCount.objects.count() == 5
    assert set(TrafficCount.objects.filter(customer=by_htg).values_list("environment", "messages")) == {
        ("production", 10),
        ("test", 3),
    }
    daily = {(d.environment, d.flow.code): (d.messages, d.errors, d.senders) for d in TrafficDaily.objects.all()}
    assert daily == {("production", "AGS"): (19, 1, 3), ("test", "AGS"): (3, 0, 1), ("production", "NCTS"): (5, 0, 1)}


@pytest.mark.django_db
def test_json_lines_apply_as_csv_does():
    # given
    content = traffic_json_lines([row(messages=4, errors=0), row(direction="in", messages=6, errors=2, first_at=None)])
    # when
    applied = apply(receive(content, name="htg-2020-03-02.jsonl"))
    # then
    assert applied.status == S.APPLIED
    assert sorted(TrafficCount.objects.values_list("direction", "messages", "errors")) == [("in", 6, 2), ("out", 4, 0)]


@pytest.mark.django_db
def test_the_same_file_twice_is_recognised_and_not_applied_again():
    # given
    content = traffic_csv([row()])
    first = apply(receive(content, name="first.csv"))
    # when
    second = receive(content, name="again.csv")
    apply(second)
    # then
    second = TrafficFile.objects.get(pk=second.pk)
    assert (second.status, second.duplicate_of_id) == (S.REJECTED, first.pk)
    assert "first.csv" in second.report[0]["message_en"]
    assert TrafficCount.objects.count() == 1
    assert TrafficSender.objects.get().messages_total == 10


@pytest.mark.django_db
def test_a_corrected_file_for_the_same_day_replaces_the_earlier_one():
    # given
    earlier = apply(receive(traffic_csv([row(messages="10", errors="0"), row(flow="NCTS", messages="5", errors="0")])))
    # when
    later = apply(receive(traffic_csv([row(messages="12", errors="0")]), name="corrected.csv"))
    # then
    earlier = TrafficFile.objects.get(pk=earlier.pk)
    assert (earlier.status, earlier.replaced_by_id, later.status) == (S.REPLACED, later.pk, S.APPLIED)
    assert list(TrafficCount.objects.values_list("file_id", "flow__code", "messages")) == [(later.pk, "AGS", 12)]
    assert TrafficSender.objects.get().messages_total == 12
    assert list(TrafficDaily.objects.values_list("flow__code", "messages")) == [("AGS", 12)]


@pytest.mark.django_db
def test_an_older_file_applied_after_a_later_one_is_refused_and_changes_nothing():
    # given: both checked, the later one applied first
    older = receive(traffic_csv([row(messages="10", errors="0")]), name="older.csv")
    later = apply(receive(traffic_csv([row(messages="12", errors="0")]), name="later.csv"))
    # when
    refused = apply(older)
    # then
    assert (refused.status, TrafficFile.objects.get(pk=later.pk).status) == (S.REJECTED, S.APPLIED)
    assert list(TrafficCount.objects.values_list("messages", flat=True)) == [12]


@pytest.mark.django_db
def test_an_applied_file_applied_again_changes_nothing():
    # given
    applied = apply(receive(traffic_csv([row()])))
    # when
    again = apply(applied)
    # then
    assert again.status == S.APPLIED
    assert TrafficCount.objects.count() == 1


@pytest.mark.django_db
def test_a_new_month_gets_its_partition_on_demand():
    # given
    name = partition_name(datetime.date(2020, 6, 17))
    assert not _partition_exists(name)
    # when
    made = ensure_month(datetime.date(2020, 6, 17))
    again = ensure_month(datetime.date(2020, 6, 1))
    # then
    assert made == again == "traffic_trafficcount_y2020m06"
    assert _partition_bounds(name) == "FOR VALUES FROM ('2020-06-01') TO ('2020-07-01')"


@pytest.mark.django_db
def test_a_file_for_a_month_without_partition_makes_it_and_a_detached_month_is_not_made_again():
    # given
    apply(receive(traffic_csv([row(day="2020-04-30", first_at="", last_at="")])))
    assert _partition_exists("traffic_trafficcount_y2020m04")
    # when
    detach_month(datetime.date(2020, 4, 1))
    # then: the counts are out of every query, and the month is not silently made again
    assert TrafficCount.objects.count() == 0
    from htg_migration.errors import ApplicationError

    with pytest.raises(ApplicationError):
        ensure_month(datetime.date(2020, 4, 2))


def _partition_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return bool(cursor.fetchone()[0])


def _partition_bounds(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = %s", [name])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_an_inbox_file_becomes_a_row_is_moved_and_applied(settings, tmp_path, django_capture_on_commit_callbacks):
    # given: a complete file and one still being written (a dot name)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings.HTG_TRAFFIC_INBOX = str(inbox)
    (inbox / "htg-2020-03-02.csv").write_bytes(traffic_csv([row()]))
    (inbox / ".htg-2020-03-03.csv").write_bytes(b"day")
    from traffic.services.receive import traffic_inbox_scan

    # when
    with django_capture_on_commit_callbacks(execute=True):
        [file_id] = traffic_inbox_scan()
    # then
    traffic_file = TrafficFile.objects.get(pk=file_id)
    assert (traffic_file.source, traffic_file.status) == (TrafficFile.Source.INBOX, S.APPLIED)
    assert (inbox / "received" / f"{file_id}-htg-2020-03-02.csv").exists()
    assert (inbox / ".htg-2020-03-03.csv").exists()
    assert TrafficCount.objects.count() == 1


@pytest.mark.django_db
def test_the_detach_command_refuses_a_month_without_partition():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("traffic_detach_month", "2020-13")
    with pytest.raises(CommandError):
        call_command("traffic_detach_month", "2020-01")

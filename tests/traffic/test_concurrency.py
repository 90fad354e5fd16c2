"""Two workers applying the same file at once: one applies, the other finds it applied; the counts are right."""

import pytest

from tests.conftest import run_in_threads
from tests.traffic.files import receive, row, traffic_csv, traffic_settings  # noqa: F401
from traffic.models import TrafficCount, TrafficDaily, TrafficFile, TrafficSender
from traffic.services.apply import traffic_file_apply

S = TrafficFile.Status


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("traffic_settings")
def test_two_workers_applying_the_same_file_count_it_once():
    # given
    checked = receive(traffic_csv([row(messages="10", errors="0"), row(flow="NCTS", messages="5", errors="0")]))
    assert checked.status == S.CHECKED
    # when
    results = run_in_threads([lambda: traffic_file_apply(file_id=checked.pk)] * 2)
    # then
    assert [result.status for result in results] == [S.APPLIED, S.APPLIED]
    assert sorted(TrafficCount.objects.values_list("messages", flat=True)) == [5, 10]
    assert TrafficSender.objects.get().messages_total == 15
    assert sum(TrafficDaily.objects.values_list("messages", flat=True)) == 15


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("traffic_settings")
def test_two_files_for_the_same_day_applied_at_once_leave_one_applied():
    # given
    first = receive(traffic_csv([row(messages="10", errors="0")]), name="first.csv")
    second = receive(traffic_csv([row(messages="12", errors="0")]), name="second.csv")
    # when
    run_in_threads([lambda: traffic_file_apply(file_id=first.pk), lambda: traffic_file_apply(file_id=second.pk)])
    # then: the later received is the one that counts, whichever went first
    statuses = dict(TrafficFile.objects.values_list("pk", "status"))
    assert statuses[second.pk] == S.APPLIED
    assert statuses[first.pk] in (S.REPLACED, S.REJECTED)
    assert list(TrafficCount.objects.values_list("messages", flat=True)) == [12]
    assert TrafficSender.objects.get().messages_total == 12

"""The team's traffic pages and the API: who may, what an upload does, the report, Apply once."""

import io

import pytest
from django.urls import reverse

from tests.connections.factories import helpdesk_member, team_member
from tests.traffic.files import receive, row, traffic_csv, traffic_settings  # noqa: F401
from traffic.models import TrafficCount, TrafficFile

S = TrafficFile.Status
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("traffic_settings")]
TOKEN = "0f8fad5b-d9cb-469f-a165-70867728950e"


def _upload(client, content: bytes, name: str = "htg.csv", token: str = TOKEN, **headers):
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("traffic:traffic_list"), {"file": file, "submit_token": token}, **headers)


def test_only_the_team_sees_the_pages(client):
    client.force_login(helpdesk_member())
    assert client.get(reverse("traffic:traffic_list")).status_code == 403


def test_the_list_reads_in_a_fixed_number_of_queries(client, django_assert_num_queries):
    # given
    member = team_member()
    receive(traffic_csv([row()]), user=member)
    receive(traffic_csv([row(messages="-1")]), name="bad.csv", user=member)
    client.force_login(member)
    # when / then
    with django_assert_num_queries(4):
        response = client.get(reverse("traffic:traffic_list"))
    assert response.status_code == 200
    assert b"bad.csv" in response.content


def test_an_upload_by_script_answers_with_the_files_page_and_a_double_submit_makes_one_row(client):
    client.force_login(team_member())
    content = traffic_csv([row()])
    first = _upload(client, content, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    again = _upload(client, content, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert TrafficFile.objects.count() == 1


def test_an_upload_past_the_limit_is_a_413_with_a_message_and_no_row(client, settings):
    settings.HTG_TRAFFIC_MAX_BYTES = 100
    client.force_login(team_member())
    response = _upload(client, traffic_csv([row(), row(flow="NCTS")]), HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 413
    assert "at most 0.0001 MB" in response.json()["errors"][0]
    assert TrafficFile.objects.count() == 0


def test_an_upload_without_a_file_is_a_form_error(client):
    client.force_login(team_member())
    response = client.post(reverse("traffic:traffic_list"), {"submit_token": TOKEN})
    assert response.status_code == 400
    assert TrafficFile.objects.count() == 0


def test_the_report_shows_line_field_and_message_in_dutch(client):
    member = team_member()
    rejected = receive(traffic_csv([row(messages="-3")]), user=member)
    client.force_login(member)
    response = client.get(reverse("traffic:traffic_detail", args=[rejected.pk]), HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    assert rejected.report[0]["message_nl"] in response.content.decode()


def test_apply_twice_with_the_same_token_applies_once(client, django_capture_on_commit_callbacks):
    member = team_member()
    checked = receive(traffic_csv([row()]), user=member)
    client.force_login(member)
    url = reverse("traffic:traffic_apply", args=[checked.pk])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(url, {"submit_token": TOKEN})
        client.post(url, {"submit_token": TOKEN})
    assert len(callbacks) == 1
    assert TrafficFile.objects.get(pk=checked.pk).status == S.APPLIED
    assert TrafficCount.objects.count() == 1


def test_apply_of_a_rejected_file_is_refused_and_writes_nothing(client):
    member = team_member()
    rejected = receive(traffic_csv([row(messages="-3")]), user=member)
    client.force_login(member)
    response = client.post(reverse("traffic:traffic_apply", args=[rejected.pk]), {"submit_token": TOKEN}, follow=True)
    assert "Only a checked file" in response.content.decode()
    assert TrafficFile.objects.get(pk=rejected.pk).status == S.REJECTED


def test_the_api_takes_a_file_from_the_team_and_applies_it(client, django_capture_on_commit_callbacks):
    client.force_login(team_member())
    file = io.BytesIO(traffic_csv([row()]))
    file.name = "htg-2020-03-02.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("api:traffic_upload"), {"file": file})
    assert response.status_code == 202
    traffic_file = TrafficFile.objects.get()
    assert (traffic_file.source, traffic_file.status) == (TrafficFile.Source.API, S.APPLIED)
    detail = client.get(response.json()["url"])
    assert detail.json()["status"] == "applied"


def test_the_api_refuses_a_file_past_the_limit_with_413(client, settings):
    settings.HTG_TRAFFIC_MAX_BYTES = 100
    client.force_login(team_member())
    file = io.BytesIO(traffic_csv([row(), row(flow="NCTS")]))
    file.name = "htg.csv"
    response = client.post(reverse("api:traffic_upload"), {"file": file})
    assert response.status_code == 413
    assert TrafficFile.objects.count() == 0

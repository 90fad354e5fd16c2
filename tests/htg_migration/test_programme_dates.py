"""Every date shown comes from the programme clock (issue 14 item 16): a bulk job and an import are the programme's
own events, stamped like every step and booking with the programme's date (HTG_CLOCK_DATE in a demo) and the real
time of day; only the sweeps' liveness marks (progressed_at) keep the real clock, which they compare with."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import translation

from connections.models import BulkJob, Connection, Customer
from connections.services.staff import staff_groups_sync
from imports.services import import_batch_apply_request, import_batch_create
from tests.connections.factories import ConnectionFactory, team_member
from tests.imports.import_files import csv_bytes, row, upload
from tests.submit_tokens import fresh_submit_token

pytestmark = pytest.mark.django_db
PROGRAMME_DAY = datetime.date(2020, 5, 15)
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def _language_kept():
    """A page read in Dutch leaves Dutch active in this thread (LocaleMiddleware): the next test starts as it was."""
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture
def team_client(client, settings, tmp_path):
    settings.HTG_CLOCK_DATE = PROGRAMME_DAY
    settings.MEDIA_ROOT = tmp_path
    staff_groups_sync()
    user = team_member()
    client.force_login(user)
    client.user = user
    return client


def _local_day(moment):
    return moment.astimezone(AMSTERDAM).date()


@pytest.mark.parametrize(("language", "shown"), [("en", "15 May 2020"), ("nl", "15 mei 2020")])
def test_a_bulk_job_says_the_programme_date(team_client, django_capture_on_commit_callbacks, language, shown):
    # given
    team_client.cookies["django_language"] = language
    connection = ConnectionFactory()
    # when: the team invites in bulk, and the job runs
    with django_capture_on_commit_callbacks(execute=True):
        team_client.post(
            reverse("connections:bulk_job_create"),
            {
                "scope": "selected",
                "connection": [connection.pk],
                "action": "transition:invite",
                "submit_token": fresh_submit_token(),
            },
        )
    job = BulkJob.objects.get()
    # then: started and finished on the programme's day
    assert [_local_day(moment) for moment in (job.created_at, job.started_at, job.finished_at)] == [PROGRAMME_DAY] * 3
    assert {_local_day(at) for at in job.items.values_list("processed_at", flat=True)} == {PROGRAMME_DAY}
    # and its page says so, in the reader's language
    page = team_client.get(reverse("connections:bulk_job_detail", args=[job.pk])).content.decode()
    assert shown in page


@pytest.mark.parametrize(("language", "shown"), [("en", "15 May 2020"), ("nl", "15 mei 2020")])
def test_an_import_says_the_programme_date_and_its_companies_exist_from_that_day(
    team_client, django_capture_on_commit_callbacks, language, shown
):
    # given
    team_client.cookies["django_language"] = language
    content = csv_bytes([row(eori="NL500000001", kvk_number="50000001")])
    # when: a registration list is uploaded, checked and imported
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_batch_create(created_by=team_client.user, uploaded_file=upload(content, "list.csv"))
    with django_capture_on_commit_callbacks(execute=True):
        import_batch_apply_request(batch_id=batch.pk)
    batch.refresh_from_db()
    # then: uploaded and finished on the programme's day; so were the companies and connections it made
    assert batch.status == "applied"
    assert [_local_day(batch.created_at), _local_day(batch.finished_at)] == [PROGRAMME_DAY] * 2
    assert {_local_day(at) for at in Customer.objects.values_list("created_at", flat=True)} == {PROGRAMME_DAY}
    assert {_local_day(at) for at in Connection.objects.values_list("created_at", flat=True)} == {PROGRAMME_DAY}
    # and the pages say so, in the reader's language
    for url in (reverse("imports:import_list"), reverse("imports:import_detail", args=[batch.pk])):
        assert shown in team_client.get(url).content.decode(), url


def test_a_suppressed_address_is_dated_on_the_programme_clock(settings):
    # given: the programme's clock on 15 May 2020
    from notifications.services.outbox import email_bounce_record

    settings.HTG_CLOCK_DATE = PROGRAMME_DAY
    # when: a hard bounce comes back
    suppressed = email_bounce_record(address="Anna@Example.com", detail="550 no such user")
    # then: it is dated on the programme's day (the contacts page shows that date)
    assert _local_day(suppressed.created_at) == PROGRAMME_DAY

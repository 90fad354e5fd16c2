"""Text the app stores and shows later is stored as a code and written in the reader's language when shown (issue 14
item 16): a bulk item's skip reason. Before, it was frozen in whatever language the worker spoke (Dutch)."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from connections.models import BulkJob, BulkJobItem
from connections.services.bulk import bulk_job_run
from connections.services.staff import staff_groups_sync
from tests.connections.factories import ConnectionFactory, UserFactory, core_team_member, team_member, walk_to
from tests.submit_tokens import fresh_submit_token

pytestmark = pytest.mark.django_db
skip_migration = importlib.import_module("connections.migrations.0027_bulk_item_skip_reason_code")


@pytest.fixture(autouse=True)
def _language_kept():
    """A page read in Dutch leaves Dutch active in this thread (LocaleMiddleware): the next test starts as it was."""
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture
def team_client(client):
    staff_groups_sync()
    user = team_member()
    client.force_login(user)
    client.user = user
    return client


def test_a_skip_reason_is_stored_as_a_code_and_shown_in_the_readers_language(
    team_client, django_capture_on_commit_callbacks
):
    # given: a bulk invitation of a planned connection, which someone takes live before the job runs
    connection = ConnectionFactory()
    with django_capture_on_commit_callbacks(execute=False):
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
    walk_to(connection, "live", UserFactory(is_superuser=True))
    # when: the worker runs the job speaking Dutch
    with translation.override("nl"):
        bulk_job_run(job_id=job.pk)
    # then: a code is stored, no text
    item = BulkJobItem.objects.get(job=job)
    assert (item.status, item.skip_reason, item.skip_details, item.message) == (
        "skipped",
        "not_possible",
        {"step": "invite", "state": "live"},
        "",
    )
    # and each reader sees the reason in their own language
    url = reverse("connections:bulk_job_detail", args=[job.pk])
    english = team_client.get(url).content.decode()
    team_client.cookies["django_language"] = "nl"
    dutch = team_client.get(url).content.decode()
    assert "“Invite” is not possible while the connection is “Live on HTG”. Nothing was changed." in english
    with translation.override("nl"):
        expected = item.get_skip_reason_text()
    assert expected in dutch and expected not in english and "Live on HTG" not in expected


@pytest.mark.parametrize("language", ["nl", "en"])
def test_reasons_stored_as_text_become_codes(language):
    # given: items skipped before, their reasons stored as text in the worker's language
    job = BulkJob.objects.create(created_by=UserFactory(), action="transition", transition="invite", total=4)
    texts = {}
    with translation.override(language):
        for reason, details in (
            ("not_possible", {"step": "invite", "state": "live"}),
            ("not_allowed", {"step": "invite"}),
            ("gone", {}),
        ):
            texts[reason] = BulkJobItem.objects.create(
                job=job,
                connection=ConnectionFactory(),
                status="skipped",
                message=BulkJobItem(skip_reason=reason, skip_details=details).get_skip_reason_text(),
            )
    other = BulkJobItem.objects.create(job=job, connection=ConnectionFactory(), status="skipped", message="Disk full")
    # when: the data migration runs
    skip_migration.skip_reasons_to_codes(apps, None)
    # then: the known reasons are codes, the unknown one stays text
    for reason, item in texts.items():
        item.refresh_from_db()
        assert (item.skip_reason, item.message) == (reason, ""), reason
    assert BulkJobItem.objects.get(pk=texts["not_possible"].pk).skip_details == {"step": "invite", "state": "live"}
    other.refresh_from_db()
    assert (other.skip_reason, other.message) == ("", "Disk full")


# --- news sendings: who they went to ------------------------------------------------------------------------------


segment_migration = importlib.import_module("community.migrations.0002_sending_segment_code_only")


def test_a_sendings_group_is_shown_in_the_readers_language(team_client):
    # given: a sending to plateau 2, recorded while the sender spoke Dutch
    from community.models import NewsItem, NewsSending

    item = NewsItem.objects.create(
        title_nl="Plateau 3", title_en="Plateau 3", body_nl="Tekst", body_en="Text", created_by=team_client.user
    )
    with translation.override("nl"):
        sending = NewsSending.objects.create(
            news_item=item, segment={"segment": "plateau", "plateau": 2, "flow": None}, total=3
        )
    # when: the news page is read in English, then in Dutch
    url = reverse("community:news_detail", args=[item.pk])
    english = team_client.get(url).content.decode()
    team_client.cookies["django_language"] = "nl"
    dutch = team_client.get(url).content.decode()
    # then
    assert "Companies with a connection in plateau 2" in english
    with translation.override("nl"):
        label = sending.segment_label
    assert label != "Companies with a connection in plateau 2" and label in dutch


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    "codes",
    [
        {"segment": "everyone", "plateau": None, "flow": None},
        {"segment": "plateau", "plateau": 3, "flow": None},
        {"segment": "flow", "plateau": None, "flow": "NVWA"},
        {"segment": "hubs_and_suppliers", "plateau": None, "flow": None},
    ],
)
def test_a_group_stored_as_text_becomes_codes(language, codes):
    # given: the description a sending stored as text, in the sender's language
    from community.selectors.segments import segment_label

    with translation.override(language):
        description = segment_label(**codes)
    # when / then: the migration reads the codes back from it
    assert segment_migration._codes(description) == codes
    assert segment_migration._codes("Somebody else") is None


# --- a problem reported in the portal ----------------------------------------------------------------------------


portal_migration = importlib.import_module("connections.migrations.0028_portal_report_codes")


def test_a_problem_reported_in_the_portal_in_dutch_reads_in_english_for_the_team(team_client):
    # given: a Dutch-speaking company reports a problem in the portal (the request speaks Dutch)
    from connections.models import CallbackRequest, HelpdeskContact
    from connections.services.company_actions import connection_problem_report
    from tests.connections.portal_factories import company_contact

    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "live", UserFactory(is_superuser=True))
    with translation.override("nl"):
        connection_problem_report(
            connection_id=connection.pk,
            actor=contact.user,
            description="Berichten komen niet aan",
            contact_name="Anna de Boer",
            contact_phone="0201234567",
            urgent=False,
        )
    # then: stored as a code and the company's own words
    callback = CallbackRequest.objects.get()
    logged = HelpdeskContact.objects.get()
    assert (callback.reason_code, callback.reason_details, callback.reason) == (
        "portal_problem",
        {"flow": "AGS"},
        "Berichten komen niet aan",
    )
    assert (logged.origin, logged.notes) == ("portal", "Berichten komen niet aan")
    # and the team reads it in English on the connection's page
    page = team_client.get(reverse("connections:connection_detail", args=[connection.pk])).content.decode()
    assert "Problem after migration (AGS), reported in the portal: Berichten komen niet aan" in page
    assert "Reported in the portal: Berichten komen niet aan" in page


@pytest.mark.parametrize("language", ["nl", "en"])
def test_portal_reports_stored_as_text_become_codes(language):
    # given: a contact and a callback the portal wrote as text, and a callback a person wrote
    from connections.models import CallbackRequest, HelpdeskContact

    connection = ConnectionFactory()
    with translation.override(language):
        notes = translation.gettext(portal_migration.NOTES) % {"description": "Niets komt aan"}
        reason = translation.gettext(portal_migration.REASON) % {"flow": "AGS", "description": "Niets komt aan"}
    logged = HelpdeskContact.objects.create(
        customer=connection.customer, channel="other", topic="problem_after_migration", notes=notes
    )
    due = connection.created_at
    common = {"customer": connection.customer, "contact_name": "A", "contact_phone": "1", "due_at": due}
    callback = CallbackRequest.objects.create(reason=reason, **common)
    personal = CallbackRequest.objects.create(reason="Bel na 14:00", **common)
    # when
    portal_migration.portal_texts_to_codes(apps, None)
    # then
    logged.refresh_from_db()
    callback.refresh_from_db()
    personal.refresh_from_db()
    assert (logged.origin, logged.notes) == ("portal", "Niets komt aan")
    assert (callback.reason_code, callback.reason_details, callback.reason) == (
        "portal_problem",
        {"flow": "AGS"},
        "Niets komt aan",
    )
    assert (personal.reason_code, personal.reason) == ("", "Bel na 14:00")


# --- the reason of an escalation by the reminder ladder ----------------------------------------------------------


escalation_migration = importlib.import_module("connections.migrations.0029_escalation_due_on")


def test_escalation_reasons_stored_as_text_become_facts_and_read_in_the_readers_language(client):
    # given: escalations the ladder wrote in Dutch and in English, one the old demo wrote, and one a person wrote
    from connections.models import Escalation

    texts = [
        "Geen reactie op twee herinneringen: “Uitgenodigd” moest uiterlijk 27 mei 2020 gebeuren. "
        "Neem rechtstreeks contact op met het bedrijf.",
        "No response to two reminders: “Invited” was due on 27 May 2020. Please contact the company directly.",
        "No response to two reminders: the step was due on 27-05-2020. Please contact the company directly.",
        "Belt zelf terug na de vakantie",
    ]
    escalations = [
        Escalation.objects.create(
            connection=walk_to(ConnectionFactory(), "invited", UserFactory(is_superuser=True)),
            waiting_state="invited",
            reason=text,
        )
        for text in texts
    ]

    # when
    escalation_migration.reasons_to_facts(apps, None)

    # then: the ladder's and the demo's become their facts; the person's words stay as written
    for escalation in escalations:
        escalation.refresh_from_db()
    assert [(escalation.due_on, escalation.reason) for escalation in escalations] == [
        (datetime.date(2020, 5, 27), ""),
        (datetime.date(2020, 5, 27), ""),
        (datetime.date(2020, 5, 27), ""),
        (None, "Belt zelf terug na de vakantie"),
    ]
    # and the queue says them in the reader's language
    staff_groups_sync()
    client.force_login(core_team_member())
    english = client.get(reverse("connections:escalation_queue")).content.decode()
    dutch = client.get(reverse("connections:escalation_queue"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert english.count("No response to two reminders: “Invited” was due on 27 May 2020.") == 3
    assert dutch.count("Geen reactie op twee herinneringen: “Uitgenodigd” moest uiterlijk 27 mei 2020 gebeuren.") == 3
    assert "Belt zelf terug na de vakantie" in english

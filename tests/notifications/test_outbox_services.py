"""The outbox: a row in the caller's transaction, sent on commit, once; suppression and language fallback."""

import datetime
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from htg_migration.errors import ApplicationError
from notifications.models import OutboxEmail, SuppressedAddress
from notifications.selectors import suppression_for_addresses
from notifications.services import email_bounce_record, email_enqueue, email_send, emails_sweep
from tests.notifications.factories import EmailTemplateFactory, OutboxEmailFactory

pytestmark = pytest.mark.django_db

INVITED_CONTEXT = {
    "contact_name": "Jan de Vries",
    "company_name": "Voorbeeld B.V.",
    "flow_name": "NCTS",
    "intake_url": "https://example.org/intake/abc/",
    "due_date": "15 mei 2020",
}


class Boom(Exception):
    pass


def _enqueue(**overrides):
    arguments = {
        "to_address": "Jan@Example.NL",
        "template_key": "connection.invited",
        "language": "nl",
        "context": INVITED_CONTEXT,
        "dedupe_key": "connection:1:invited:1",
        **overrides,
    }
    return email_enqueue(**arguments)


def test_an_enqueued_email_is_rendered_in_the_contacts_language_and_sent_once_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        email = _enqueue()
        assert mail.outbox == []  # nothing goes out before the commit

    # then
    assert len(callbacks) == 1
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert email.to_address == "jan@example.nl"
    assert email.language == "nl"
    assert email.subject == "Uitnodiging: migratie NCTS van Digipoort naar HTG"
    assert "https://example.org/intake/abc/" in email.body_text
    assert email.attempts == 1
    assert email.sent_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jan@example.nl"]
    assert mail.outbox[0].extra_headers["Message-ID"] == email.message_id
    assert mail.outbox[0].alternatives[0].mimetype == "text/html"


def test_an_enqueue_in_a_transaction_that_rolls_back_leaves_no_row_and_sends_nothing(
    django_capture_on_commit_callbacks,
):
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom), transaction.atomic():
        _enqueue()
        raise Boom

    # then
    assert callbacks == []
    assert OutboxEmail.objects.count() == 0
    assert mail.outbox == []


def test_the_same_dedupe_key_returns_the_existing_row_and_writes_nothing(django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        first = _enqueue()

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = _enqueue(to_address="someone.else@example.nl", context={**INVITED_CONTEXT, "flow_name": "AGS"})

    # then
    assert second.pk == first.pk
    assert callbacks == []
    assert OutboxEmail.objects.count() == 1
    assert OutboxEmail.objects.get().to_address == "jan@example.nl"
    assert len(mail.outbox) == 1


def test_an_email_to_a_suppressed_address_is_recorded_as_suppressed_and_never_sent(
    django_capture_on_commit_callbacks,
):
    # given
    email_bounce_record(address="JAN@example.nl", detail="550 5.1.1 user unknown")

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        email = _enqueue()

    # then
    assert callbacks == []
    assert email.status == OutboxEmail.Status.SUPPRESSED
    assert "550 5.1.1 user unknown" in email.last_error
    assert mail.outbox == []


def test_a_queued_email_whose_address_was_suppressed_since_is_not_sent():
    # given
    email = OutboxEmailFactory(to_address="late@example.com")
    email_bounce_record(address="late@example.com", detail="bounced")

    # when
    email_send(email_id=email.pk)

    # then
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SUPPRESSED
    assert mail.outbox == []


def test_a_missing_language_falls_back_to_the_other_one(django_capture_on_commit_callbacks):
    # given: this template exists in English only
    template = EmailTemplateFactory(key="test.english_only", language="en")

    # when
    with django_capture_on_commit_callbacks(execute=False):
        email = _enqueue(template_key=template.key, context={"name": "Jan", "code": "7"}, language="nl")

    # then
    assert email.language == "en"
    assert email.subject == "Hello Jan"
    assert email.body_text == "Dear Jan,\n\nYour code is 7."


def test_a_missing_template_is_an_application_error_and_writes_nothing():
    with pytest.raises(ApplicationError) as raised:
        _enqueue(template_key="connection.no_such_step")

    assert raised.value.extra == {"template_key": "connection.no_such_step"}
    assert OutboxEmail.objects.count() == 0


def test_html_is_escaped_but_text_and_subject_are_not(django_capture_on_commit_callbacks):
    # given
    template = EmailTemplateFactory(subject="For {{ name }}", body_text="{{ name }}", body_html="<p>{{ name }}</p>")

    # when
    with django_capture_on_commit_callbacks(execute=False):
        email = _enqueue(template_key=template.key, language="en", context={"name": "Smit & <Zn>"})

    # then
    assert email.subject == "For Smit & <Zn>"
    assert email.body_text == "Smit & <Zn>"
    assert email.body_html == "<p>Smit &amp; &lt;Zn&gt;</p>"


def test_a_later_template_edit_does_not_change_an_enqueued_email(django_capture_on_commit_callbacks):
    # given
    template = EmailTemplateFactory(subject="Before")
    with django_capture_on_commit_callbacks(execute=False):
        email = _enqueue(template_key=template.key, language="en")

    # when
    template.subject = "After"
    template.save(update_fields=["subject"])

    # then
    email.refresh_from_db()
    assert email.subject == "Before"


def test_the_sweep_picks_queued_emails_that_are_due_only():
    # given
    now = timezone.now()
    lost = OutboxEmailFactory(queued_at=now - datetime.timedelta(minutes=2))
    retry_due = OutboxEmailFactory(next_attempt_at=now - datetime.timedelta(seconds=1), attempts=1)
    OutboxEmailFactory(queued_at=now - datetime.timedelta(seconds=10))  # its task is surely still on its way
    OutboxEmailFactory(next_attempt_at=now + datetime.timedelta(minutes=4), attempts=1)  # waiting for its retry
    OutboxEmailFactory(status=OutboxEmail.Status.SENT)
    OutboxEmailFactory(status=OutboxEmail.Status.FAILED)
    OutboxEmailFactory(status=OutboxEmail.Status.SUPPRESSED)

    # when
    due = emails_sweep(now=now)

    # then
    assert sorted(due) == sorted([lost.pk, retry_due.pk])


def test_sending_an_email_that_is_already_sent_or_not_yet_due_does_nothing():
    # given
    now = timezone.now()
    sent = OutboxEmailFactory(status=OutboxEmail.Status.SENT, message_id="<x@example.org>", attempts=1)
    waiting = OutboxEmailFactory(next_attempt_at=now + datetime.timedelta(minutes=4), attempts=1)

    # when
    email_send(email_id=sent.pk, now=now)
    email_send(email_id=waiting.pk, now=now)

    # then
    assert mail.outbox == []
    assert OutboxEmail.objects.get(pk=sent.pk).attempts == 1
    assert OutboxEmail.objects.get(pk=waiting.pk).status == OutboxEmail.Status.QUEUED
    assert OutboxEmail.objects.get(pk=waiting.pk).attempts == 1


def test_a_bounce_suppresses_the_address_once_in_lower_case_and_keeps_the_first_reason():
    # when
    email_bounce_record(address=" Jan@Example.NL ", detail="550 user unknown")
    email_bounce_record(address="jan@example.nl", detail="again")

    # then
    suppressed = SuppressedAddress.objects.get()
    assert (suppressed.address, suppressed.reason, suppressed.detail) == (
        "jan@example.nl",
        SuppressedAddress.Reason.HARD_BOUNCE,
        "550 user unknown",
    )


def test_the_suppression_selector_answers_for_many_addresses_in_one_query(django_assert_num_queries):
    # given
    email_bounce_record(address="a@example.com", detail="bounced")
    email_bounce_record(address="b@example.com", detail="bounced")

    # when
    with django_assert_num_queries(1):
        found = suppression_for_addresses(["A@example.com", "b@example.com", "c@example.com"])

    # then
    assert sorted(found) == ["a@example.com", "b@example.com"]
    assert found["a@example.com"].reason == SuppressedAddress.Reason.HARD_BOUNCE


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_enqueue_outside_a_transaction_is_refused_and_writes_nothing():
    from django.db.transaction import TransactionManagementError

    with pytest.raises(TransactionManagementError):
        _enqueue()

    assert OutboxEmail.objects.count() == 0


def test_the_sweep_runs_every_minute_from_the_one_schedule():
    from htg_migration.celery import app

    entry = app.conf.beat_schedule["emails-sweep"]
    app.loader.import_default_modules()  # what a worker does when it starts: autodiscovery of the apps' tasks

    assert (entry["task"], entry["schedule"]) == ("notifications.tasks.emails_sweep_task", 60.0)
    assert entry["task"] in app.tasks


INVITATION = {"filename": "slot.ics", "content": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "mimetype": "text/calendar"}


def test_attachments_are_stored_on_the_row_when_enqueued():
    # when
    with transaction.atomic():
        email = _enqueue(attachments=[INVITATION])

    # then
    email.refresh_from_db()
    assert email.attachments == [INVITATION]


def test_an_email_without_attachments_stores_an_empty_list():
    with transaction.atomic():
        email = _enqueue()
    email.refresh_from_db()
    assert email.attachments == []


@pytest.mark.parametrize(
    "attachment",
    [
        {"filename": "slot.ics", "content": "x"},
        {"filename": "slot.ics", "content": b"bytes", "mimetype": "text/calendar"},
        {"filename": "slot.ics", "content": "x", "mimetype": "calendar"},
    ],
)
def test_a_malformed_attachment_is_refused_and_writes_nothing(attachment):
    with pytest.raises(ValueError), transaction.atomic():
        _enqueue(attachments=[attachment])
    assert not OutboxEmail.objects.exists()


def _draft(number, **overrides):
    from notifications.services import EmailDraft

    fields = {
        "to_address": f"Contact{number}@Example.NL",
        "template_key": "connection.invited",
        "language": "nl",
        "context": {**INVITED_CONTEXT, "contact_name": f"Contact {number}"},
        "dedupe_key": f"many:{number}",
        **overrides,
    }
    return EmailDraft(**fields)


def test_enqueue_many_writes_new_rows_in_a_fixed_number_of_queries_and_queues_their_sending_in_batches(
    settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from notifications.services import email_enqueue_many

    # given: one key already in the outbox, one suppressed address, a key twice in the list
    settings.HTG_EMAIL_BATCH = 2
    with transaction.atomic():
        existing = _enqueue(dedupe_key="many:0")
    email_bounce_record(address="contact3@example.nl", detail="550 user unknown")
    drafts = [_draft(number) for number in range(6)] + [_draft(1, to_address="other@example.nl")]

    # when: existing keys, templates, suppression, one INSERT returning the ids
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        transaction.atomic(),
        django_assert_num_queries(4),
    ):
        written = email_enqueue_many(emails=drafts)

    # then: the five new ones, in order, rendered in Dutch; the suppressed one never queued for sending
    assert [email.dedupe_key for email in written] == [f"many:{number}" for number in range(1, 6)]
    assert all(email.id for email in written)
    assert written[0].to_address == "contact1@example.nl"
    assert written[0].subject == "Uitnodiging: migratie NCTS van Digipoort naar HTG"
    assert "Contact 1" in written[0].body_text
    statuses = {email.dedupe_key: email.status for email in written}
    assert statuses["many:3"] == OutboxEmail.Status.SUPPRESSED
    assert OutboxEmail.objects.count() == 6
    assert OutboxEmail.objects.get(dedupe_key="many:0").pk == existing.pk
    assert len(callbacks) == 2  # four to send, in batches of two


def test_enqueue_many_writes_exactly_the_row_email_enqueue_writes_whatever_the_text_holds(
    django_capture_on_commit_callbacks,
):
    from django.forms.models import model_to_dict

    from notifications.services import email_enqueue_many

    # given: text with what CSV and array literals treat specially (quotes, commas, line breaks, tabs, backslashes, a
    # lone "\\.", NULL-looking text) and beyond ASCII, in the body, the subject and an attachment
    awkward = 'Jan "de" Vries, \\N\r\n\\.\n\t\\ \u00e9\u20ac\U0001f600 NULL'
    context = {**INVITED_CONTEXT, "contact_name": awkward, "company_name": f"{awkward} B.V."}
    attachments = [{"filename": 'a "b",c.ics', "content": awkward, "mimetype": "text/calendar"}]
    moment = datetime.datetime(2020, 5, 15, 8, 30, 1, 123456, tzinfo=datetime.UTC)
    with (
        mock.patch("htg_migration.clock.now", return_value=moment),
        django_capture_on_commit_callbacks(execute=False),
        transaction.atomic(),
    ):
        single = _enqueue(dedupe_key="one", context=context, attachments=attachments)
        many = email_enqueue_many(
            emails=[_draft(1, to_address="Jan@Example.NL", context=context, attachments=attachments, dedupe_key="two")]
        )

    # when
    written = OutboxEmail.objects.get(pk=many[0].id)

    # then: field for field the same row (but its key and id)
    ignored = {"id", "dedupe_key"}
    assert {key: value for key, value in model_to_dict(written).items() if key not in ignored} == {
        key: value for key, value in model_to_dict(single).items() if key not in ignored
    }
    assert awkward in written.body_text and written.attachments == attachments
    assert written.sent_at is None and written.next_attempt_at is None and written.claimed_by == ""
    assert written.queued_at == moment


def test_enqueue_many_with_a_missing_template_or_a_bad_attachment_writes_nothing():
    from notifications.services import email_enqueue_many

    with pytest.raises(ApplicationError), transaction.atomic():
        email_enqueue_many(emails=[_draft(1), _draft(2, template_key="connection.no_such_step")])
    with pytest.raises(ValueError), transaction.atomic():
        email_enqueue_many(emails=[_draft(1), _draft(2, attachments=[{"filename": "x"}])])

    assert OutboxEmail.objects.count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_enqueue_many_outside_a_transaction_is_refused_and_writes_nothing():
    from django.db.transaction import TransactionManagementError

    from notifications.services import email_enqueue_many

    with pytest.raises(TransactionManagementError):
        email_enqueue_many(emails=[_draft(1)])

    assert OutboxEmail.objects.count() == 0


def test_enqueue_many_leaves_out_a_key_written_by_someone_else_between_its_check_and_its_insert(
    django_capture_on_commit_callbacks,
):
    from notifications.services import email_enqueue_many, outbox

    # given: another session writes "many:2" after the existing keys were read, before the INSERT
    original = outbox._outbox_insert

    def insert_after_someone_else(rows):
        OutboxEmailFactory(dedupe_key="many:2", subject="theirs")
        return original(rows)

    # when
    with (
        mock.patch.object(outbox, "_outbox_insert", insert_after_someone_else),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        transaction.atomic(),
    ):
        written = email_enqueue_many(emails=[_draft(1), _draft(2), _draft(3)])

    # then: theirs stands and is neither returned nor queued here; the other two are written and queued
    assert [email.dedupe_key for email in written] == ["many:1", "many:3"]
    assert OutboxEmail.objects.get(dedupe_key="many:2").subject == "theirs"
    assert OutboxEmail.objects.count() == 3
    assert len(callbacks) == 1
    assert {email.id for email in written} == set(
        OutboxEmail.objects.filter(dedupe_key__in=["many:1", "many:3"]).values_list("id", flat=True)
    )


def test_a_subject_longer_than_the_column_is_cut_to_it_on_both_ways_of_writing(django_capture_on_commit_callbacks):
    from notifications.services import EmailDraft, email_enqueue_many

    # given: a template an administrator made whose subject renders to 300 characters
    template = EmailTemplateFactory(subject="{{ name }}")
    long_name = "Lang onderwerp " * 20
    context = {"name": long_name, "code": "X"}

    # when
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        single = _enqueue(template_key=template.key, language="en", context=context, dedupe_key="long:1")
        email_enqueue_many(emails=[EmailDraft("b@example.nl", template.key, "en", context, "long:2")])

    # then: both written, each subject the first 255 characters
    subjects = list(OutboxEmail.objects.order_by("dedupe_key").values_list("subject", flat=True))
    expected = " ".join(long_name.split())[:255]  # a subject's whitespace is one space each
    assert len(" ".join(long_name.split())) == 299 and len(expected) == 255
    assert subjects == [expected, expected]
    assert single.subject == subjects[0]

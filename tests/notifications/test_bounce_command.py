"""`manage.py email_bounces_receive`: one message on stdin (an MTA's pipe), or a Maildir's new messages; the
periodic job over HTG_BOUNCE_MAILDIR; the admin's read-only list."""

import io
import mailbox
import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError
from django.urls import reverse

from htg_migration.celery import app
from notifications import bounce_intake
from notifications.models import InboundBounce, OutboxEmail, SuppressedAddress
from notifications.services import outbox_message_id
from notifications.tasks import bounces_receive_task
from tests.notifications.bounce_messages import GARBAGE, exim_text_bounce, postfix_dsn
from tests.notifications.factories import OutboxEmailFactory

pytestmark = pytest.mark.django_db


class Stdin(io.BytesIO):
    def __init__(self, data: bytes = b"", *, tty: bool = False) -> None:
        super().__init__(data)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def _sent_email(address: str = "jan@vandam.example") -> OutboxEmail:
    email = OutboxEmailFactory(to_address=address, status=OutboxEmail.Status.SENT, sent_at="2020-05-18T08:15:01Z")
    email.message_id = outbox_message_id(email)
    email.save(update_fields=["message_id"])
    return email


def _run(*args, stdin: Stdin | None = None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    options = {"stdin": stdin} if stdin is not None else {}
    call_command("email_bounces_receive", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def _written() -> tuple:
    return (
        InboundBounce.objects.count(),
        list(SuppressedAddress.objects.values_list("address", flat=True)),
        list(OutboxEmail.objects.order_by("id").values_list("status", flat=True)),
    )


def _listing(maildir_path) -> dict[str, list[str]]:
    return {name: sorted(os.listdir(maildir_path / name)) for name in ("new", "cur", "tmp")}


def test_a_hard_bounce_on_stdin_is_received_and_said_so():
    # given
    email = _sent_email()

    # when
    out, err = _run(stdin=Stdin(postfix_dsn(message_id=email.message_id)))

    # then
    bounce = InboundBounce.objects.get()
    assert out == (
        f"bounce {bounce.pk}: hard bounce 5.1.1 for jan@vandam.example: jan@vandam.example suppressed, "
        f"e-mail {email.pk} marked bounced\n"
    )
    assert err == ""
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.BOUNCED


def test_stdin_soft_unrecognised_and_a_repeat_each_say_what_happened():
    # given
    email = _sent_email()
    soft = postfix_dsn(message_id=email.message_id, action="delayed", status="4.4.1", diagnostic="454 4.4.1 timeout")

    # when
    soft_out, _err = _run(stdin=Stdin(soft))
    garbage_out, _err = _run(stdin=Stdin(GARBAGE))
    repeat_out, _err = _run(stdin=Stdin(soft))

    # then
    soft_bounce, garbage_bounce = InboundBounce.objects.order_by("id")
    assert (
        soft_out
        == f"bounce {soft_bounce.pk}: soft bounce 4.4.1 for jan@vandam.example (e-mail {email.pk}): recorded only\n"
    )
    assert garbage_out == (
        f"bounce {garbage_bounce.pk}: not recognised, for a person to look at in the admin: Not a delivery status "
        "notification, nor a bounce this intake recognises.\n"
    )
    assert repeat_out.startswith(f"bounce {soft_bounce.pk}: received before (")
    assert repeat_out.endswith("), nothing done again\n")
    assert SuppressedAddress.objects.count() == 0


def test_empty_stdin_is_refused_with_a_clear_error_and_writes_nothing():
    # given
    _sent_email()
    before = _written()

    # when
    with pytest.raises(CommandError) as refused:
        _run(stdin=Stdin(b""))

    # then
    assert str(refused.value) == "The message is empty: nothing was recorded."
    assert refused.value.returncode == 1
    assert _written() == before


def test_a_terminal_on_stdin_is_refused_rather_than_waited_on():
    # when
    with pytest.raises(CommandError) as refused:
        _run(stdin=Stdin(postfix_dsn(), tty=True))

    # then
    assert str(refused.value) == "Pipe one message in on standard input, or give --maildir PATH."
    assert InboundBounce.objects.count() == 0


def test_a_database_error_asks_the_mta_to_try_again_later(monkeypatch):
    # given: the database refuses (the MTA keeps the message and pipes it again: receiving twice is harmless)
    def unavailable(**kwargs):
        raise OperationalError("connection to server failed")

    monkeypatch.setattr("notifications.management.commands.email_bounces_receive.bounce_receive", unavailable)

    # when
    with pytest.raises(CommandError) as refused:
        _run(stdin=Stdin(postfix_dsn()))

    # then
    assert refused.value.returncode == 75
    assert str(refused.value) == "Not received, try again later: connection to server failed"


def test_a_maildir_is_received_message_by_message_and_each_moved_to_cur(tmp_path):
    # given: a hard bounce, a soft one and a message that is no bounce at all, in a real Maildir
    email = _sent_email()
    other = _sent_email("anna@vandam.example")
    maildir = mailbox.Maildir(tmp_path / "bounces", create=True)
    hard_key = maildir.add(postfix_dsn(message_id=email.message_id))
    soft_key = maildir.add(
        postfix_dsn(
            message_id=other.message_id,
            address="anna@vandam.example",
            action="delayed",
            status="4.2.2",
            diagnostic="452 4.2.2 Mailbox full",
            bounce_id="soft.1@mail.example.org",
        )
    )
    garbage_key = maildir.add(GARBAGE)

    # when
    out, err = _run("--maildir", str(tmp_path / "bounces"))

    # then: three rows, one line each, a summary; new/ is empty and cur/ holds the three, seen
    hard, soft, garbage = (
        InboundBounce.objects.get(outcome=outcome) for outcome in ("hard_bounce", "soft_bounce", "unrecognised")
    )
    lines = out.splitlines()
    assert sorted(lines[:-1]) == sorted(
        [
            f"{hard_key}: bounce {hard.pk}: hard bounce 5.1.1 for jan@vandam.example: jan@vandam.example suppressed, "
            f"e-mail {email.pk} marked bounced",
            f"{soft_key}: bounce {soft.pk}: soft bounce 4.2.2 for anna@vandam.example (e-mail {other.pk}): "
            "recorded only",
            f"{garbage_key}: bounce {garbage.pk}: not recognised, for a person to look at in the admin: Not a delivery "
            "status notification, nor a bounce this intake recognises.",
        ]
    )
    assert lines[-1] == "3 messages: 1 hard bounces, 1 soft, 1 not recognised, 0 received before, 0 with errors"
    assert err == ""
    assert _listing(tmp_path / "bounces") == {
        "new": [],
        "cur": sorted(f"{key}:2,S" for key in (hard_key, soft_key, garbage_key)),
        "tmp": [],
    }
    reread = mailbox.Maildir(tmp_path / "bounces", create=False)
    assert {reread.get_message(key).get_subdir() for key in (hard_key, soft_key, garbage_key)} == {"cur"}
    assert reread.get_bytes(hard_key) == postfix_dsn(message_id=email.message_id)
    assert list(SuppressedAddress.objects.values_list("address", flat=True)) == ["jan@vandam.example"]

    # when: run again with nothing new, and with the hard bounce delivered a second time
    again_out, _err = _run("--maildir", str(tmp_path / "bounces"))
    repeat_key = maildir.add(postfix_dsn(message_id=email.message_id))
    repeat_out, _err = _run("--maildir", str(tmp_path / "bounces"))

    # then
    assert again_out == "0 messages: 0 hard bounces, 0 soft, 0 not recognised, 0 received before, 0 with errors\n"
    assert repeat_out.startswith(f"{repeat_key}: bounce {hard.pk}: received before (")
    assert repeat_out.endswith(
        "1 messages: 0 hard bounces, 0 soft, 0 not recognised, 1 received before, 0 with errors\n"
    )
    assert InboundBounce.objects.count() == 3
    assert _listing(tmp_path / "bounces")["new"] == []


@pytest.mark.parametrize("layout", ["missing", "plain-directory", "file", "no-tmp"])
def test_a_path_that_is_not_a_maildir_is_refused_and_nothing_is_written_or_moved(tmp_path, layout):
    # given
    _sent_email()
    path = tmp_path / "bounces"
    if layout == "plain-directory":
        path.mkdir()
        (path / "message.eml").write_bytes(postfix_dsn())
    elif layout == "file":
        path.write_bytes(postfix_dsn())
    elif layout == "no-tmp":
        (path / "new").mkdir(parents=True)
        (path / "cur").mkdir()
        (path / "new" / "1589789702.M1P2.host").write_bytes(postfix_dsn())
    files_before = sorted(str(file) for file in tmp_path.rglob("*"))
    before = _written()

    # when
    with pytest.raises(CommandError) as refused:
        _run("--maildir", str(path))

    # then
    assert str(refused.value) == f"{path} is not a Maildir: it needs the folders new, cur and tmp."
    assert refused.value.returncode == 1
    assert _written() == before
    assert sorted(str(file) for file in tmp_path.rglob("*")) == files_before


def test_an_empty_file_in_the_maildir_is_moved_without_a_row_and_reported(tmp_path):
    # given
    maildir = mailbox.Maildir(tmp_path / "bounces", create=True)
    empty_key = maildir.add(b"")
    hard_key = maildir.add(postfix_dsn())

    # when
    out = io.StringIO()
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("email_bounces_receive", "--maildir", str(tmp_path / "bounces"), stdout=out, stderr=err)

    # then: the other message is received all the same
    assert str(refused.value) == "1 of 2 messages had errors (see above)."
    assert err.getvalue() == f"{empty_key}: empty: nothing recorded\n"
    assert f"{hard_key}: bounce " in out.getvalue()
    assert InboundBounce.objects.count() == 1
    assert _listing(tmp_path / "bounces")["new"] == []


def test_a_message_that_cannot_be_recorded_stays_in_new_and_the_others_go_on(tmp_path, monkeypatch):
    # given: the database refuses the first message only
    maildir = mailbox.Maildir(tmp_path / "bounces", create=True)
    first_key = maildir.add(exim_text_bounce())
    second_key = maildir.add(postfix_dsn())
    record = bounce_intake.bounce_record
    calls = []

    def flaky(*, raw_message):
        calls.append(raw_message)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return record(raw_message=raw_message)

    monkeypatch.setattr(bounce_intake, "bounce_record", flaky)
    names = sorted(os.listdir(tmp_path / "bounces" / "new"))

    # when
    with pytest.raises(CommandError) as refused:
        _run("--maildir", str(tmp_path / "bounces"))

    # then
    assert str(refused.value) == "1 of 2 messages had errors (see above)."
    assert InboundBounce.objects.count() == 1
    assert _listing(tmp_path / "bounces")["new"] == names[:1]
    assert {first_key, second_key} == set(names)

    # when: the database is back
    monkeypatch.setattr(bounce_intake, "bounce_record", record)
    out, _err = _run("--maildir", str(tmp_path / "bounces"))

    # then
    assert out.endswith("1 messages: 0 hard bounces, 0 soft, 1 not recognised, 0 received before, 0 with errors\n")
    assert InboundBounce.objects.count() == 2
    assert _listing(tmp_path / "bounces")["new"] == []


def test_the_periodic_job_reads_the_configured_maildir_and_is_off_without_one(tmp_path, settings):
    # given
    email = _sent_email()
    maildir = mailbox.Maildir(tmp_path / "bounces", create=True)
    maildir.add(postfix_dsn(message_id=email.message_id))

    # when: no Maildir configured
    settings.HTG_BOUNCE_MAILDIR = ""
    off = bounces_receive_task()

    # then
    assert off == "0 received from the Maildir (0 with errors), 0 pending processed"
    assert InboundBounce.objects.count() == 0

    # when
    settings.HTG_BOUNCE_MAILDIR = str(tmp_path / "bounces")
    result = bounces_receive_task()

    # then
    assert result == "1 received from the Maildir (0 with errors), 0 pending processed"
    assert InboundBounce.objects.get().outcome == InboundBounce.Outcome.HARD_BOUNCE
    assert _listing(tmp_path / "bounces")["new"] == []


def test_the_bounce_job_is_on_the_beat_schedule_every_minute():
    entry = app.conf.beat_schedule["bounces-receive"]
    assert entry == {"task": "notifications.tasks.bounces_receive_task", "schedule": 60.0}


def test_the_admin_lists_bounces_read_only_with_filters_and_shows_the_message(admin_client):
    # given
    email = _sent_email()
    call_command("email_bounces_receive", stdin=Stdin(postfix_dsn(message_id=email.message_id)), stdout=io.StringIO())
    call_command("email_bounces_receive", stdin=Stdin(GARBAGE), stdout=io.StringIO())
    hard = InboundBounce.objects.get(outcome=InboundBounce.Outcome.HARD_BOUNCE)
    changelist = reverse("admin:notifications_inboundbounce_changelist")

    # when
    listing = admin_client.get(changelist)
    filtered = admin_client.get(changelist, {"outcome__exact": "unrecognised"})
    detail = admin_client.get(reverse("admin:notifications_inboundbounce_change", args=[hard.pk]))
    add = admin_client.get(reverse("admin:notifications_inboundbounce_add"))

    # then
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 2
    assert "jan@vandam.example" in listing.content.decode()
    assert [bounce.outcome for bounce in filtered.context["cl"].result_list] == ["unrecognised"]
    content = detail.content.decode()
    assert detail.status_code == 200
    assert "Final-Recipient: rfc822; jan@vandam.example" in content
    assert reverse("admin:notifications_outboxemail_change", args=[email.pk]) in content
    assert 'name="outcome"' not in content  # nothing to edit
    assert add.status_code == 403
    assert admin_client.post(reverse("admin:notifications_inboundbounce_change", args=[hard.pk]), {}).status_code == 403


def test_the_admin_list_takes_the_same_queries_for_two_bounces_and_for_four(admin_client, django_assert_num_queries):
    # given
    changelist = reverse("admin:notifications_inboundbounce_changelist")
    for number in range(2):
        email = _sent_email(f"contact{number}@vandam.example")
        raw = postfix_dsn(message_id=email.message_id, address=email.to_address, bounce_id=f"{number}@mx.example")
        call_command("email_bounces_receive", stdin=Stdin(raw), stdout=io.StringIO())
    admin_client.get(changelist)  # the session and the content types are cached after the first request

    # when / then: session, user, the count (filtered and total), the page of rows with their e-mails, the date
    # hierarchy (first and last, the days), the action filter's values
    with django_assert_num_queries(8) as two:
        admin_client.get(changelist)
    for number in range(2, 4):
        call_command("email_bounces_receive", stdin=Stdin(GARBAGE + bytes([number])), stdout=io.StringIO())
    with django_assert_num_queries(len(two.captured_queries)):
        response = admin_client.get(changelist)
    assert response.context["cl"].result_count == 4
    assert all("raw_message" not in query["sql"] for query in two.captured_queries)

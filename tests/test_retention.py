"""Retention (AVG/GDPR): personal data past its period is removed or anonymised by the nightly job and by
`manage.py retention_run [--dry-run]`; the timeline and the figures stay intact. Before its time nothing changes;
a dry run changes nothing; a second run changes nothing more."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from connections.models import CallbackRequest, ConnectionEvent, Contact
from connections.services.retention import anonymised_address, retention_cutoff
from htg_migration.retention import retention_run
from imports.models import ImportBatch
from notifications.bounce_intake import bounce_receive
from notifications.models import InboundBounce, OutboxEmail, SuppressedAddress
from notifications.services import address_suppress
from portal.models import IntakeDraft
from reporting.selectors.build import dashboard_build
from tests.connections.factories import (
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    team_member,
    walk_to,
)
from tests.notifications.bounce_messages import postfix_dsn
from tests.notifications.factories import OutboxEmailFactory

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DAY = datetime.date(2020, 6, 30)


def _at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(3, 30), tzinfo=AMSTERDAM)


@pytest.fixture
def programme(programme_flows):
    """A closed company (every connection withdrawn) with a contact who has an account, e-mails, a suppression
    entry and a callback request; and a company still migrating."""
    actor = team_member()
    closed = CustomerFactory(legal_name="Gesloten B.V.")
    walk_to(ConnectionFactory(customer=closed), "withdrawn", actor)
    anna = ContactFactory(
        customer=closed, name="Anna de Boer", email="anna@gesloten.example", phone="+31 10 123 4567",
        user=UserFactory(is_staff=False, username="anna@gesloten.example", email="anna@gesloten.example"),
    )  # fmt: skip
    OutboxEmailFactory(to_address="anna@gesloten.example", body_text="Beste Anna de Boer, ...")
    address_suppress(address="anna@gesloten.example", reason="refused", detail="550")
    CallbackRequest.objects.create(
        customer=closed, reason="Vraag", contact_name="Anna de Boer", contact_phone="0101", due_at=_at(DAY)
    )
    open_ = CustomerFactory(legal_name="Open B.V.")
    walk_to(ConnectionFactory(customer=open_), "testing", actor)
    piet = ContactFactory(customer=open_, name="Piet Bakker", email="piet@open.example", phone="+31 20 765 4321")
    return anna, piet


def test_before_the_cutoff_no_contact_is_anonymised(programme):
    anna, _piet = programme
    cutoff = retention_cutoff()
    assert cutoff == DAY + datetime.timedelta(days=365)

    result = retention_run(now=_at(cutoff - datetime.timedelta(days=1)))

    assert result["contacts"] == 0
    anna.refresh_from_db()
    assert (anna.name, anna.email, anna.anonymised_at) == ("Anna de Boer", "anna@gesloten.example", None)


def test_a_dry_run_counts_and_changes_nothing(programme):
    anna, _piet = programme
    out = io.StringIO()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: _at(retention_cutoff()))
        call_command("retention_run", "--dry-run", stdout=out)

    assert "contacts: would change 1" in out.getvalue()
    anna.refresh_from_db()
    assert anna.name == "Anna de Boer"
    assert OutboxEmail.objects.filter(to_address="anna@gesloten.example").count() == 1


def test_after_the_cutoff_a_closed_company_s_contacts_go_everywhere_and_the_timeline_and_figures_stay(programme):
    # given
    anna, piet = programme
    events = list(ConnectionEvent.objects.order_by("id").values_list("id", "from_state", "to_state", "created_at"))
    figures = dashboard_build(as_of=DAY, today=DAY)
    when = _at(retention_cutoff())

    # when: the nightly job, twice
    first = retention_run(now=when)
    second = retention_run(now=when)

    # then: the closed company's contact is gone from the contact, the account, the e-mails, the suppression list
    # and the callback request; the open company's contact is untouched
    assert (first["contacts"], second["contacts"]) == (1, 0)
    anna.refresh_from_db()
    anna_address = anonymised_address(anna.pk)
    assert (anna.name, anna.email, anna.phone) == ("—", anna_address, "")
    assert anna.anonymised_at == when
    anna.user.refresh_from_db()
    assert (anna.user.username, anna.user.email, anna.user.is_active) == (f"anonymised-{anna.user.pk}", "", False)
    assert not anna.user.has_usable_password()
    email = OutboxEmail.objects.get(to_address=anna_address)
    assert (email.body_text, email.body_html) == ("", "")
    assert not OutboxEmail.objects.filter(to_address__icontains="gesloten").exists()
    assert not SuppressedAddress.objects.filter(address="anna@gesloten.example").exists()
    assert list(CallbackRequest.objects.values_list("contact_name", "contact_phone")) == [("—", "")]
    piet.refresh_from_db()
    assert (piet.name, piet.email, piet.anonymised_at) == ("Piet Bakker", "piet@open.example", None)
    assert not Contact.objects.filter(name="Anna de Boer").exists()
    # the timeline and the figures as they were
    assert list(ConnectionEvent.objects.order_by("id").values_list("id", "from_state", "to_state", "created_at")) == (
        events
    )
    assert dashboard_build(as_of=DAY, today=DAY) == figures


def test_drafts_sign_in_links_raw_bounces_and_import_files_go_after_their_own_periods(db, settings, tmp_path):
    from portal.models import PortalSignInLink

    # given: of each, one past its period and one within it
    settings.MEDIA_ROOT = str(tmp_path)
    now = _at(datetime.date(2020, 9, 1))
    old, recent = now - datetime.timedelta(days=91), now - datetime.timedelta(days=89)
    for address, when in (("old@x.example", old), ("new@x.example", recent)):
        IntakeDraft.objects.create(email=address, data={"legal_name": "X"}, created_at=when, updated_at=when)
        PortalSignInLink.objects.create(email=address, token_hash=address, created_at=when, expires_at=when)
    for number, when in ((1, old), (2, recent)):
        bounce_receive(raw_message=postfix_dsn(message_id=f"<m{number}@htg>", bounce_id=f"{number}@mail.example"))
        InboundBounce.objects.filter(pk=InboundBounce.objects.latest("id").pk).update(received_at=when)
    user = UserFactory()
    for name, when in (("oud.csv", old), ("nieuw.csv", recent)):
        batch = ImportBatch(created_by=user, original_name=name, file_format="csv", created_at=when)
        batch.file.save(name, ContentFile(b"eori;naam\nNL123456789;Anna de Boer\n"), save=True)
    old_file = ImportBatch.objects.get(original_name="oud.csv").file.path

    # when: a dry run, then the job twice
    dry = retention_run(now=now, dry_run=True)
    first = retention_run(now=now)
    second = retention_run(now=now)

    # then
    expected = {
        "bounce_messages": 1,
        "contacts": 0,
        "import_files": 1,
        "intake_drafts": 1,
        "sign_in_links": 1,
        "submit_tokens": 0,
    }
    assert dry == first == expected
    assert set(second.values()) == {0}
    assert list(IntakeDraft.objects.values_list("email", flat=True)) == ["new@x.example"]
    assert list(PortalSignInLink.objects.values_list("email", flat=True)) == ["new@x.example"]
    raw = dict(InboundBounce.objects.values_list("received_at", "raw_message"))
    assert bytes(raw[old]) == b"" and bytes(raw[recent]) != b""
    assert InboundBounce.objects.get(received_at=old).raw_size > 0  # what was read from it stays
    files = dict(ImportBatch.objects.values_list("original_name", "file"))
    assert files["oud.csv"] == "" and files["nieuw.csv"].endswith(".csv")
    assert not (tmp_path / old_file).exists()

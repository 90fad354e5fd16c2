"""The README's run command starts a demo in which every page has something to show (issue 14, item 17): the demo
loader of `dev.py run` (its DEMO_COMMANDS, in order) on an empty database, on the demo date 15 May 2020."""

import datetime
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

import dev
from community.models import Document, NewsItem, NewsSending
from community.selectors.news import news_published
from connections.models import CallbackRequest, Connection, Contact, Customer, Escalation, Slot
from connections.selectors.slots import slot_free_list
from connections.services.demo.workspace import DEMO_PORTAL_CONTACTS
from htg_migration import clock
from notifications.models import OutboxEmail
from plateaus.models import Plateau
from reporting.models import WeeklyReport

pytestmark = pytest.mark.django_db

DEMO_DATE = datetime.date(2020, 5, 15)


@pytest.fixture
def demo(settings, tmp_path):
    """The demo loaded as `dev.py run` loads it (its environment: the clock pinned, DEBUG on); each command's
    output by name."""
    settings.HTG_CLOCK_DATE = DEMO_DATE
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    assert DEMO_DATE.isoformat() == dev.DEMO_DATE
    assert not Customer.objects.exists() and not NewsItem.objects.exists() and not Slot.objects.exists()
    outputs = {}
    for command in dev.DEMO_COMMANDS:
        output = io.StringIO()
        call_command(*command, stdout=output)
        outputs[command[0]] = output.getvalue()
    return outputs


def _signed_in(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def test_every_open_plateau_has_free_slots_in_its_booking_window(demo):
    # given: the plateaus whose booking window is open on the demo date (all three, in the reference data)
    open_plateaus = [
        plateau
        for plateau in Plateau.objects.order_by("number")
        if plateau.booking_window_start and plateau.booking_window_start <= DEMO_DATE <= plateau.booking_window_end
    ]
    assert [plateau.number for plateau in open_plateaus] == [1, 2, 3]

    for plateau in open_plateaus:
        # when: a connection of the plateau that waits for a slot looks for one
        connection = (
            Connection.objects.select_related("flow__plateau")
            .filter(flow__plateau=plateau, state="slot_offered")
            .first()
        )
        assert connection is not None, plateau.number
        free = slot_free_list(connection=connection, now=clock.now())

        # then: slots to choose from, all inside the window
        assert len(free) > 0, plateau.number
        assert all(plateau.booking_window_start <= slot.starts_at.date() <= plateau.booking_window_end for slot in free)
    # and no slot on a weekend or a Dutch public holiday (Ascension Day, Whit Monday)
    days = {starts_at.date() for starts_at in Slot.objects.values_list("starts_at", flat=True)}
    assert days and not days & {datetime.date(2020, 5, 21), datetime.date(2020, 6, 1)}
    assert all(day.weekday() < 5 for day in days)


def test_the_team_pages_have_something_to_show(demo, client):
    # the slot planning page: capacity in the coming four weeks
    team = _signed_in(client, "team")
    page = team.get("/team/slots/")
    assert page.status_code == 200 and len(page.context["capacity"]) > 0

    # open escalations in the core team's queue, open callback requests in the team's
    assert Escalation.objects.filter(closed_at__isnull=True).count() > 0
    assert CallbackRequest.objects.filter(status="open").count() > 0
    assert len(set(CallbackRequest.objects.values_list("customer_id", flat=True))) == CallbackRequest.objects.count()
    assert team.get("/team/callbacks/").status_code == 200
    core = _signed_in(client, "core")
    queue = core.get("/team/escalations/")
    assert queue.status_code == 200
    assert "No response to two reminders" in queue.content.decode()

    # news (sent ones and a draft) and documents
    assert news_published().count() >= 2
    assert NewsItem.objects.filter(published_at__isnull=True).count() >= 1
    assert NewsSending.objects.filter(status="finished").count() >= 2
    assert Document.objects.count() >= 2
    assert core.get("/team/news/").status_code == 200 and core.get("/team/documents/").status_code == 200

    # a weekly report of the demo week
    report = WeeklyReport.objects.get()
    assert (report.week_start, report.as_of) == (datetime.date(2020, 5, 11), DEMO_DATE)
    assert bytes(report.pdf).startswith(b"%PDF") and len(report.xlsx) > 0

    # and the loader e-mailed nobody
    assert OutboxEmail.objects.count() == 0


def test_the_hub_and_the_supplier_sign_in_addresses_are_printed_with_the_staff_users(demo, client):
    # then: the staff users and, below them, the portal addresses of a hub with clients and a software supplier
    printed = demo["demo_users"]
    assert "team      password htg-demo-team" in printed
    assert "Companies sign in at" in printed
    for role, address, _name, _description in DEMO_PORTAL_CONTACTS:
        contact = Contact.objects.select_related("customer").get(email=address)
        assert contact.customer.role == role and contact.is_primary
        assert f"{address:<31} {role.replace('_', ' '):<18} {contact.customer.legal_name}" in printed
    hub = Contact.objects.get(email="hub@portal.demo.example").customer
    assert hub.clients.count() > 0

    # and the community area has news and documents for them
    client.force_login(_portal_user("hub@portal.demo.example"))
    page = client.get("/portal/community/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Plan your slot before 19 June" in content or "Plan uw slot vóór 19 juni" in content


def _portal_user(address):
    from portal.services.sign_in import contact_user_ensure

    contact = Contact.objects.get(email=address)
    return contact.user or contact_user_ensure(contact=contact)


def test_running_the_loader_again_adds_nothing(demo):
    # given
    counts = (
        Customer.objects.count(),
        Slot.objects.count(),
        Escalation.objects.count(),
        CallbackRequest.objects.count(),
        NewsItem.objects.count(),
        Document.objects.count(),
        WeeklyReport.objects.count(),
        Contact.objects.count(),
    )

    # when: `dev.py run` a second time on the same database
    for command in dev.DEMO_COMMANDS:
        call_command(*command, stdout=io.StringIO())

    # then
    assert (
        Customer.objects.count(),
        Slot.objects.count(),
        Escalation.objects.count(),
        CallbackRequest.objects.count(),
        NewsItem.objects.count(),
        Document.objects.count(),
        WeeklyReport.objects.count(),
        Contact.objects.count(),
    ) == counts

"""The companies' portal in a real browser: booking and rescheduling a slot, both confirmations, a problem report,
a hub acting for its client, the HTG Community area, the team's documents page; axe-core on every page."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from community.models import Document, NewsItem
from community.services.documents import document_upload
from connections.models import CallbackRequest, ConnectionEvent, SlotBooking
from connections.services.slots import availability_publish
from connections.services.transitions import connection_transition
from plateaus.models import MessageFlow
from tests.browser.conftest import assert_accessible, staff_user
from tests.connections.factories import ConnectionFactory, CustomerFactory, UserFactory, team_member, walk_to
from tests.connections.portal_factories import company_contact, hub_with_client
from tests.notifications.document_files import PDF, upload

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MONDAY = datetime.date(2020, 5, 18)
AMSTERDAM = datetime.timezone(datetime.timedelta(hours=2))


@pytest.fixture(autouse=True)
def pinned(settings, tmp_path):
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)
    settings.MEDIA_ROOT = tmp_path / "media"


def sign_in_company(page, live_server, user):
    """A signed-in company session, as the e-mailed sign-in link leaves it (that page is another part's)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _slots(member):
    availability_publish(team_member=member, date=MONDAY, start_time=datetime.time(9), end_time=datetime.time(12))


def _no_horizontal_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_a_company_books_then_reschedules_its_slot(page, live_server):
    # given: a company offered a slot, and three free slots on Monday
    walker = UserFactory(is_superuser=True)
    _slots(team_member(first_name="Tessa", last_name="de Vries"))
    contact = company_contact(legal_name="Van Dam Logistiek B.V.")
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    sign_in_company(page, live_server, contact.user)

    # when: it opens its connection
    page.goto(f"{live_server.url}/portal/connections/{connection.pk}/")

    # then
    expect(page.get_by_role("heading", name="AGS for Van Dam Logistiek B.V.", level=1)).to_be_visible()
    expect(page.get_by_text("Book one of the offered slots in the portal.")).to_be_visible()
    assert_accessible(page)

    # when: it books Monday 10:00
    page.get_by_role("link", name="Book a slot").click()
    expect(page.get_by_role("heading", name="Book a slot for Van Dam Logistiek B.V., AGS")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Monday 18 May 2020 10:00–11:00").check()
    page.get_by_role("button", name="Book this slot").click()

    # then: the confirmation page, and the connection's page from there
    expect(page.get_by_role("heading", name="Your session is booked", level=1)).to_be_visible()
    expect(page.get_by_text("Monday 18 May 2020 10:00–11:00")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back to the connection").click()
    expect(page.get_by_role("region", name="Where this connection stands")).to_contain_text("Slot booked")
    assert_accessible(page)

    # when: it moves the slot to 11:00
    page.get_by_role("link", name="Reschedule the slot").click()
    expect(page.get_by_role("region", name="Current booking")).to_contain_text("Monday 18 May 2020 10:00–11:00")
    assert_accessible(page)
    page.get_by_label("Monday 18 May 2020 11:00–12:00").check()
    page.get_by_role("button", name="Move to this slot").click()

    # then
    expect(page.get_by_role("heading", name="Your session is moved", level=1)).to_be_visible()
    expect(page.get_by_text("Monday 18 May 2020 11:00–12:00")).to_be_visible()
    active = SlotBooking.objects.get(connection=connection, cancelled_at__isnull=True)
    assert active.slot.starts_at == datetime.datetime(2020, 5, 18, 11, tzinfo=AMSTERDAM)
    assert SlotBooking.objects.filter(connection=connection, end_reason="rescheduled").count() == 1


def test_a_company_confirms_test_messages_then_ready_for_production(page, live_server):
    # given
    walker = UserFactory(is_superuser=True)
    contact = company_contact(legal_name="Kade Expeditie B.V.")
    connection = walk_to(ConnectionFactory(customer=contact.customer), "testing", walker)
    sign_in_company(page, live_server, contact.user)
    page.goto(f"{live_server.url}/portal/connections/{connection.pk}/")

    # then: only the first confirmation is possible now
    expect(page.get_by_role("button", name="Confirm: ready for production")).to_have_count(0)
    assert_accessible(page)

    # when
    page.get_by_role("button", name="Confirm: test messages sent").click()

    # then: the confirmation page, and the connection's page from there
    expect(page.get_by_role("heading", name="Thank you: your confirmation is recorded", level=1)).to_be_visible()
    expect(page.get_by_text("Company confirmed: test messages sent")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back to the connection").click()
    expect(page.get_by_role("region", name="Confirmations")).to_contain_text("Company confirmed: test messages sent")

    # when: the team passes the test, and the company confirms it is ready for production
    connection_transition(connection_id=connection.pk, transition="pass_test", actor=walker)
    page.reload()
    page.get_by_role("button", name="Confirm: ready for production").click()

    # then
    expect(page.get_by_role("heading", name="Thank you: your confirmation is recorded", level=1)).to_be_visible()
    expect(page.get_by_text("Company confirmed: ready for production")).to_be_visible()
    assert list(
        ConnectionEvent.objects.filter(connection=connection, actor=contact.user).values_list("transition", flat=True)
    ) == ["confirm_test_messages_sent", "confirm_ready_for_production"]
    assert_accessible(page)


def test_a_company_reports_a_problem_after_migration(page, live_server):
    # given
    contact = company_contact(legal_name="Haven Cargo B.V.")
    connection = walk_to(ConnectionFactory(customer=contact.customer), "live", UserFactory(is_superuser=True))
    sign_in_company(page, live_server, contact.user)
    page.goto(f"{live_server.url}/portal/connections/{connection.pk}/")

    # when: it sends the form without a description
    page.get_by_role("link", name="Report a problem with this connection").click()
    assert_accessible(page)
    page.get_by_role("button", name="Send the report").click()

    # then: the error summary links to the field
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Your report was not sent")
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("What goes wrong?")).to_be_focused()

    # when: complete
    page.get_by_label("What goes wrong?").fill("AGS replies stopped at 09:00")
    page.get_by_label("Urgent: messages are not getting through at all").check()
    page.get_by_role("button", name="Send the report").click()

    # then: the reference and what happens next
    expect(page.get_by_role("heading", name="Thank you: your problem is reported")).to_be_visible()
    callback = CallbackRequest.objects.get(connection=connection)
    expect(page.get_by_text(f"P-{callback.pk:06d}")).to_be_visible()
    assert (callback.urgency, callback.get_reason_text()) == (
        "urgent",
        "Problem after migration (AGS), reported in the portal: AGS replies stopped at 09:00",
    )
    assert_accessible(page)


def test_a_hub_finds_its_client_and_books_a_slot_for_it_on_a_phone(page, live_server):
    # given: a hub with two clients; one waits for a slot
    walker = UserFactory(is_superuser=True)
    _slots(team_member())
    hub, first = hub_with_client(legal_name="Alfa Transport B.V.")
    hub_with_client(legal_name="Alfa Other Hub B.V.")  # someone else's client, never shown
    second = CustomerFactory(legal_name="Bravo Cargo B.V.", hub=hub.customer)
    offered = walk_to(ConnectionFactory(customer=first), "slot_offered", walker)
    ConnectionFactory(customer=second, flow=MessageFlow.objects.get(code="CID"))
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_company(page, live_server, hub.user)

    # when
    page.goto(f"{live_server.url}/portal/clients/")

    # then
    expect(page.get_by_role("heading", name="Your clients", level=1)).to_be_visible()
    expect(page.get_by_role("heading", level=2)).to_have_count(2)  # a card per client
    expect(page.get_by_text("Alfa Other Hub B.V.")).to_have_count(0)
    assert_accessible(page)
    _no_horizontal_scroll(page)

    # when: it searches and opens the client's AGS flow
    page.get_by_label("Name or HTG number").fill("alfa")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=2)).to_have_count(1)
    page.get_by_role("link", name="AGS of Alfa Transport B.V.").click()

    # then: it acts for the client
    expect(page.get_by_text("You are acting for your client Alfa Transport B.V")).to_be_visible()
    assert_accessible(page)
    _no_horizontal_scroll(page)

    # when
    page.get_by_role("link", name="Book a slot").click()
    _no_horizontal_scroll(page)
    page.get_by_label("Monday 18 May 2020 09:00–10:00").check()
    page.get_by_role("button", name="Book this slot").click()

    # then
    expect(page.get_by_role("heading", name="Your session is booked", level=1)).to_be_visible()
    expect(page.get_by_text("Monday 18 May 2020 09:00–10:00")).to_be_visible()
    _no_horizontal_scroll(page)
    booking = SlotBooking.objects.get(connection=offered)
    assert booking.booked_by == hub.user


def test_the_community_area_news_newsletters_and_documents(page, live_server):
    # given
    for day in (3, 20):
        NewsItem.objects.create(
            title_nl=f"Nieuws {day} april",
            title_en=f"News of {day} April",
            body_nl="Tekst",
            body_en="Plateau 3 opens for NVWA flows.",
            published_at=datetime.datetime(2020, 4, day, 9, tzinfo=AMSTERDAM),
        )
    document_upload(
        title_nl="Specificatie AGS",
        title_en="AGS message specification",
        kind="specification",
        uploaded_file=upload("ags.pdf", PDF),
        uploaded_by=None,
        plateau_number=1,
    )
    contact = company_contact()
    sign_in_company(page, live_server, contact.user)

    # when / then: the overview
    page.goto(f"{live_server.url}/portal/community/")
    expect(page.get_by_role("heading", name="HTG Community", level=1)).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})  # and on a phone
    for path in ("", "news/", "newsletters/", "documents/"):
        page.goto(f"{live_server.url}/portal/community/{path}")
        _no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/portal/community/")

    # the news, newest first, and one item
    page.get_by_role("navigation", name="HTG Community").get_by_role("link", name="News", exact=True).click()
    expect(page.get_by_role("article")).to_have_count(2)
    expect(page.get_by_role("article").first).to_contain_text("News of 20 April")
    assert_accessible(page)
    page.get_by_role("link", name="News of 3 April").click()
    expect(page.get_by_text("Plateau 3 opens for NVWA flows.")).to_be_visible()
    assert_accessible(page)

    # the newsletter archive
    page.goto(f"{live_server.url}/portal/community/newsletters/")
    expect(page.get_by_role("heading", name="April 2020")).to_be_visible()
    assert_accessible(page)

    # the documents, and a download
    page.goto(f"{live_server.url}/portal/community/documents/")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="AGS message specification").click()
    download = download_info.value
    assert download.suggested_filename == "ags.pdf"
    with open(download.path(), "rb") as downloaded:
        assert downloaded.read() == PDF


def test_the_team_publishes_a_document_on_its_page(page, live_server):
    # given
    staff_user(team_member, "tessa")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("tessa")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()

    # when
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Documents").click()

    # then
    expect(page.get_by_role("heading", name="Documents for the HTG Community area")).to_be_visible()
    assert_accessible(page)

    # when: an impostor, then a real PDF
    page.get_by_label("Title (Dutch)").fill("Planning plateau 2")
    page.get_by_label("Title (English)").fill("Plateau 2 schedule")
    page.get_by_label("Kind").select_option("schedule")
    page.get_by_label("File").set_input_files(
        files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"GIF89a"}]
    )
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("alert")).to_contain_text("The content of this file is not PDF")
    assert_accessible(page)
    assert Document.objects.count() == 0
    page.get_by_label("File").set_input_files(
        files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Publish").click()

    # then
    expect(page.get_by_text("Published in the HTG Community area: Plateau 2 schedule.")).to_be_visible()
    expect(page.get_by_role("cell", name="plan.pdf")).to_be_visible()
    assert_accessible(page)

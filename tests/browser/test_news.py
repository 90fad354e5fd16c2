"""The team writes a news item in Dutch and English, corrects a mistake, previews it, changes it, confirms the segment,
the number of recipients and both previews, and sends it; then it can no longer be changed."""

import re

import pytest
from playwright.sync_api import expect

from community.models import NewsSending
from connections.services.staff import staff_groups_sync
from notifications.models import OutboxEmail
from tests.browser.conftest import assert_accessible, sign_in, staff_user
from tests.browser.dutch_phone import check_dutch_and_phone
from tests.connections.factories import ContactFactory, CustomerFactory, team_member

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_write_a_news_item_with_a_mistake_corrected_then_send_it_to_hubs(page, live_server, chromium_browser):
    # given: a hub with a Dutch contact and a direct company that is not in the segment
    staff_groups_sync()
    staff_user(team_member, "tessa")
    ContactFactory(customer=CustomerFactory(role="hub"), email="hub@hub.example", language="nl")
    ContactFactory(customer=CustomerFactory(), email="direct@company.example", language="en")

    # when: she writes an item but forgets the English title
    sign_in(page, live_server, "tessa", "correct horse battery staple")
    page.goto(f"{live_server.url}/team/news/")
    assert_accessible(page)
    page.get_by_label("Title (Dutch)").fill("Plateau 2 gestart")
    page.get_by_label("Text (Dutch)").fill("Single Window is nu open voor migratie.")
    page.get_by_label("Text (English)").fill("Single Window is now open for migration.")
    page.get_by_role("button", name="Save and preview").click()

    # then: the error is shown and nothing was saved
    expect(page.get_by_text("The news item was not saved")).to_be_visible()
    assert_accessible(page)

    # when: she adds the title and saves
    page.get_by_label("Title (English)").fill("Plateau 2 has started")
    page.get_by_role("button", name="Save and preview").click()

    # then: both previews
    expect(page.get_by_role("heading", name=re.compile("Plateau 2 gestart"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Plateau 2 has started"))).to_be_visible()
    assert_accessible(page)
    detail_url = page.url

    # when: she changes the English text before sending
    page.get_by_role("link", name="Change the news item").click()
    assert_accessible(page)
    page.get_by_label("Text (English)").fill("Single Window is open for migration now.")
    page.get_by_role("button", name="Save and preview").click()
    expect(page.get_by_text("Single Window is open for migration now.")).to_be_visible()

    # when: she chooses hubs and software suppliers
    page.get_by_role("combobox", name="Send to").select_option(label="Hubs and software suppliers")
    page.get_by_role("button", name="Review and send").click()

    # then: the confirmation shows the group, one recipient and both previews; nothing is sent yet
    expect(page.get_by_role("heading", name="Confirm the sending", level=1)).to_be_visible()
    recipients = page.get_by_role("region", name="Recipients")
    expect(recipients).to_contain_text("Hubs and software suppliers")
    expect(recipients).to_contain_text("1 recipient")
    expect(page.get_by_role("region", name="Preview in Dutch")).to_contain_text("Single Window is nu open")
    expect(page.get_by_role("region", name="Preview in English")).to_contain_text("open for migration now")
    assert NewsSending.objects.count() == 0
    assert_accessible(page)
    confirm_path = page.url.removeprefix(live_server.url)
    check_dutch_and_phone(chromium_browser, live_server, "tessa", confirm_path, expect_text="Verzending bevestigen")

    # when: she sends it (a double click)
    page.get_by_role("button", name="Send to 1 recipient").dblclick()

    # then: the sending shows its progress, and only the hub's contact gets it, once, in Dutch
    expect(page.get_by_text("1 of 1")).to_be_visible()
    assert_accessible(page)
    emails = list(OutboxEmail.objects.filter(template_key="news.item").values_list("to_address", "language", "subject"))
    assert emails == [("hub@hub.example", "nl", "Plateau 2 gestart")]
    assert NewsSending.objects.count() == 1

    # and it can no longer be changed
    expect(page.get_by_text("This news item has been sent, so it can no longer be changed.")).to_be_visible()
    expect(page.get_by_role("link", name="Change the news item")).to_have_count(0)
    page.goto(f"{detail_url}edit/")
    expect(page.get_by_text("Nothing was changed.")).to_be_visible()
    assert_accessible(page)
    check_dutch_and_phone(chromium_browser, live_server, "tessa", "/team/news/", expect_text="Nieuws")

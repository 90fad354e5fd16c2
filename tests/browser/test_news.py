"""The team writes a news item in Dutch and English, corrects a mistake, previews it and sends it to a segment."""

import re

import pytest
from playwright.sync_api import expect

from connections.services.staff import staff_groups_sync
from notifications.models import OutboxEmail
from tests.browser.conftest import assert_accessible, sign_in, staff_user
from tests.connections.factories import ContactFactory, CustomerFactory, team_member

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_write_a_news_item_with_a_mistake_corrected_then_send_it_to_hubs(page, live_server):
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

    # then: both previews, and she sends it to hubs and software suppliers
    expect(page.get_by_role("heading", name=re.compile("Plateau 2 gestart"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Plateau 2 has started"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("combobox", name="Send to").select_option(label="Hubs and software suppliers")
    page.get_by_role("button", name="Send").click()

    # then: the sending shows its progress, and only the hub's contact gets it, in Dutch
    expect(page.get_by_text("1 of 1")).to_be_visible()
    assert_accessible(page)
    emails = list(OutboxEmail.objects.filter(template_key="news.item").values_list("to_address", "language", "subject"))
    assert emails == [("hub@hub.example", "nl", "Plateau 2 gestart")]

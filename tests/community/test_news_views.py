"""The team's news pages: who may open them, writing an item (with errors first), sending it to a segment."""

import pytest
from django.urls import reverse

from community.models import NewsItem, NewsSending
from community.services.news import news_item_create, news_item_digest, news_sending_start
from notifications.models import OutboxEmail
from tests.connections.factories import ContactFactory, CustomerFactory, helpdesk_member, team_member
from tests.submit_tokens import fresh_submit_token, page_submit_token

pytestmark = pytest.mark.django_db

LIST = "/team/news/"
VALID = {
    "title_nl": "Plateau 3 gaat open",
    "body_nl": "Vanaf maandag kunt u plannen.",
    "title_en": "Plateau 3 opens",
    "body_en": "From Monday you can plan.",
}


def news_item(title_en: str = "Plateau 3 opens", created_by=None) -> NewsItem:
    return news_item_create(**{**VALID, "title_en": title_en}, created_by=created_by)


@pytest.fixture
def member():
    return team_member(first_name="Tessa", last_name="Team")


@pytest.fixture
def team_client(client, member):
    client.force_login(member)
    return client


def test_signed_out_goes_to_the_login(client):
    item = news_item()
    for url, method in (
        (LIST, "get"),
        (f"{LIST}{item.pk}/", "get"),
        (f"{LIST}{item.pk}/edit/", "get"),
        (f"{LIST}{item.pk}/edit/", "post"),
        (f"{LIST}{item.pk}/confirm/", "get"),
        (f"{LIST}{item.pk}/send/", "post"),
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_helpdesk_may_not_open_or_send(client):
    # given
    item = news_item()
    ContactFactory()
    client.force_login(helpdesk_member())

    # when / then
    assert client.get(LIST).status_code == 403
    assert client.post(LIST, VALID).status_code == 403
    assert client.get(f"{LIST}{item.pk}/").status_code == 403
    assert client.post(f"{LIST}{item.pk}/send/", {"segment": "everyone"}).status_code == 403
    assert client.get(f"{LIST}{item.pk}/edit/").status_code == 403
    assert client.post(f"{LIST}{item.pk}/edit/", VALID).status_code == 403
    assert client.get(f"{LIST}{item.pk}/confirm/", {"segment": "everyone"}).status_code == 403
    assert (NewsItem.objects.count(), NewsSending.objects.count()) == (1, 0)


def test_the_nav_links_the_news_for_the_team(team_client):
    assert 'href="/team/news/"' in team_client.get("/team/connections/").content.decode()


def test_writing_with_a_missing_field_shows_the_error_then_a_complete_item_is_saved(team_client, member):
    # when: the English text is missing
    response = team_client.post(
        LIST, {**VALID, "body_en": "  ", "submit_token": page_submit_token(team_client.get(LIST))}
    )

    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {"body_en": ["Fill in “Text (English)”."]}
    assert "The news item was not saved" in response.content.decode()
    assert NewsItem.objects.count() == 0

    # when: complete
    response = team_client.post(LIST, {**VALID, "submit_token": page_submit_token(response)})

    # then: saved, and the preview shows both languages
    item = NewsItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{item.pk}/"
    assert (item.title_nl, item.body_en, item.created_by, item.published_at) == (
        "Plateau 3 gaat open",
        "From Monday you can plan.",
        member,
        None,
    )
    page = team_client.get(response["Location"]).content.decode()
    assert "Vanaf maandag kunt u plannen." in page and "From Monday you can plan." in page


def test_choosing_a_segment_without_the_plateau_shows_the_error_and_sends_nothing(team_client):
    # given
    item = news_item()
    ContactFactory()

    # when
    response = team_client.get(f"{LIST}{item.pk}/confirm/", {"segment": "plateau", "plateau": ""})

    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {"plateau": ["Choose a plateau."]}
    assert NewsSending.objects.count() == 0


def _confirm(team_client, item, **query):
    """The confirmation step for a segment; the form it shows, as a browser would post it."""
    response = team_client.get(f"{LIST}{item.pk}/confirm/", query)
    assert response.status_code == 200, response.content.decode()[:2000]
    data = {
        "segment": query["segment"],
        "plateau": query.get("plateau", ""),
        "flow": query.get("flow", ""),
        "digest": response.context["digest"],
        "submit_token": page_submit_token(response),
    }
    return response, data


def test_the_confirmation_shows_the_segment_the_recipients_and_both_previews_and_sends_nothing(team_client):
    # given: two hubs and a direct company
    item = news_item()
    ContactFactory(customer=CustomerFactory(role="hub"), email="hub@a.example")
    ContactFactory(customer=CustomerFactory(role="software_supplier"), email="supplier@b.example")
    ContactFactory(email="direct@c.example")

    # when
    response, _data = _confirm(team_client, item, segment="hubs_and_suppliers")

    # then
    page = response.content.decode()
    assert "Hubs and software suppliers" in page
    assert '<dd id="recipient-count">2 recipients</dd>' in page
    assert "Plateau 3 gaat open" in page and "Vanaf maandag kunt u plannen." in page
    assert "Plateau 3 opens" in page and "From Monday you can plan." in page
    assert "Send to 2 recipients" in page
    assert (NewsSending.objects.count(), OutboxEmail.objects.count()) == (0, 0)


def test_an_empty_segment_is_refused_at_the_confirmation(team_client):
    # given: nobody is a hub
    item = news_item()
    ContactFactory()

    # when
    response = team_client.get(f"{LIST}{item.pk}/confirm/", {"segment": "hubs_and_suppliers"})

    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "segment": ["Nobody is in this group: there is no one to send the news to."]
    }
    assert NewsSending.objects.count() == 0


def test_sending_from_the_confirmation_queues_the_emails_and_shows_the_progress(
    team_client, member, django_capture_on_commit_callbacks
):
    # given
    item = news_item()
    ContactFactory(customer=CustomerFactory(role="hub"), email="hub@a.example")
    ContactFactory(email="direct@b.example")
    _page, data = _confirm(team_client, item, segment="hubs_and_suppliers")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = team_client.post(f"{LIST}{item.pk}/send/", data)

    # then
    assert response.status_code == 302
    sending = NewsSending.objects.get()
    assert (sending.news_item, sending.started_by, sending.status, sending.queued_count, sending.total) == (
        item,
        member,
        "finished",
        1,
        1,
    )
    assert list(OutboxEmail.objects.values_list("to_address", flat=True)) == ["hub@a.example"]
    page = team_client.get(f"{LIST}{item.pk}/").content.decode()
    assert "Hubs and software suppliers" in page
    assert 'value="1"' in page and "1 of 1" in page


def test_sending_without_the_confirmations_submit_code_is_refused_and_sends_nothing(team_client):
    # given: a post that skips the confirmation (as the old form did)
    item = news_item()
    ContactFactory()

    # when
    response = team_client.post(f"{LIST}{item.pk}/send/", {"segment": "everyone"})

    # then: the confirmation with the reason, and a new code to send from there
    assert response.status_code == 400
    page = response.content.decode()
    assert "its submit code is missing or not valid. Nothing was saved." in page
    assert "Send to 1 recipient" in page
    page_submit_token(response)
    assert (NewsSending.objects.count(), OutboxEmail.objects.count()) == (0, 0)
    item.refresh_from_db()
    assert item.published_at is None


def test_the_confirmation_sent_twice_sends_once(team_client, django_capture_on_commit_callbacks):
    # given
    item = news_item()
    ContactFactory(email="direct@b.example")
    _page, data = _confirm(team_client, item, segment="everyone")

    # when: a double click
    with django_capture_on_commit_callbacks(execute=True):
        first = team_client.post(f"{LIST}{item.pk}/send/", data)
        second = team_client.post(f"{LIST}{item.pk}/send/", data)

    # then: one sending, one e-mail, the same answer twice
    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == second["Location"] == f"{LIST}{item.pk}/#sendings"
    assert NewsSending.objects.count() == 1
    assert OutboxEmail.objects.count() == 1


def test_a_text_changed_after_the_confirmation_is_not_sent(team_client):
    # given: the confirmation is open, then a colleague changes the text
    item = news_item()
    ContactFactory()
    _page, data = _confirm(team_client, item, segment="everyone")
    team_client.post(f"{LIST}{item.pk}/edit/", {**VALID, "body_en": "From Tuesday you can plan."})

    # when
    response = team_client.post(f"{LIST}{item.pk}/send/", data)

    # then
    assert response.status_code == 409
    assert "This news item was changed after you opened the confirmation" in response.content.decode()
    assert (NewsSending.objects.count(), OutboxEmail.objects.count()) == (0, 0)


def test_a_saved_item_can_be_changed_until_it_is_sent(team_client):
    # given
    item = news_item()

    # when
    form = team_client.get(f"{LIST}{item.pk}/edit/")
    response = team_client.post(f"{LIST}{item.pk}/edit/", {**VALID, "title_en": "  Plateau 3 opened  "})

    # then: the form had the item's text; the change is saved and previewed
    assert form.status_code == 200
    assert form.context["form"]["title_nl"].value() == "Plateau 3 gaat open"
    assert response.status_code == 302 and response["Location"] == f"{LIST}{item.pk}/"
    item.refresh_from_db()
    assert (item.title_en, item.title_nl, item.published_at) == ("Plateau 3 opened", "Plateau 3 gaat open", None)
    page = team_client.get(response["Location"]).content.decode()
    assert "Plateau 3 opened" in page and f'href="{LIST}{item.pk}/edit/"' in page


def test_a_change_with_an_empty_field_is_refused_and_changes_nothing(team_client):
    item = news_item()
    response = team_client.post(f"{LIST}{item.pk}/edit/", {**VALID, "body_nl": " "})
    assert response.status_code == 400
    assert response.context["form"].errors == {"body_nl": ["Fill in “Text (Dutch)”."]}
    item.refresh_from_db()
    assert item.body_nl == "Vanaf maandag kunt u plannen."


def test_a_sent_item_can_no_longer_be_changed(team_client):
    # given: the item was sent
    item = news_item()
    ContactFactory()
    news_sending_start(news_item_id=item.pk, segment="everyone", plateau=None, flow=None, started_by=None)
    item.refresh_from_db()
    before = (item.title_nl, item.title_en, item.body_nl, item.body_en, news_item_digest(item))

    # when
    opened = team_client.get(f"{LIST}{item.pk}/edit/")
    posted = team_client.post(f"{LIST}{item.pk}/edit/", {**VALID, "title_en": "Rewritten"})

    # then: a conflict with the reason, and nothing changed; the item's page offers no change
    message = "This news item has been sent, so it can no longer be changed. Nothing was changed."
    for response in (opened, posted):
        assert response.status_code == 409
        assert message in response.content.decode()
    item.refresh_from_db()
    assert (item.title_nl, item.title_en, item.body_nl, item.body_en, news_item_digest(item)) == before
    assert f'href="{LIST}{item.pk}/edit/"' not in team_client.get(f"{LIST}{item.pk}/").content.decode()


def test_a_fresh_token_from_another_page_still_needs_the_segment(team_client):
    item = news_item()
    response = team_client.post(f"{LIST}{item.pk}/send/", {"segment": "nope", "submit_token": fresh_submit_token()})
    assert response.status_code == 400
    assert NewsSending.objects.count() == 0


def test_the_list_shows_the_items_latest_first_in_a_fixed_number_of_queries(
    team_client, member, django_assert_num_queries
):
    # given
    first = news_item(title_en="First news", created_by=member)
    second = news_item(title_en="Second news", created_by=team_member())
    NewsSending.objects.create(news_item=first, segment={"segment": "everyone"}, total=3)

    # when: the session, the user, their groups, the items with their writers and sending counts
    with django_assert_num_queries(4):
        response = team_client.get(LIST)

    # then
    assert response.status_code == 200
    assert [item.pk for item in response.context["news_items"]] == [second.pk, first.pk]
    assert [item.sending_count for item in response.context["news_items"]] == [0, 1]

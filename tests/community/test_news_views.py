"""The team's news pages: who may open them, writing an item (with errors first), sending it to a segment."""

import pytest
from django.urls import reverse

from community.models import NewsItem, NewsSending
from community.services.news import news_item_create
from notifications.models import OutboxEmail
from tests.connections.factories import ContactFactory, CustomerFactory, helpdesk_member, team_member
from tests.submit_tokens import page_submit_token

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
    for url, method in ((LIST, "get"), (f"{LIST}{item.pk}/", "get"), (f"{LIST}{item.pk}/send/", "post")):
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
    assert response.context["form"].errors == {"body_en": ["This field is required."]}
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


def test_sending_without_the_plateau_shows_the_error_and_sends_nothing(team_client):
    # given
    item = news_item()
    ContactFactory()

    # when
    response = team_client.post(f"{LIST}{item.pk}/send/", {"segment": "plateau", "plateau": ""})

    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {"plateau": ["Choose a plateau."]}
    assert NewsSending.objects.count() == 0


def test_sending_to_a_segment_queues_the_emails_and_shows_the_progress(
    team_client, member, django_capture_on_commit_callbacks
):
    # given
    item = news_item()
    ContactFactory(customer=CustomerFactory(role="hub"), email="hub@a.example")
    ContactFactory(email="direct@b.example")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = team_client.post(f"{LIST}{item.pk}/send/", {"segment": "hubs_and_suppliers"})

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

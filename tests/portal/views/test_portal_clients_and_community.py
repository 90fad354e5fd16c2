"""A hub's client list, and the HTG Community area (news, newsletter archive, documents) in the portal."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from community.models import NewsItem
from community.services.documents import document_upload
from connections.services.htg_numbers import customer_htg_number_issue
from tests.connections.factories import ConnectionFactory, CustomerFactory, UserFactory, team_member, walk_to
from tests.connections.portal_factories import company_contact, hub_with_client
from tests.notifications.document_files import PDF, upload

pytestmark = pytest.mark.django_db

AMSTERDAM = datetime.timezone(datetime.timedelta(hours=2))


@pytest.fixture(autouse=True)
def pinned_clock(settings, tmp_path):
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)
    settings.MEDIA_ROOT = tmp_path / "media"


def choose_language(client, language: str) -> None:
    """What the language switch in the header leaves behind (the portal ignores the browser's Accept-Language)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


def _cid(customer):
    from plateaus.models import MessageFlow

    return ConnectionFactory(customer=customer, flow=MessageFlow.objects.get(code="CID"))


# --- the hub's client list ---


def test_a_hub_sees_each_client_with_its_flows_states_and_next_steps_in_a_fixed_number_of_queries(
    client, django_assert_num_queries
):
    # given: a hub with three clients (one with two flows), someone else's client, and the hub's own connection
    walker = UserFactory(is_superuser=True)
    hub, first = hub_with_client(legal_name="Alfa Transport B.V.")
    walk_to(ConnectionFactory(customer=first), "slot_offered", walker)
    walk_to(_cid(first), "testing", walker)
    second = CustomerFactory(hub=hub.customer, legal_name="Bravo Cargo B.V.")
    ConnectionFactory(customer=second)
    CustomerFactory(hub=hub.customer, legal_name="Charlie Logistics B.V.")
    _other_hub, stranger = hub_with_client(legal_name="Aardvark Other Hub Client B.V.")
    ConnectionFactory(customer=hub.customer)
    client.force_login(hub.user)
    client.get(reverse("portal:clients"))  # warm the session

    # when: session, user, contact with its company, count, clients, their connections (whatever the number of rows)
    with django_assert_num_queries(6):
        response = client.get(reverse("portal:clients"))

    # then
    rows = [
        (customer.legal_name, [(c.flow.code, c.state) for c in customer.client_connections])
        for customer in response.context["page"].object_list
    ]
    assert rows == [
        ("Alfa Transport B.V.", [("AGS", "slot_offered"), ("CID", "testing")]),
        ("Bravo Cargo B.V.", [("AGS", "planned")]),
        ("Charlie Logistics B.V.", []),
    ]
    html = response.content.decode()
    assert "Book one of the offered slots in the portal." in html
    assert stranger.legal_name not in html


def test_the_client_list_finds_a_client_by_name_or_htg_number_and_pages(client, settings):
    hub, _alfa = hub_with_client(legal_name="Alfa Transport B.V.")
    bravo = CustomerFactory(hub=hub.customer, legal_name="Bravo Cargo B.V.")
    number = customer_htg_number_issue(customer_id=bravo.pk)
    client.force_login(hub.user)
    url = reverse("portal:clients")

    def names(**query):
        return [customer.legal_name for customer in client.get(url, query).context["page"].object_list]

    assert names(q="alfa") == ["Alfa Transport B.V."]
    assert names(q=number) == ["Bravo Cargo B.V."]
    assert names(q=number.replace("-", " ").lower()) == ["Bravo Cargo B.V."]
    assert names(q="nobody") == []
    # 30 clients: 25 on the first page, 5 on the second
    CustomerFactory.create_batch(28, hub=hub.customer)
    assert len(names()) == 25
    assert len(names(page=2)) == 5
    assert names(page="x") == names()


def test_a_direct_company_has_no_clients(client):
    contact = company_contact()
    CustomerFactory()  # served by nobody
    client.force_login(contact.user)

    response = client.get(reverse("portal:clients"))

    assert list(response.context["page"].object_list) == []
    assert "You have no clients registered with us." in response.content.decode()


# --- news and the newsletter archive ---


def _news(title, published_at):
    return NewsItem.objects.create(
        title_nl=f"{title} (nl)",
        title_en=f"{title} (en)",
        body_nl=f"Tekst van {title}",
        body_en=f"Text of {title}",
        published_at=published_at,
    )


def test_news_lists_only_sent_items_newest_first_in_the_readers_language_and_pages(client, django_assert_num_queries):
    # given: 12 sent items and a draft
    for day in range(1, 13):
        _news(f"Item {day}", datetime.datetime(2020, 4, day, 10, tzinfo=AMSTERDAM))
    draft = _news("Draft", None)
    client.force_login(company_contact().user)
    url = reverse("community:portal_news_list")
    client.get(url)

    # when
    choose_language(client, "en")
    with django_assert_num_queries(5):  # session, user, contact, count, page
        english = client.get(url)
    second_page = client.get(url, {"page": 2})
    choose_language(client, "nl")
    dutch = client.get(url)
    choose_language(client, "en")

    # then
    assert [entry.title for entry in english.context["entries"]] == [f"Item {day} (en)" for day in range(12, 2, -1)]
    assert [entry.title for entry in second_page.context["entries"]] == ["Item 2 (en)", "Item 1 (en)"]
    assert dutch.context["entries"][0].title == "Item 12 (nl)"
    assert client.get(reverse("community:portal_news_detail", args=[draft.pk])).status_code == 404
    detail = client.get(reverse("community:portal_news_detail", args=[draft.pk - 1]))
    assert detail.context["entry"].body == "Text of Item 12"


def test_the_newsletter_archive_groups_the_sent_items_by_month(client):
    _news("March", datetime.datetime(2020, 3, 31, 23, 30, tzinfo=AMSTERDAM))
    _news("April 1", datetime.datetime(2020, 4, 2, 9, tzinfo=AMSTERDAM))
    _news("April 2", datetime.datetime(2020, 4, 20, 9, tzinfo=AMSTERDAM))
    _news("Draft", None)
    client.force_login(company_contact().user)

    choose_language(client, "en")
    response = client.get(reverse("community:newsletter_archive"))

    assert [(month, [entry.title for entry in entries]) for month, entries in response.context["months"]] == [
        (datetime.date(2020, 4, 1), ["April 2 (en)", "April 1 (en)"]),
        (datetime.date(2020, 3, 1), ["March (en)"]),
    ]


# --- documents ---


def test_a_company_downloads_a_document_as_an_attachment_that_is_never_sniffed(client):
    document = document_upload(
        title_nl="Specificatie",
        title_en="Specification",
        kind="specification",
        uploaded_file=upload("ags-spec.pdf", PDF),
        uploaded_by=team_member(),
    )
    client.force_login(company_contact().user)

    choose_language(client, "nl")
    listing = client.get(reverse("community:portal_documents"))
    response = client.get(reverse("community:portal_document_download", args=[document.pk]))

    assert [(label, [title for _doc, title in docs]) for label, docs in listing.context["groups"]] == [
        ("Specificatie", ["Specificatie"]),
        ("Planning", []),
    ]
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="ags-spec.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_documents_are_not_served_publicly_nor_to_staff(client, settings):
    document = document_upload(
        title_nl="Planning",
        title_en="Schedule",
        kind="schedule",
        uploaded_file=upload("planning.pdf", PDF),
        uploaded_by=None,
    )
    url = reverse("community:portal_document_download", args=[document.pk])

    anonymous = client.get(url)
    media = client.get(f"/{settings.MEDIA_URL}{document.file.name}")
    client.force_login(team_member())
    staff = client.get(url)

    assert (anonymous.status_code, anonymous["Location"]) == (302, f"/portal/sign-in/?next={url}")
    assert media.status_code == 404
    assert staff.status_code == 404

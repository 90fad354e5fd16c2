"""Double submits are idempotent (security issue 12, item 5): the forms whose submit creates a row (the intake,
a problem report, a callback request, a news item, a news item's sending, a bulk job, an API token) carry a submit
token, so the same page sent three times at once makes one row and shows the same confirmation three times; a new
page (a new token) makes a new row; a missing or garbled token, or someone else's, is refused in the reader's
language and writes nothing.

The parallel tests run real requests in threads, each with its own database connection, on PostgreSQL. The three
requests meet at the form's service (a barrier around the view's call of it), so all three are inside the view,
their sessions read, before any of them writes: as at a triple click, and without depending on how fast a thread
starts.
"""

import importlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from api.models import ApiToken
from community.models import NewsItem, NewsSending
from community.services.news import news_item_create, news_item_digest
from connections.models import (
    BulkJob,
    BulkJobItem,
    CallbackRequest,
    Customer,
    HelpdeskContact,
    HtgNumberAllocation,
    SubmitToken,
)
from connections.services.staff import staff_groups_sync
from notifications.models import OutboxEmail
from portal.services.intake import intake_draft_save
from tests.conftest import run_in_threads
from tests.connections.factories import (
    ConnectionFactory,
    ContactFactory,
    UserFactory,
    helpdesk_member,
    team_member,
    walk_to,
)
from tests.connections.portal_factories import company_contact
from tests.portal.services.test_intake import valid_intake
from tests.portal.views.test_portal_account_views import _sign_in
from tests.submit_tokens import page_submit_token

REFUSED = {
    "en": "This form could not be sent: its submit code is missing or not valid. Nothing was saved. "
    "Please submit the form again.",
    "nl": "Dit formulier kon niet worden verzonden: de verzendcode ontbreekt of is ongeldig. Er is niets "
    "opgeslagen. Verstuur het formulier opnieuw.",
}
MESSAGE = re.compile(r'<p class="message message--\w+">([^<]*)</p>')
HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.DOTALL)


@dataclass
class Sender:
    """One person at one form: a browser of theirs (`browser()` gives a new one, with their cookies), the page the
    form is on, where it posts and what it posts besides its token."""

    browser: Callable[[], Client]
    page: str
    url: str
    data: dict


@dataclass(frozen=True)
class Form:
    name: str
    view_module: str  # the module whose view calls the service (patched there to make the requests meet)
    service: str
    model: type
    sender: Callable[[int], Sender]  # person 0, 1, ...: each their own account (or verified address) and company
    confirmation: Callable[[object], str]  # where the submit that made this row sends the browser
    rows: Callable[[], tuple[int, ...]]  # what one submit writes, counted
    per_submit: tuple[int, ...]
    refused_on_the_list: bool = False  # the bulk form: a refusal is a message on the list it came from


def _signed_in(user) -> Callable[[], Client]:
    def browser() -> Client:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        return client

    return browser


def _intake_sender(index: int) -> Sender:
    email = f"company{index}@new.example"
    data = valid_intake()
    data["contacts"][0]["email"] = email
    data.update(legal_name=f"Nieuw {index} B.V.", kvk_number=f"9990000{index}", eori=f"NL99900000{index}")
    first = Client()
    _sign_in(first, email)
    intake_draft_save(email=email, data=data, step="review")
    cookie = first.cookies[settings.SESSION_COOKIE_NAME].value

    def browser() -> Client:
        client = Client(raise_request_exception=False)
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
        return client

    review = reverse("portal:intake_step", args=["review"])
    return Sender(browser=browser, page=review, url=review, data={"action": "submit"})


def _problem_sender(index: int) -> Sender:
    contact = company_contact()
    connection = walk_to(ConnectionFactory(customer=contact.customer), "live", UserFactory(is_superuser=True))
    url = reverse("portal:problem_report", args=[connection.pk])
    return Sender(
        browser=_signed_in(contact.user),
        page=url,
        url=url,
        data={"description": "NCTS replies missing", "contact_name": "Anna", "contact_phone": "010 1234567"},
    )


def _callback_sender(index: int) -> Sender:
    staff_groups_sync()
    connection = ConnectionFactory()
    return Sender(
        browser=_signed_in(helpdesk_member()),
        page=reverse("helpdesk:helpdesk_customer", args=[connection.customer_id]),
        url=reverse("helpdesk:callback_request_create", args=[connection.customer_id]),
        data={
            "callback-connection": "",
            "callback-urgency": "normal",
            "callback-contact_name": "Anna de Boer",
            "callback-contact_phone": "010 123 4567",
            "callback-reason": "AGS messages bounce",
        },
    )


def _news_sender(index: int) -> Sender:
    staff_groups_sync()
    return Sender(
        browser=_signed_in(team_member()),
        page=reverse("community:news_list"),
        url=reverse("community:news_list"),
        data={"title_nl": "Plateau 3 open", "body_nl": "Vanaf maandag.", "title_en": "Plateau 3", "body_en": "Monday."},
    )


def _news_sending_sender(index: int) -> Sender:
    staff_groups_sync()
    member = team_member()
    item = news_item_create(
        title_nl=f"Nieuws {index}", title_en=f"News {index}", body_nl="Tekst.", body_en="Text.", created_by=member
    )
    ContactFactory(email=f"reader{index}@company.example")
    return Sender(
        browser=_signed_in(member),
        page=reverse("community:news_confirm", args=[item.pk]) + "?segment=everyone",
        url=reverse("community:news_send", args=[item.pk]),
        data={"segment": "everyone", "plateau": "", "flow": "", "digest": news_item_digest(item)},
    )


def _bulk_sender(index: int) -> Sender:
    staff_groups_sync()
    connections = [ConnectionFactory(), ConnectionFactory()]
    return Sender(
        browser=_signed_in(team_member()),
        page=reverse("connections:connection_list"),
        url=reverse("connections:bulk_job_create"),
        data={"scope": "selected", "connection": [c.pk for c in connections], "action": "transition:invite"},
    )


def _api_token_sender(index: int) -> Sender:
    contact = company_contact()
    page = reverse("api_tokens:list")
    return Sender(
        browser=_signed_in(contact.user), page=page, url=page, data={"name": "Warehouse", "scope": "read_write"}
    )


FORMS = [
    Form(
        name="intake",
        view_module="portal.views.intake",
        service="customer_intake_submit",
        model=Customer,
        sender=_intake_sender,
        confirmation=lambda customer: reverse("portal:status"),
        rows=lambda: (
            Customer.objects.count(),
            HtgNumberAllocation.objects.count(),
            OutboxEmail.objects.filter(template_key="customer.htg_number_issued").count(),
        ),
        per_submit=(1, 1, 1),
    ),
    Form(
        name="problem report",
        view_module="portal.views.actions",
        service="connection_problem_report",
        model=CallbackRequest,
        sender=_problem_sender,
        confirmation=lambda callback: reverse("portal:problem_reported", args=[callback.pk]),
        rows=lambda: (CallbackRequest.objects.count(), HelpdeskContact.objects.count()),
        per_submit=(1, 1),
    ),
    Form(
        name="callback request",
        view_module="helpdesk.views",
        service="callback_request_create",
        model=CallbackRequest,
        sender=_callback_sender,
        confirmation=lambda callback: reverse("helpdesk:helpdesk_customer", args=[callback.customer_id]),
        rows=lambda: (CallbackRequest.objects.count(),),
        per_submit=(1,),
    ),
    Form(
        name="news item",
        view_module="community.views.news",
        service="news_item_create",
        model=NewsItem,
        sender=_news_sender,
        confirmation=lambda item: reverse("community:news_detail", args=[item.pk]),
        rows=lambda: (NewsItem.objects.count(),),
        per_submit=(1,),
    ),
    Form(
        name="news sending",
        view_module="community.views.news",
        service="news_sending_start",
        model=NewsSending,
        sender=_news_sending_sender,
        confirmation=lambda sending: reverse("community:news_detail", args=[sending.news_item_id]) + "#sendings",
        rows=lambda: (NewsSending.objects.count(),),
        per_submit=(1,),
    ),
    Form(
        name="bulk job",
        view_module="connections.views.team",
        service="bulk_job_create",
        model=BulkJob,
        sender=_bulk_sender,
        confirmation=lambda job: reverse("connections:bulk_job_detail", args=[job.pk]),
        rows=lambda: (BulkJob.objects.count(), BulkJobItem.objects.count()),
        per_submit=(1, 2),
        refused_on_the_list=True,
    ),
    Form(
        name="api token",
        view_module="api.views.tokens",
        service="api_token_create",
        model=ApiToken,
        sender=_api_token_sender,
        confirmation=lambda token: reverse("api_tokens:list"),
        rows=lambda: (ApiToken.objects.count(),),
        per_submit=(1,),
    ),
]
FORM_IDS = [form.name for form in FORMS]


def _plus(counts: tuple[int, ...], form: Form, submits: int) -> tuple[int, ...]:
    return tuple(count + submits * step for count, step in zip(counts, form.per_submit, strict=True))


def _meet_at_the_service(monkeypatch, form: Form, parties: int) -> None:
    """The view's call of its service waits until all `parties` requests have reached it."""
    barrier = threading.Barrier(parties)
    module = importlib.import_module(form.view_module)
    service = getattr(module, form.service)

    def meeting(*args, **kwargs):
        barrier.wait(timeout=30)  # a guard against a hung test, not a timing budget: the requests wait for state
        return service(*args, **kwargs)

    monkeypatch.setattr(module, form.service, meeting)


def _refused(form: Form, browser: Client, response, language: str) -> bool:
    """The refusal, in the reader's language: on the form's page (400), or on the list the bulk form came from."""
    if form.refused_on_the_list:
        if response.status_code != 302 or not response["Location"].startswith(reverse("connections:connection_list")):
            return False
        page = browser.get(response["Location"]).content.decode()
    else:
        if response.status_code != 400:
            return False
        page = response.content.decode()
    return REFUSED[language] in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_three_parallel_submits_of_one_page_make_one_row_and_the_same_confirmation(form, programme_flows, monkeypatch):
    # given: the form's page, open in a browser
    sender = form.sender(0)
    token = page_submit_token(sender.browser().get(sender.page))
    browsers = [sender.browser() for _ in range(3)]
    before = form.rows()
    _meet_at_the_service(monkeypatch, form, 3)

    def submit(browser):
        def target():
            response = browser.post(sender.url, {**sender.data, "submit_token": token}, follow=True)
            page = response.content.decode()
            return response.redirect_chain, response.status_code, (HEADING.findall(page), MESSAGE.findall(page))

        return target

    # when: three clicks at once
    results = run_in_threads([submit(browser) for browser in browsers])

    # then: one row, and each of the three is sent to its confirmation, with the same message
    assert form.rows() == _plus(before, form, 1), results
    row = form.model.objects.get(pk=SubmitToken.objects.get(token=token).object_id)
    assert [chain for chain, _status, _messages in results] == [[(form.confirmation(row), 302)]] * 3, results
    assert {status for _chain, status, _page in results} == {200}
    assert results[0][2][0] and results[0][2] == results[1][2] == results[2][2]  # heading and messages


@pytest.mark.django_db
@pytest.mark.parametrize("form", [form for form in FORMS if form.name != "intake"], ids=FORM_IDS[1:])
def test_a_new_page_makes_a_new_row_and_the_first_page_sent_again_still_its_own(form, programme_flows):
    # given: a row made from one page
    sender = form.sender(0)
    browser = sender.browser()
    first_token = page_submit_token(browser.get(sender.page))
    first = browser.post(sender.url, {**sender.data, "submit_token": first_token})
    before = form.rows()

    # when: the form opened again and sent
    second_token = page_submit_token(browser.get(sender.page))
    second = browser.post(sender.url, {**sender.data, "submit_token": second_token})

    # then: a second row
    assert second_token != first_token
    assert form.rows() == _plus(before, form, 1)
    rows = [form.model.objects.get(pk=SubmitToken.objects.get(token=t).object_id) for t in (first_token, second_token)]
    assert rows[0].pk != rows[1].pk
    assert (first["Location"], second["Location"]) == (form.confirmation(rows[0]), form.confirmation(rows[1]))

    # when: the first page sent once more (the back button, then submit)
    again = browser.post(sender.url, {**sender.data, "submit_token": first_token})

    # then: nothing new, and the first confirmation
    assert form.rows() == _plus(before, form, 1)
    assert again.status_code == 302 and again["Location"] == form.confirmation(rows[0])


BAD_TOKENS = {
    "missing": None,
    "empty": "",
    "not a token": "not-a-token",
    "upper case": "0F8FAD5B-D9CB-469F-A165-70867728950E",
    "in braces": "{0f8fad5b-d9cb-469f-a165-70867728950e}",
    "no dashes": "0f8fad5bd9cb469fa16570867728950e",
    "NUL inside": "0f8fad5b-d9cb-469f-a165-7086772\x008950e",
    "Arabic digits": "٣" * 8 + "-d9cb-469f-a165-70867728950e",
    "a trailing newline": "0f8fad5b-d9cb-469f-a165-70867728950e\n",
    "100,000 characters": "0" * 100_000,
}


# Every bad token in English; the Dutch message once per form.
REFUSALS = [(token, "en") for token in BAD_TOKENS.values()] + [(None, "nl")]
REFUSAL_IDS = [f"{name}-en" for name in BAD_TOKENS] + ["missing-nl"]


@pytest.mark.django_db
@pytest.mark.parametrize(("bad_token", "language"), REFUSALS, ids=REFUSAL_IDS)
@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_a_missing_or_garbled_token_is_refused_in_the_readers_language_and_writes_nothing(
    form, bad_token, language, programme_flows
):
    # given
    sender = form.sender(0)
    browser = sender.browser()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    before = (form.rows(), SubmitToken.objects.count())
    data = dict(sender.data)
    if bad_token is not None:
        data["submit_token"] = bad_token

    # when
    response = browser.post(sender.url, data)

    # then
    assert _refused(form, browser, response, language), response.content.decode()[:2000]
    assert (form.rows(), SubmitToken.objects.count()) == before


@pytest.mark.django_db
@pytest.mark.parametrize("form", FORMS, ids=FORM_IDS)
def test_someone_elses_token_is_refused_and_shows_nothing_of_theirs(form, programme_flows):
    # given: person 0 sent the form; person 1 has the form (their own company's, their own account) open
    owner, other = form.sender(0), form.sender(1)
    token = page_submit_token(owner.browser().get(owner.page))
    sent = owner.browser().post(owner.url, {**owner.data, "submit_token": token})
    assert sent.status_code == 302
    before = form.rows()
    other_browser = other.browser()

    # when: person 1 posts person 0's token
    response = other_browser.post(other.url, {**other.data, "submit_token": token})

    # then: refused like a garbled token, nothing written, and not sent to person 0's confirmation
    assert _refused(form, other_browser, response, "en")
    assert form.rows() == before
    assert response.get("Location") != sent["Location"]
    assert SubmitToken.objects.count() == 1


# --- the intake of a new company (item 4: three simultaneous submits gave server errors) ---


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_simultaneous_intakes_of_a_new_company_from_three_pages_give_one_customer_and_one_htg_number(
    programme_flows, monkeypatch
):
    # given: one verified address with the review page open in three tabs (three tokens)
    intake = FORMS[0]
    sender = intake.sender(0)
    browsers = [sender.browser() for _ in range(3)]
    tokens = [page_submit_token(browser.get(sender.page)) for browser in browsers]
    _meet_at_the_service(monkeypatch, intake, 3)

    def submit(browser, token):
        return lambda: browser.post(sender.url, {**sender.data, "submit_token": token})

    # when
    responses = run_in_threads([submit(browser, token) for browser, token in zip(browsers, tokens, strict=True)])

    # then: no server error; one company with one HTG number and one e-mail with it; all three confirmed
    assert [(response.status_code, response["Location"]) for response in responses] == [
        (302, reverse("portal:status"))
    ] * 3, responses
    assert intake.rows() == (1, 1, 1)
    customer = Customer.objects.get()
    assert customer.htg_number == HtgNumberAllocation.objects.get().number
    assert customer.contacts.filter(email="company0@new.example").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_colleagues_submitting_one_companys_intake_at_once_get_one_customer_and_a_clear_refusal(
    programme_flows, monkeypatch
):
    # given: two addresses of one company, each with the same company numbers on its review page
    intake = FORMS[0]
    senders = [intake.sender(0), intake.sender(1)]
    for index in (1,):
        draft_data = valid_intake()
        draft_data["contacts"][0]["email"] = f"company{index}@new.example"
        draft_data.update(legal_name="Nieuw 0 B.V.", kvk_number="99900000", eori="NL999000000")
        intake_draft_save(email=f"company{index}@new.example", data=draft_data, step="review")
    browsers = [sender.browser() for sender in senders]
    tokens = [page_submit_token(browser.get(sender.page)) for browser, sender in zip(browsers, senders, strict=True)]
    _meet_at_the_service(monkeypatch, intake, 2)

    def submit(browser, sender, token):
        return lambda: browser.post(sender.url, {**sender.data, "submit_token": token})

    # when
    responses = run_in_threads(
        [submit(browser, sender, token) for browser, sender, token in zip(browsers, senders, tokens, strict=True)]
    )

    # then: one company; the other colleague is told it is registered already (no server error)
    assert sorted(response.status_code for response in responses) == [302, 400], responses
    refused = next(response for response in responses if response.status_code == 400).content.decode()
    assert "already registered" in refused
    assert intake.rows() == (1, 1, 1)

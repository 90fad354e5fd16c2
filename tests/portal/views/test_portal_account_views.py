"""The portal's account pages through Django's test client: the same answer for every address, the confirm page
that a GET never uses up, the intake steps with errors next to their fields, and the status page's queries."""

import re

import pytest
from django.urls import reverse

from connections.models import Connection, Customer
from connections.services.htg_numbers import customer_htg_number_issue
from notifications.models import OutboxEmail
from portal.models import IntakeDraft, PortalSignInLink
from tests.connections.factories import ConnectionFactory, ContactFactory, CustomerFactory, UserFactory, walk_to
from tests.submit_tokens import page_submit_token

pytestmark = pytest.mark.django_db
EMAIL = "anna@vandam.example"


def _token() -> str:
    email = OutboxEmail.objects.filter(template_key="portal.sign_in_link").latest("id")
    return re.search(r"/portal/sign-in/([A-Za-z0-9_\-]+)/", email.body_text).group(1)


def _sign_in(client, email=EMAIL):
    client.post(reverse("portal:sign_in"), {"email": email})
    return client.post(reverse("portal:sign_in_confirm", args=[_token()]))


@pytest.fixture
def anna(programme_flows):
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.", eori="NL123456789", kvk_number="12345678")
    return ContactFactory(customer=customer, name="Anna de Boer", email=EMAIL, language="en")


def test_known_and_unknown_addresses_get_the_same_page(client, anna):
    # when
    known = client.post(reverse("portal:sign_in"), {"email": EMAIL}, follow=True)
    unknown = client.post(reverse("portal:sign_in"), {"email": "nobody@nowhere.example"}, follow=True)

    # then: identical but for the address typed (and the form's CSRF token)
    def normalised(response, address):
        html = response.content.decode().replace(address, "ADDRESS")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert known.redirect_chain == unknown.redirect_chain == [(reverse("portal:sign_in_sent"), 302)]
    assert normalised(known, EMAIL) == normalised(unknown, "nobody@nowhere.example")
    assert "We have sent a sign-in link to" in known.content.decode()


def test_an_invalid_address_is_shown_next_to_the_field_and_nothing_is_written(client, db):
    response = client.post(reverse("portal:sign_in"), {"email": "anna at vandam"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="email-error"' in html and 'aria-invalid="true"' in html
    assert '<a href="#email">Enter a valid e-mail address, for example name@company.nl.</a>' in html
    assert PortalSignInLink.objects.count() == 0


def test_the_rate_limit_answer_is_clear_and_says_nothing_about_the_address(client, anna, settings):
    settings.HTG_PORTAL_LINKS_PER_ADDRESS = 1
    client.post(reverse("portal:sign_in"), {"email": EMAIL})
    response = client.post(reverse("portal:sign_in"), {"email": EMAIL})
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 60 * 60  # the whole window: the first link was asked just now
    assert "Too many sign-in links were asked for this address or from your network" in response.content.decode()
    assert OutboxEmail.objects.filter(template_key="portal.sign_in_link").count() == 1


def test_opening_the_link_shows_a_button_and_does_not_sign_in_or_use_the_link(client, anna):
    # given
    client.post(reverse("portal:sign_in"), {"email": EMAIL})
    url = reverse("portal:sign_in_confirm", args=[_token()])

    # when: a mail scanner fetches it twice
    first, second = client.get(url), client.get(url)

    # then
    assert first.status_code == second.status_code == 200
    assert '<button type="submit" class="button button--primary">Sign in</button>' in first.content.decode()
    assert PortalSignInLink.objects.get().used_at is None
    assert "_auth_user_id" not in client.session


def test_pressing_the_button_signs_in_and_the_link_then_shows_a_page_to_ask_for_a_new_one(client, anna):
    # given
    client.post(reverse("portal:sign_in"), {"email": EMAIL})
    url = reverse("portal:sign_in_confirm", args=[_token()])

    # when
    response = client.post(url)

    # then: an invited company without an HTG number goes to the intake
    assert response.status_code == 302 and response.url == reverse("portal:intake")
    anna.refresh_from_db()
    assert int(client.session["_auth_user_id"]) == anna.user.pk
    # the link again
    again = client.get(url)
    assert again.status_code == 410
    html = again.content.decode()
    assert "already been used" in html and f'value="{EMAIL}"' in html and "Send me a new link" in html


def test_a_registered_company_goes_to_its_status_and_so_does_the_home_page(client, anna):
    customer_htg_number_issue(customer_id=anna.customer_id)
    assert _sign_in(client).url == reverse("portal:status")
    assert client.get("/").url == reverse("portal:status")


def test_the_return_page_is_kept_through_the_link(client, anna):
    client.post(reverse("portal:sign_in"), {"email": EMAIL, "next": "/portal/intake/contacts/"})
    assert client.post(reverse("portal:sign_in_confirm", args=[_token()])).url == "/portal/intake/contacts/"


def test_portal_pages_send_anonymous_visitors_to_sign_in_and_refuse_staff(client, db):
    assert client.get(reverse("portal:status")).url == f"{reverse('portal:sign_in')}?next=/portal/status/"
    assert client.get(reverse("portal:intake")).url == f"{reverse('portal:sign_in')}?next=/portal/intake/"
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("portal:status")).status_code == 404
    assert client.get(reverse("portal:intake_step", args=["company"])).status_code == 404


def test_signing_out_forgets_the_verified_address(client, db):
    _sign_in(client, "new@company.example")
    assert client.get(reverse("portal:intake_step", args=["company"])).status_code == 200
    client.post(reverse("portal:sign_out"))
    assert client.get(reverse("portal:intake_step", args=["company"])).status_code == 302


def test_an_intake_step_with_mistakes_shows_each_at_its_field_keeps_the_input_and_stays(client, programme_flows):
    # given: a new company signed in
    _sign_in(client, "new@company.example")
    url = reverse("portal:intake_step", args=["company"])

    # when
    response = client.post(
        url, {"legal_name": "Nieuw B.V.", "kvk_number": "1234", "eori": "NL1", "role": "direct", "action": "next"}
    )

    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert '<a href="#kvk_number">A KvK number has exactly 8 digits, for example 12345678.</a>' in html
    assert '<a href="#eori">A Dutch EORI number is NL followed by 9 digits, for example NL123456789.</a>' in html
    assert 'id="kvk_number" name="kvk_number" value="1234"' in html
    assert 'value="Nieuw B.V."' in html
    # the draft keeps what was typed, on this step; nothing else is written
    draft = IntakeDraft.objects.get(email="new@company.example")
    assert (draft.step, draft.data["kvk_number"]) == ("company", "1234")
    assert Customer.objects.count() == 0


def test_the_intake_resumes_where_it_was_left_after_signing_in_again(client, programme_flows):
    # given: a step saved for later, then signed out
    _sign_in(client, "new@company.example")
    client.post(
        reverse("portal:intake_step", args=["company"]),
        {"legal_name": "Nieuw B.V.", "kvk_number": "12345678", "eori": "NL123456789", "role": "hub", "action": "next"},
    )
    client.post(reverse("portal:sign_out"))

    # when: signed in again
    response = _sign_in(client, "new@company.example")

    # then: back at the contacts step, the company step as typed
    assert response.url == reverse("portal:intake")
    assert client.get(response.url).url == reverse("portal:intake_step", args=["contacts"])
    company = client.get(reverse("portal:intake_step", args=["company"])).content.decode()
    assert 'value="Nieuw B.V."' in company and 'value="hub" id="role-hub" checked' in company


def test_a_whole_intake_through_the_pages(client, programme_flows):
    # given
    _sign_in(client, "new@company.example")
    step = lambda name: reverse("portal:intake_step", args=[name])  # noqa: E731

    # when
    client.post(
        step("company"),
        {"legal_name": "Nieuw B.V.", "kvk_number": "12345678", "eori": "NL123456789", "role": "direct"},
    )
    client.post(
        step("contacts"),
        {
            "contacts-TOTAL_FORMS": "2",
            "contacts-INITIAL_FORMS": "2",
            "contacts-0-name": "Nina",
            "contacts-0-email": "someone-else@evil.example",  # ignored: the verified address counts
            "contacts-0-phone": "010 1234567",
            "contacts-0-language": "nl",
            "contacts-1-name": "",
            "contacts-1-email": "",
            "contacts-1-phone": "",
            "contacts-1-language": "nl",
            "action": "next",
        },
    )
    ags = {"flow-AGS-used": "1", "flow-AGS-channel": "smtp_msa_pop3"}
    refused = client.post(step("flows"), {**ags, "flow-AGS-tls_version": "1.1"})
    client.post(step("flows"), {**ags, "flow-AGS-tls_version": "1.2"})
    review = client.get(step("review"))
    submitted = client.post(step("review"), {"action": "submit", "submit_token": page_submit_token(review)})

    # then
    assert refused.status_code == 400 and "TLS 1.1 is no longer allowed" in refused.content.decode()
    assert "SMTP-MSA/POP3 over TLS 1.2" in review.content.decode()
    assert submitted.url == reverse("portal:status")
    customer = Customer.objects.get()
    assert customer.contacts.get().email == "new@company.example"
    status = client.get(reverse("portal:status")).content.decode()
    assert customer.htg_number in status
    assert "State this number when you contact the helpdesk." in status
    assert f"Your HTG number is {customer.htg_number}" in status


def test_the_status_page_shows_each_flow_with_both_next_steps_in_a_fixed_number_of_queries(
    client, anna, programme_flows, django_assert_num_queries
):
    # given: three flows in different states
    customer_htg_number_issue(customer_id=anna.customer_id)
    walk_to(ConnectionFactory(customer=anna.customer, flow=programme_flows["AGS"]), "invited", None)
    walk_to(ConnectionFactory(customer=anna.customer, flow=programme_flows["NCTS"]), "slot_offered", None)
    ConnectionFactory(customer=anna.customer, flow=programme_flows["EMCS"])
    _sign_in(client)

    # when: session, user, contact, customer, connections
    with django_assert_num_queries(5):
        response = client.get(reverse("portal:status"))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="card"') == 3
    assert "Fill in the intake form from the invitation e-mail." in html
    assert "Book one of the offered slots in the portal." in html
    assert "Offers a one-hour slot with the connection team." not in html  # no flow waits for that
    assert "Waits for the booking; sends reminders when it is late." in html
    assert Connection.objects.get(flow__code="NCTS").due_on.strftime("%Y-%m-%d") in html


def test_the_status_page_without_flows_says_so(client, anna):
    _sign_in(client)
    html = client.get(reverse("portal:status")).content.decode()
    assert "There are no message flows for your company yet." in html
    assert "You receive your HTG number when your intake is complete." in html


def test_signing_in_opens_the_portal_in_the_contacts_language_unless_the_browser_chose_one(client, anna):
    # given: Anna prefers English; the portal's default is Dutch
    assert anna.language == "en"

    # when: she signs in from a browser that never chose a language
    response = _sign_in(client)
    page = client.get(response.url, follow=True)

    # then
    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en">' in page.content.decode()

    # when: another browser that chose Dutch with the switch signs in
    other = client_class_with_cookie("nl")
    chosen = _sign_in(other)

    # then: its choice stands
    assert "django_language" not in chosen.cookies
    assert '<html lang="nl">' in other.get(chosen.url, follow=True).content.decode()


def client_class_with_cookie(language):
    from django.test import Client

    browser = Client()
    browser.cookies["django_language"] = language
    return browser

"""A staff member who forgot the password gets a link by e-mail: through the outbox like every other e-mail,
rate-limited per address and per client address (a 429 with Retry-After), the same answer for unknown addresses,
and never for a company account."""

import re
import threading

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from connections.models import StaffPasswordReset
from connections.services.accounts import staff_password_reset_request
from notifications.models import OutboxEmail
from portal.services.sign_in import contact_user_ensure
from tests.conftest import run_in_threads
from tests.connections.factories import ContactFactory, team_member

pytestmark = pytest.mark.django_db

OLD_PASSWORD = "an-old-staff-password-1"
NEW_PASSWORD = "a-new-and-long-password-2"


@pytest.fixture
def tessa():
    user = team_member(username="tessa", email="tessa@team.example")
    user.set_password(OLD_PASSWORD)
    user.save()
    return user


def _ask(client, email, *, address="192.0.2.10", language="en"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)


def _link(email: OutboxEmail) -> str:
    return re.search(r"https?://\S+/accounts/reset/\S+/", email.body_text).group(0)


def test_the_reset_e_mail_is_a_row_in_the_outbox_and_its_link_sets_a_new_password(client, tessa, settings):
    # given
    settings.HTG_TEAM_URL = "https://htg.example/"

    # when
    response = _ask(client, "Tessa@Team.example")

    # then: the outbox holds the e-mail (in the asker's language); nothing went out past it
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    email = OutboxEmail.objects.get(template_key="staff.password_reset")
    assert email.to_address == "tessa@team.example"
    assert email.language == "en"
    assert email.subject == "A new password for the HTG migration tracker"
    assert "tessa" in email.body_text
    link = _link(email)
    assert link.startswith("https://htg.example/accounts/reset/")
    assert f'<a href="{link}">' in email.body_html
    assert StaffPasswordReset.objects.get().accounts == 1

    # and the link chooses a new password, once
    path = link.removeprefix("https://htg.example")
    form = client.get(path, follow=True)
    assert form.status_code == 200
    assert "New password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    tessa.refresh_from_db()
    assert tessa.check_password(NEW_PASSWORD)
    again = client.get(path, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_the_e_mail_is_in_dutch_for_a_dutch_reader(client, tessa):
    _ask(client, "tessa@team.example", language="nl")

    email = OutboxEmail.objects.get(template_key="staff.password_reset")
    assert email.language == "nl"
    assert email.subject == "Nieuw wachtwoord voor de HTG-migratietracker"


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(client, tessa):
    known = _ask(client, "tessa@team.example")
    unknown = _ask(client, "nobody@team.example")

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert OutboxEmail.objects.filter(to_address="nobody@team.example").count() == 0
    assert StaffPasswordReset.objects.filter(email="nobody@team.example", accounts=0).count() == 1


def test_a_company_account_never_gets_a_reset_link(client):
    # given: a contact's account, even one that somehow has a password
    contact = ContactFactory(email="anna@vandam.example")
    user = contact_user_ensure(contact=contact)
    user.set_password(OLD_PASSWORD)
    user.save()

    # when
    response = _ask(client, "anna@vandam.example")

    # then
    assert response.status_code == 302
    assert OutboxEmail.objects.filter(template_key="staff.password_reset").count() == 0


def test_an_invalid_address_is_refused_with_a_message_and_writes_nothing(client, tessa):
    for value in ("not an address", "tessa@team.example\x00", "x" * 100_000 + "@team.example"):
        response = _ask(client, value, language="nl")

        assert response.status_code == 400
        assert 'class="error-summary"' in response.content.decode()
    assert StaffPasswordReset.objects.count() == 0
    assert OutboxEmail.objects.count() == 0


def test_an_address_is_limited_per_window_then_a_429_with_retry_after_that_sends_nothing(client, tessa, settings):
    # given: the limit, each request from another network
    settings.HTG_PASSWORD_RESETS_PER_ADDRESS = 3
    for number in range(3):
        assert _ask(client, "tessa@team.example", address=f"198.51.100.{number}").status_code == 302

    # when
    refused = _ask(client, "tessa@team.example", address="198.51.100.9", language="nl")

    # then
    assert refused.status_code == 429
    assert 55 * 60 <= int(refused["Retry-After"]) <= 60 * 60
    assert "Er is te vaak een nieuw wachtwoord gevraagd" in refused.content.decode()
    assert OutboxEmail.objects.filter(template_key="staff.password_reset").count() == 3
    assert StaffPasswordReset.objects.filter(rate_limited=True).count() == 1
    # an unknown address is counted alike, so the answer does not tell which addresses exist
    for number in range(3):
        _ask(client, "nobody@team.example", address=f"203.0.113.{number}")
    assert _ask(client, "nobody@team.example", address="203.0.113.9").status_code == 429


def test_a_client_address_is_limited_for_any_addresses(client, tessa, settings):
    settings.HTG_PASSWORD_RESETS_PER_IP = 2
    _ask(client, "someone@team.example", address="192.0.2.50")
    _ask(client, "another@team.example", address="192.0.2.50")

    refused = _ask(client, "tessa@team.example", address="192.0.2.50")

    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert OutboxEmail.objects.filter(to_address="tessa@team.example").count() == 0
    # from another network the same address still gets its link
    assert _ask(client, "tessa@team.example", address="192.0.2.51").status_code == 302


def test_the_sign_in_page_links_to_the_reset(client):
    page = client.get(reverse("login"))
    assert reverse("password_reset") in page.content.decode()


def test_a_signed_in_page_is_not_needed_to_finish_and_the_new_password_signs_in(client, tessa):
    _ask(client, "tessa@team.example")
    link = _link(OutboxEmail.objects.get())
    path = "/" + link.split("/", 3)[3]
    form = client.get(path, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    signed_in = client.post(reverse("login"), {"username": "tessa", "password": NEW_PASSWORD})

    assert signed_in.status_code == 302
    assert SESSION_KEY in client.session


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_requests_at_once_for_one_address_send_exactly_the_limit(settings):
    # given
    user = team_member(username="tessa", email="tessa@team.example")
    user.set_password(OLD_PASSWORD)
    user.save()
    settings.HTG_PASSWORD_RESETS_PER_ADDRESS = 3
    barrier = threading.Barrier(20)

    def ask(number):
        def request():
            barrier.wait()
            return staff_password_reset_request(
                email="tessa@team.example", requested_ip=f"198.51.100.{number}", language="en"
            )

        return request

    # when
    results = run_in_threads([ask(number) for number in range(20)])

    # then
    assert [type(result).__name__ for result in results] == ["PasswordResetRequest"] * 20
    assert sorted(result.sent for result in results) == [False] * 17 + [True] * 3
    assert StaffPasswordReset.objects.filter(rate_limited=False).count() == 3
    assert StaffPasswordReset.objects.filter(rate_limited=True).count() == 17
    assert OutboxEmail.objects.filter(template_key="staff.password_reset").count() == 3

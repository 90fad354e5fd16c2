"""The intake's pages (issue 14 item 5): only the questions the answers call for, errors that name their flow in the
order of the form, a check-your-answers page with change links, and the submitted answers under the Intake menu."""

import datetime
import re

import pytest
from django.urls import reverse

from connections.models import Connection, ConnectionState
from portal.models import IntakeDraft
from tests.portal.views.test_portal_account_views import _sign_in
from tests.submit_tokens import page_submit_token

pytestmark = pytest.mark.django_db
NEW = "new@company.example"


@pytest.fixture(autouse=True)
def pinned_clock(settings):
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)


def step(name, query=""):
    return reverse("portal:intake_step", args=[name]) + query


FLOW_END = r'</fieldset>\s*(?=<fieldset class="card flow"|<div class="card" data-without-script)'


def _flow_html(html, code):
    return re.search(rf'<fieldset class="card flow" id="flow-{code}".*?{FLOW_END}', html, re.S).group(0)


def _hidden(html, part):
    tag = re.search(rf'<div data-flow-part="{part}"[^>]*>', html).group(0)
    return " hidden" in tag


def _company_and_contacts(client):
    client.post(
        step("company"),
        {"legal_name": "Nieuw B.V.", "kvk_number": "12345678", "eori": "NL123456789", "role": "direct"},
    )
    client.post(
        step("contacts"),
        {
            "contacts-TOTAL_FORMS": "1",
            "contacts-INITIAL_FORMS": "1",
            "contacts-0-name": "Nina",
            "contacts-0-email": NEW,
            "contacts-0-phone": "010 1234567",
            "contacts-0-language": "en",
            "action": "next",
        },
    )


def test_only_the_questions_of_the_ticked_flows_and_chosen_channel_are_shown(client, programme_flows):
    # given: AGS ticked with SMTP-MSA/POP3, NCTS ticked with SMTP-MTA, EMCS not ticked
    _sign_in(client, NEW)
    _company_and_contacts(client)
    client.post(
        step("flows"),
        {
            "flow-AGS-used": "1",
            "flow-AGS-channel": "smtp_msa_pop3",
            "flow-AGS-vpn_peer_address": "192.0.2.99",  # posted by a hidden field: not kept
            "flow-NCTS-used": "1",
            "flow-NCTS-channel": "smtp_mta_ipsec",
            "flow-NCTS-tls_version": "1.2",  # likewise
            "action": "update",
        },
    )

    # when
    html = client.get(step("flows")).content.decode()

    # then
    ags, ncts, emcs = _flow_html(html, "AGS"), _flow_html(html, "NCTS"), _flow_html(html, "EMCS")
    assert not _hidden(ags, "used") and not _hidden(ags, "smtp_msa_pop3") and _hidden(ags, "smtp_mta_ipsec")
    assert _hidden(ags, "upgrade")  # no old TLS version chosen
    assert not _hidden(ncts, "smtp_mta_ipsec") and _hidden(ncts, "smtp_msa_pop3")
    assert _hidden(emcs, "used")  # not ticked: no channel questions
    # the answers the channel does not ask were not kept
    flows = IntakeDraft.objects.get(email=NEW).data["flows"]
    assert flows["AGS"]["vpn_peer_address"] == "" and flows["NCTS"]["tls_version"] == ""
    # without JavaScript, the button that shows the questions for the answers
    assert 'value="update"' in html


def test_choosing_tls_1_1_shows_the_upgrade_date(client, programme_flows):
    _sign_in(client, NEW)
    _company_and_contacts(client)
    client.post(
        step("flows"),
        {"flow-AGS-used": "1", "flow-AGS-channel": "smtp_msa_pop3", "flow-AGS-tls_version": "1.1", "action": "update"},
    )

    ags = _flow_html(client.get(step("flows")).content.decode(), "AGS")

    assert not _hidden(ags, "upgrade") and 'type="date" id="flow-AGS-tls_upgrade_on"' in ags


def test_the_error_summary_follows_the_order_of_the_form_and_takes_focus(client, programme_flows):
    # given
    _sign_in(client, NEW)

    # when: the KvK number (above) and the EORI number (below) are both wrong
    response = client.post(
        step("company"), {"legal_name": "Nieuw B.V.", "kvk_number": "1234", "eori": "NL1", "role": "direct"}
    )

    # then
    html = response.content.decode()
    links = re.findall(r'<li><a href="#([a-z_\-A-Z0-9]+)">', html)
    assert links == ["kvk_number", "eori"]
    assert "data-takes-focus" in html and 'tabindex="-1" id="error-summary"' in html


def test_the_flow_errors_in_the_summary_name_their_flow_in_the_order_of_the_flows(client, programme_flows):
    _sign_in(client, NEW)
    _company_and_contacts(client)

    response = client.post(step("flows"), {"flow-NCTS-used": "1", "flow-AGS-used": "1", "action": "next"})

    html = response.content.decode()
    assert re.findall(r'<li><a href="#(flow-[A-Z]+-channel)">([^<]+)</a>', html) == [
        ("flow-AGS-channel", "Choose the channel for AGS: SMTP-MSA/POP3 (TLS) or SMTP-MTA (IPsec VPN)."),
        ("flow-NCTS-channel", "Choose the channel for NCTS: SMTP-MSA/POP3 (TLS) or SMTP-MTA (IPsec VPN)."),
    ]


def _to_review(client, ags=None):
    _sign_in(client, NEW)
    _company_and_contacts(client)
    client.post(
        step("flows"),
        ags or {"flow-AGS-used": "1", "flow-AGS-channel": "smtp_msa_pop3", "flow-AGS-tls_version": "1.2"},
    )


def test_check_your_answers_has_a_change_link_per_answer_that_comes_back_to_it(client, programme_flows):
    # given
    _to_review(client)

    # when
    review = client.get(step("review"))
    html = review.content.decode()

    # then: every answer with its own change link to its field
    for anchor in ("legal_name", "kvk_number", "eori", "role"):
        assert f'href="{step("company", "?return=review")}#{anchor}"' in html
    assert f'href="{step("contacts", "?return=review")}#contacts-0-name"' in html
    assert f'href="{step("flows", "?return=review")}#flow-AGS-channel"' in html
    assert "SMTP-MSA/POP3 over TLS 1.2" in html

    # when: changing the name from there
    changed = client.post(
        step("company", "?return=review"),
        {"legal_name": "Nieuw Logistiek B.V.", "kvk_number": "12345678", "eori": "NL123456789", "role": "direct"},
    )

    # then: back to the check page, which shows the change
    assert changed.url == step("review")
    assert "Nieuw Logistiek B.V." in client.get(step("review")).content.decode()
    assert "Save and go back to check your answers" in client.get(step("company", "?return=review")).content.decode()


def test_tls_1_1_with_an_upgrade_date_through_the_pages_gives_the_htg_number_and_a_waiting_connection(
    client, programme_flows
):
    # given
    _to_review(
        client,
        {
            "flow-AGS-used": "1",
            "flow-AGS-channel": "smtp_msa_pop3",
            "flow-AGS-tls_version": "1.1",
            "flow-AGS-tls_upgrade_on": "2020-06-01",
        },
    )
    review = client.get(step("review"))
    assert "upgrading: TLS 1.2 expected by 1 June 2020" in review.content.decode()

    # when
    submitted = client.post(step("review"), {"action": "submit", "submit_token": page_submit_token(review)})

    # then
    assert submitted.url == reverse("portal:status")
    connection = Connection.objects.get(flow__code="AGS")
    assert connection.state == ConnectionState.AWAITING_TLS
    status = client.get(reverse("portal:status")).content.decode()
    assert "Intake received, waiting for TLS 1.2" in status and "Monday 1 June 2020" in status
    page = client.get(reverse("portal:connection", args=[connection.pk])).content.decode()
    assert "You expected to use TLS 1.2 by" in page

    # when: the company confirms TLS 1.2 on the connection's page
    confirmed = client.post(
        reverse("portal:connection_tls_confirm", args=[connection.pk]), {"tls_version": "1.2"}, follow=True
    )

    # then
    connection.refresh_from_db()
    assert (connection.state, connection.tls_version) == (ConnectionState.INTAKE_RECEIVED, "1.2")
    assert "Thank you: we have recorded that AGS now uses TLS 1.2." in confirmed.content.decode()


def test_a_bad_tls_version_on_the_confirm_form_is_refused_and_nothing_changes(client, programme_flows):
    _to_review(
        client,
        {
            "flow-AGS-used": "1",
            "flow-AGS-channel": "smtp_msa_pop3",
            "flow-AGS-tls_version": "1.1",
            "flow-AGS-tls_upgrade_on": "2020-06-01",
        },
    )
    review = client.get(step("review"))
    client.post(step("review"), {"action": "submit", "submit_token": page_submit_token(review)})
    connection = Connection.objects.get(flow__code="AGS")

    response = client.post(
        reverse("portal:connection_tls_confirm", args=[connection.pk]), {"tls_version": "1.1"}, follow=True
    )

    assert "Choose the TLS version your mail software now uses: TLS 1.2 or TLS 1.3." in response.content.decode()
    connection.refresh_from_db()
    assert (connection.state, connection.channel) == (ConnectionState.AWAITING_TLS, "")


def test_after_submitting_the_intake_menu_shows_the_submitted_answers(client, programme_flows):
    # given
    _to_review(client)
    review = client.get(step("review"))
    client.post(step("review"), {"action": "submit", "submit_token": page_submit_token(review)})

    # when: the Intake item of the menu
    response = client.get(reverse("portal:intake"))

    # then: the answers, not a blank step 1
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your intake" in html and "Nieuw B.V." in html and "NL123456789" in html
    assert "SMTP-MSA/POP3 over TLS 1.2 (now: Intake received)" in html
    assert 'name="legal_name"' not in html
    assert f'href="{step("company")}"' in html  # and a way to change them

"""Every link in every e-mail the app sends leads to a working page for the person it was sent to (issue 14 item 1).

The e-mails are the real ones: written by the services that send them (the steps of a connection, the session, the
reminder ladder, the team's digest, the intake, sign-in and password links, a problem report), in both languages.
Each link in the text part and in the HTML part is opened as its addressee would: signed in as them when they have
an account, and followed through every redirect to a page that answers 200.
"""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from connections.models import Contact, Customer, Slot
from connections.services.accounts import staff_password_reset_request
from connections.services.company_actions import connection_problem_report
from connections.services.digest import team_digest_send
from connections.services.ladder import ladder_sweep
from connections.services.slots import availability_publish, slot_book, slot_record_no_show
from connections.services.transitions import connection_transition
from notifications.models import OutboxEmail
from portal.services.intake import customer_intake_submit
from portal.services.sign_in import portal_sign_in_link_request
from tests.connections.factories import (
    AMSTERDAM,
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    core_team_member,
    team_member,
    walk_to,
)
from tests.connections.portal_factories import company_contact
from tests.connections.state_machine_oracle import path_to
from tests.notifications.test_email_templates import KEYS
from tests.portal.services.test_intake import valid_intake
from tests.webhooks.factories import endpoint_for
from webhooks.services.endpoints import endpoint_pause

pytestmark = pytest.mark.django_db

URL = re.compile(r"https?://[^\s<>\"']+")
# The news e-mail has no address of its own: its links are whatever its author writes (tested as a template). Sent
# through a segment's sending job rather than here.
WITHOUT_LINKS = {"news.item"}


def amsterdam(month, day, hour=10):
    return datetime.datetime(2020, month, day, hour, tzinfo=AMSTERDAM)


@pytest.fixture(autouse=True)
def programme(settings):
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)
    settings.HTG_PORTAL_URL = "http://testserver/portal/"
    settings.HTG_TEAM_URL = "http://testserver/"
    settings.HTG_CORE_TEAM_EMAIL = "kernteam@douane.example"
    settings.HTG_DUE_BUSINESS_DAYS = {"invited": 3, "slot_offered": 3, "testing": 3}
    settings.HTG_REMINDER_BUSINESS_DAYS = 3
    settings.HTG_LADDER_STEEP_WEEKS = 4


def _every_email_the_app_sends(programme_flows):
    walker = UserFactory(is_superuser=True)
    member = team_member(username="tessa", email="tessa@douane.example")
    core_team_member(username="karel", email="kernteam@douane.example")

    # a company invited on Monday 11 May that does not respond: reminders, then the core team's escalation
    late = CustomerFactory(legal_name="Laat B.V.")
    ContactFactory(customer=late, email="ops@laat.example", language="en", user=UserFactory(is_staff=False))
    invited = ConnectionFactory(customer=late, assigned_to=member)
    connection_transition(connection_id=invited.pk, transition="invite", actor=walker, at=amsterdam(5, 11))
    # a hub whose client does not respond either
    hub = company_contact(legal_name="Haven Hub B.V.", role=Customer.Role.HUB)
    client = CustomerFactory(legal_name="Alfa Transport B.V.", hub=hub.customer)
    ContactFactory(customer=client, email="alfa@client.example")
    hub_client = ConnectionFactory(customer=client)
    connection_transition(connection_id=hub_client.pk, transition="invite", actor=walker, at=amsterdam(5, 11))
    team_digest_send(now=amsterdam(5, 15, 8))  # the team member's overdue connection
    for moment in (amsterdam(5, 15, 9), amsterdam(5, 22, 8), amsterdam(5, 28, 7)):
        ladder_sweep(now=moment)

    # a company through every step: its session booked, missed, booked again; then live and a problem report
    contact = company_contact(legal_name="Van Dam Logistiek B.V.")
    connection = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    availability_publish(
        team_member=member, date=datetime.date(2020, 5, 18), start_time=datetime.time(9), end_time=datetime.time(11)
    )
    first, second = Slot.objects.filter(team_member=member).order_by("starts_at")
    slot_book(slot_id=first.pk, connection_id=connection.pk, actor=contact.user)
    slot_record_no_show(connection_id=connection.pk, actor=walker)
    slot_book(slot_id=second.pk, connection_id=connection.pk, actor=contact.user)
    for name in path_to("digipoort_closed")[path_to("slot_booked").__len__() :]:
        connection_transition(connection_id=connection.pk, transition=name, actor=walker)
    connection_problem_report(
        connection_id=connection.pk,
        actor=contact.user,
        description="AGS replies stopped",
        contact_name=contact.name,
        contact_phone="010 123 4567",
        urgent=False,
    )

    # a webhook address that kept failing for 24 hours: paused, its owner told where to resume it
    endpoint, _secret = endpoint_for(contact)
    endpoint_pause(endpoint_id=endpoint.pk, reason="HTTP 500", now=amsterdam(5, 29))

    # the intake, a sign-in link, a password reset
    customer_intake_submit(email="anna@vandam.example", data=valid_intake())
    portal_sign_in_link_request(email=contact.email, requested_ip="127.0.0.1", language="en")
    staff_password_reset_request(email="tessa@douane.example", requested_ip="127.0.0.1", language="en")
    return list(OutboxEmail.objects.order_by("id"))


def _browser_of(address: str) -> Client:
    """A browser signed in as the addressee, when they have an account (a company contact or a staff member)."""
    browser = Client()
    contact = Contact.objects.filter(email__iexact=address, user__isnull=False).first()
    user = contact.user if contact else get_user_model().objects.filter(email__iexact=address).first()
    if user is not None:
        browser.force_login(user)
    return browser


def test_every_link_in_every_email_leads_to_a_page_for_its_addressee(programme_flows):
    # given: every e-mail the app sends, from the services that send them
    emails = _every_email_the_app_sends(programme_flows)

    # then: every template is among them
    assert {email.template_key for email in emails} == set(KEYS) - WITHOUT_LINKS

    # when: each link is opened by the e-mail's addressee
    broken = []
    linked = set()
    for email in emails:
        html_links = set(re.findall(r'href="([^"]+)"', email.body_html))
        text_links = set(URL.findall(email.body_text))
        # the HTML part links the addresses the text part gives
        assert text_links <= html_links, (email.template_key, text_links - html_links)
        for link in sorted(text_links | html_links):
            address = urlsplit(link)
            assert address.netloc == "testserver", link
            response = _browser_of(email.to_address).get(address.path, follow=True)
            linked.add(email.template_key)
            if response.status_code != 200:
                broken.append((email.template_key, email.to_address, link, response.status_code))

    # then
    assert broken == []
    # the step e-mails that only inform (technical data, testing, live, Digipoort closed) link nowhere
    assert linked == set(KEYS) - WITHOUT_LINKS - {
        "connection.technical_data_sent",
        "connection.testing",
        "connection.live",
        "connection.digipoort_closed",
    }

"""The helpdesk workspace and the team's callback queue over HTTP: access, redirects, audit, query counts."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from connections.models import CallbackRequest, Connection, ConnectionEvent, HelpdeskContact, LookupAudit
from connections.services.callbacks import callback_request_create
from connections.services.htg_numbers import customer_htg_number_issue, luhn_check_digit
from connections.services.staff import staff_groups_sync
from htg_migration import clock
from tests.connections.factories import (
    ConnectionFactory,
    ContactFactory,
    CustomerFactory,
    UserFactory,
    core_team_member,
    helpdesk_member,
    team_member,
    walk_to,
)
from tests.submit_tokens import fresh_submit_token

pytestmark = pytest.mark.django_db

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
LOOKUP = reverse("helpdesk:helpdesk_lookup")
QUEUE = reverse("helpdesk:callback_queue")


def _customer_url(customer) -> str:
    return reverse("helpdesk:helpdesk_customer", args=[customer.pk])


@pytest.fixture
def helpdesk_client(client):
    staff_groups_sync()
    user = helpdesk_member(first_name="Hanna", last_name="Helpdesk")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def team_client(client):
    staff_groups_sync()
    user = team_member(first_name="Tessa", last_name="Team")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def frozen_now(monkeypatch):
    moment = datetime.datetime(2020, 5, 18, 10, tzinfo=AMSTERDAM)
    monkeypatch.setattr(clock, "now", lambda: moment)
    return moment


def _company_user():
    user = UserFactory(is_staff=False)
    ContactFactory(user=user)
    return user


@pytest.mark.parametrize(
    "url",
    [LOOKUP, reverse("helpdesk:helpdesk_customer", args=[1]), QUEUE],
)
def test_anonymous_is_sent_to_sign_in_and_a_company_user_is_refused(client, url):
    # when / then
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    client.force_login(_company_user())
    assert client.get(url).status_code == 403
    assert LookupAudit.objects.count() == 0


def test_the_helpdesk_may_not_open_the_callback_queue(helpdesk_client):
    assert helpdesk_client.get(QUEUE).status_code == 403


@pytest.mark.parametrize("make_user", [helpdesk_member, team_member, core_team_member])
def test_the_helpdesk_the_team_and_the_core_team_open_the_lookup(client, make_user):
    staff_groups_sync()
    client.force_login(make_user())
    response = client.get(LOOKUP)
    assert response.status_code == 200
    assert b"autofocus" in response.content


def test_the_empty_lookup_page_records_nothing(helpdesk_client):
    response = helpdesk_client.get(LOOKUP)
    assert response.status_code == 200
    assert response.context["results"] == []
    assert LookupAudit.objects.count() == 0


def test_one_hit_goes_straight_to_the_customer_and_both_steps_are_audited(helpdesk_client):
    # given
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.")
    number = customer_htg_number_issue(customer_id=customer.pk)

    # when
    response = helpdesk_client.get(LOOKUP, {"q": number.replace("-", " ")}, follow=True)

    # then
    assert response.redirect_chain == [(_customer_url(customer), 302)]
    assert response.context["customer"] == customer
    audits = list(
        LookupAudit.objects.order_by("id").values_list("user_id", "kind", "query", "result_count", "customer")
    )
    assert audits == [
        (helpdesk_client.user.pk, "search", number.replace("-", " "), 1, customer.pk),
        (helpdesk_client.user.pk, "customer_view", "", 0, customer.pk),
    ]


@pytest.mark.parametrize(
    ("session_engine", "queries"),
    [
        ("django.contrib.sessions.backends.db", 4),
        # with a shared cache (production: Redis, DJANGO_CACHE_URL) the session is read from the cache
        ("django.contrib.sessions.backends.cached_db", 3),
    ],
)
def test_an_htg_number_goes_straight_to_the_customer_in_a_fixed_number_of_queries(
    client, settings, django_assert_num_queries, session_engine, queries
):
    # given
    settings.SESSION_ENGINE = session_engine
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    staff_groups_sync()
    client.force_login(helpdesk_member())
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.")
    number = customer_htg_number_issue(customer_id=customer.pk)

    # when / then: session, user, groups, one statement that finds the customer and writes the audit; nothing rendered
    with django_assert_num_queries(queries):
        response = client.get(LOOKUP, {"q": number.lower()})
    assert response.status_code == 302
    assert response["Location"] == _customer_url(customer)
    assert list(LookupAudit.objects.values_list("kind", "query", "result_count")) == [("search", number.lower(), 1)]


def test_an_htg_number_without_its_prefix_is_looked_up_among_kvk_numbers_too(helpdesk_client):
    # given: one company's HTG number without its prefix is another's KvK number
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.")
    number = customer_htg_number_issue(customer_id=customer.pk)
    bare = number.replace("HTG-", "").replace("-", "")
    other = CustomerFactory(legal_name="Jansen Expeditie", kvk_number=bare)

    # when
    response = helpdesk_client.get(LOOKUP, {"q": bare})

    # then: both, the choice left to the helpdesk; with the prefix, only the one
    assert response.status_code == 200
    assert {result.pk for result in response.context["results"]} == {customer.pk, other.pk}
    assert helpdesk_client.get(LOOKUP, {"q": number})["Location"] == _customer_url(customer)
    assert list(LookupAudit.objects.order_by("id").values_list("query", "result_count")) == [(bare, 2), (number, 1)]


def test_an_htg_number_nobody_has_says_so_and_is_audited(helpdesk_client):
    # given: a well-formed number that was never issued
    number = "HTG-0999999-" + str(luhn_check_digit("0999999"))

    # when
    response = helpdesk_client.get(LOOKUP, {"q": number})

    # then
    assert response.status_code == 200
    assert f"No company matches “{number}”" in response.content.decode()
    assert list(LookupAudit.objects.values_list("query", "result_count")) == [(number, 0)]


def test_no_match_says_so_and_is_audited(helpdesk_client):
    # when
    response = helpdesk_client.get(LOOKUP, {"q": "Nobody Anywhere"})

    # then
    assert response.status_code == 200
    assert "No company matches “Nobody Anywhere”" in response.content.decode()
    assert list(LookupAudit.objects.values_list("query", "result_count")) == [("Nobody Anywhere", 0)]


def test_the_lookup_takes_the_same_queries_for_two_rows_and_for_six(
    helpdesk_client, programme_flows, django_assert_num_queries
):
    # given: companies with hubs and connections, so a lazy relation would cost a query per row
    hub = CustomerFactory(legal_name="Hub Holding", role="hub")
    for number in range(2):
        ConnectionFactory(customer=CustomerFactory(legal_name=f"Expeditie Noord {number}", hub=hub))

    # when / then: session, user, groups, the customers, their connections, the audit row
    with django_assert_num_queries(6):
        response = helpdesk_client.get(LOOKUP, {"q": "Expeditie Noord"})
    assert len(response.context["results"]) == 2

    for number in range(2, 6):
        customer = CustomerFactory(legal_name=f"Expeditie Noord {number}", hub=hub)
        ConnectionFactory(customer=customer, flow=programme_flows["AGS"])
        ConnectionFactory(customer=customer, flow=programme_flows["NCTS"])
    with django_assert_num_queries(6):
        response = helpdesk_client.get(LOOKUP, {"q": "Expeditie Noord"})
    assert len(response.context["results"]) == 6


def _busy_customer(programme_flows, owner):
    hub = CustomerFactory(legal_name="Hub Holding", role="hub")
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.", hub=hub)
    ContactFactory(customer=customer)
    for code in ("AGS", "NCTS"):
        ConnectionFactory(customer=customer, flow=programme_flows[code], assigned_to=owner)
    return customer


def test_the_customer_screen_takes_a_fixed_number_of_queries(
    helpdesk_client, programme_flows, django_assert_num_queries, frozen_now
):
    # given
    owner = team_member()
    customer = _busy_customer(programme_flows, owner)
    connection = customer.connections.first()
    for _ in range(2):
        HelpdeskContact.objects.create(
            customer=customer, connection=connection, channel="phone", topic="other", recorded_by=owner
        )
        callback_request_create(
            customer_id=customer.pk,
            requested_by=helpdesk_client.user,
            urgency="normal",
            reason="Please call",
            contact_name="Anna",
            contact_phone="010 1234567",
            connection_id=connection.pk,
        )

    # when / then: session, user, groups, customer with hub, connections, escalations, callbacks, clients count
    # is skipped (not a hub), contacts, their suppressions, their e-mails, helpdesk contacts, the audit row
    with django_assert_num_queries(12):
        response = helpdesk_client.get(_customer_url(customer))
    assert response.status_code == 200
    assert len(response.context["summaries"]) == 2

    ContactFactory(customer=customer)
    ConnectionFactory(customer=customer, flow=programme_flows["SW"], assigned_to=owner)
    HelpdeskContact.objects.create(customer=customer, channel="email", topic="htg_number", recorded_by=owner)
    with django_assert_num_queries(12):
        response = helpdesk_client.get(_customer_url(customer))
    assert len(response.context["summaries"]) == 3
    assert len(response.context["helpdesk_contacts"]) == 3
    assert len(response.context["open_callbacks"]) == 2


def test_the_customer_screen_shows_state_next_step_owner_and_script(helpdesk_client, programme_flows):
    # given: an invited AGS connection owned by Tessa
    owner = team_member(first_name="Tessa", last_name="de Vries")
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.")
    walk_to(
        ConnectionFactory(customer=customer, flow=programme_flows["AGS"], assigned_to=owner),
        "invited",
        UserFactory(is_superuser=True),
    )

    # when
    content = helpdesk_client.get(_customer_url(customer)).content.decode()

    # then
    assert "Invited" in content
    assert "Fill in the intake form from the invitation e-mail." in content
    assert "Waits for the intake form; sends reminders when it is late." in content
    assert "Tessa de Vries" in content
    assert "You have been invited. Please fill in the intake form" in content
    assert "No e-mails sent to this company's contacts yet." in content


def test_the_customer_screen_shows_the_last_emails_and_a_bounce_stands_out(helpdesk_client, programme_flows):
    # given: the invitation went out; a later e-mail to the second contact bounced and suppressed the address
    from django.db import transaction

    from notifications.models import OutboxEmail
    from notifications.services import email_bounce_record

    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.")
    ContactFactory(customer=customer, email="anna@vandam.example", language="en", is_primary=True)
    ContactFactory(customer=customer, email="Piet@VanDam.example", language="en", is_primary=False)
    walk_to(
        ConnectionFactory(customer=customer, flow=programme_flows["AGS"]), "invited", UserFactory(is_superuser=True)
    )
    OutboxEmail.objects.filter(to_address="anna@vandam.example").update(status="sent")
    with transaction.atomic():
        email_bounce_record(address="piet@vandam.example", detail="550 5.1.1 mailbox unknown")

    # when
    response = helpdesk_client.get(_customer_url(customer))

    # then
    content = response.content.decode()
    assert [email.to_address for email in response.context["emails"]] == ["anna@vandam.example"]
    assert "Invitation: moving" in content
    assert "Receives no e-mail" in content
    assert "550 5.1.1 mailbox unknown" in content


def test_the_helpdesk_sees_no_step_buttons_and_a_forged_step_is_refused(helpdesk_client, programme_flows):
    # given
    connection = ConnectionFactory(flow=programme_flows["AGS"])

    # when: the customer screen
    content = helpdesk_client.get(_customer_url(connection.customer)).content.decode()

    # then: no step form, and no link to the team's connection page
    assert 'name="transition"' not in content
    assert reverse("connections:connection_transition", args=[connection.pk]) not in content
    assert reverse("connections:connection_detail", args=[connection.pk]) not in content

    # when: a forged POST to the team's step URL
    response = helpdesk_client.post(
        reverse("connections:connection_transition", args=[connection.pk]),
        {"transition": "invite", "expected_state": "planned"},
    )

    # then: refused, nothing changed
    assert response.status_code == 403
    connection.refresh_from_db()
    assert connection.state == "planned"
    assert ConnectionEvent.objects.count() == 0


def test_logging_a_call_shows_it_on_the_customer_screen_and_the_connection_page(
    helpdesk_client, programme_flows, frozen_now
):
    # given
    connection = ConnectionFactory(flow=programme_flows["AGS"])

    # when
    response = helpdesk_client.post(
        reverse("helpdesk:helpdesk_contact_create", args=[connection.customer_id]),
        {
            "contact-channel": "phone",
            "contact-topic": "slot_booking",
            "contact-connection": str(connection.pk),
            "contact-notes": "Wants a later slot",
        },
        follow=True,
    )

    # then
    entry = HelpdeskContact.objects.get()
    assert (entry.customer_id, entry.connection_id, entry.topic, entry.recorded_by_id) == (
        connection.customer_id,
        connection.pk,
        "slot_booking",
        helpdesk_client.user.pk,
    )
    content = response.content.decode()
    assert "The contact is logged." in content
    assert "Wants a later slot" in content

    # when: the team opens the connection's page
    helpdesk_client.force_login(team_member())
    content = helpdesk_client.get(reverse("connections:connection_detail", args=[connection.pk])).content.decode()

    # then
    assert "Helpdesk contacts and callbacks" in content
    assert "Wants a later slot" in content


def test_an_invalid_contact_shows_the_errors_and_logs_nothing(helpdesk_client):
    # given
    customer = CustomerFactory()

    # when
    response = helpdesk_client.post(
        reverse("helpdesk:helpdesk_contact_create", args=[customer.pk]),
        {"contact-channel": "pigeon", "contact-topic": "other"},
    )

    # then
    assert response.status_code == 400
    assert response.context["contact_form"].errors["channel"]
    assert HelpdeskContact.objects.count() == 0


def test_a_callback_request_goes_to_the_owner_and_the_team_closes_it(client, programme_flows, frozen_now):
    # given
    staff_groups_sync()
    owner = team_member(first_name="Tessa", last_name="de Vries")
    connection = ConnectionFactory(flow=programme_flows["AGS"], assigned_to=owner)
    client.force_login(helpdesk_member())

    # when: the helpdesk asks for an urgent callback about the connection
    response = client.post(
        reverse("helpdesk:callback_request_create", args=[connection.customer_id]),
        {
            "callback-connection": str(connection.pk),
            "callback-urgency": "urgent",
            "callback-contact_name": "Anna de Boer",
            "callback-contact_phone": "010 123 4567",
            "callback-reason": "AGS messages bounce",
            "submit_token": fresh_submit_token(),
        },
        follow=True,
    )

    # then: Tessa owns it, due 4 helpdesk hours later (Monday 14:00)
    callback = CallbackRequest.objects.get()
    assert (callback.assigned_to_id, callback.urgency, callback.status) == (owner.pk, "urgent", "open")
    assert callback.due_at == datetime.datetime(2020, 5, 18, 14, tzinfo=AMSTERDAM)
    assert "Callback requested: Tessa de Vries will call back before Monday 18 May 2020 14:00." in (
        response.content.decode()
    )

    # when: Tessa sees it in her queue and closes it
    client.force_login(owner)
    queue = client.get(QUEUE, {"scope": "mine"})
    assert [item.pk for item in queue.context["callbacks"]] == [callback.pk]
    response = client.post(
        reverse("helpdesk:callback_close", args=[callback.pk]), {"outcome": "Called back, solved", "scope": "mine"}
    )

    # then
    assert response.status_code == 302
    callback.refresh_from_db()
    assert (callback.status, callback.closed_by_id, callback.outcome) == ("closed", owner.pk, "Called back, solved")
    assert "Called back, solved" in client.get(_customer_url(connection.customer)).content.decode()
    assert client.get(QUEUE, {"scope": "mine"}).context["callbacks"] == []


def test_the_queue_puts_escalated_first_then_by_due_time_and_filters(
    team_client, django_assert_num_queries, frozen_now
):
    # given: three open requests, one escalated, one closed
    requester = helpdesk_member()

    def request(urgency, assigned_to=None):
        connection = ConnectionFactory(assigned_to=assigned_to)
        return callback_request_create(
            customer_id=connection.customer_id,
            requested_by=requester,
            urgency=urgency,
            reason="Call",
            contact_name="Anna",
            contact_phone="010 1234567",
            connection_id=connection.pk,
        )

    normal_mine = request("normal", team_client.user)
    urgent_unassigned = request("urgent")
    escalated = request("normal")
    CallbackRequest.objects.filter(pk=escalated.pk).update(escalated_at=frozen_now)
    closed = request("urgent")
    CallbackRequest.objects.filter(pk=closed.pk).update(status="closed", closed_at=frozen_now)

    # when / then: session, user, groups, the rows with customer, connection, flow and people
    with django_assert_num_queries(4):
        response = team_client.get(QUEUE)
    assert [item.pk for item in response.context["callbacks"]] == [escalated.pk, urgent_unassigned.pk, normal_mine.pk]
    assert [item.pk for item in team_client.get(QUEUE, {"scope": "mine"}).context["callbacks"]] == [normal_mine.pk]
    assert [item.pk for item in team_client.get(QUEUE, {"scope": "unassigned"}).context["callbacks"]] == [
        escalated.pk,
        urgent_unassigned.pk,
    ]
    assert [item.pk for item in team_client.get(QUEUE, {"scope": "escalated"}).context["callbacks"]] == [escalated.pk]
    assert "escalated" in response.content.decode()


def test_the_connection_states_are_untouched_by_the_helpdesk_workspace(helpdesk_client, programme_flows):
    # given
    connection = ConnectionFactory(flow=programme_flows["AGS"])

    # when: everything the helpdesk can do
    helpdesk_client.get(LOOKUP, {"q": connection.customer.legal_name})
    helpdesk_client.get(_customer_url(connection.customer))

    # then
    assert Connection.objects.get(pk=connection.pk).state == "planned"


def _callback_post(client, customer, **fields):
    data = {
        "callback-connection": "",
        "callback-urgency": "normal",
        "callback-contact": "",
        "callback-contact_name": "",
        "callback-contact_phone": "",
        "callback-reason": "Test messages rejected",
        "submit_token": fresh_submit_token(),
    }
    data.update({f"callback-{name}": value for name, value in fields.items()})
    return client.post(reverse("helpdesk:callback_request_create", args=[customer.pk]), data)


@pytest.fixture
def company_with_contacts():
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.")
    anna = ContactFactory(customer=customer, name="Anna de Boer", phone="+31 10 123 45 67", is_primary=True)
    piet = ContactFactory(customer=customer, name="Piet Zonder Nummer", phone="", is_primary=False)
    return customer, anna, piet


def test_a_chosen_contact_fills_in_the_callbacks_name_and_phone(helpdesk_client, company_with_contacts, frozen_now):
    # given
    customer, anna, _piet = company_with_contacts

    # when: the contact is chosen and the name and number are left to the form
    response = _callback_post(helpdesk_client, customer, contact=str(anna.pk))

    # then
    assert response.status_code == 302
    callback = CallbackRequest.objects.get()
    assert (callback.contact_name, callback.contact_phone) == ("Anna de Boer", "+31 10 123 45 67")


def test_what_was_typed_wins_over_the_chosen_contacts_number(helpdesk_client, company_with_contacts, frozen_now):
    # given
    customer, anna, _piet = company_with_contacts

    # when: the caller gives another number than the one on record
    response = _callback_post(helpdesk_client, customer, contact=str(anna.pk), contact_phone="06 12345678")

    # then
    assert response.status_code == 302
    callback = CallbackRequest.objects.get()
    assert (callback.contact_name, callback.contact_phone) == ("Anna de Boer", "06 12345678")


def test_the_card_offers_the_companys_contacts_with_their_name_and_phone(helpdesk_client, company_with_contacts):
    # given
    customer, anna, piet = company_with_contacts

    # when
    response = helpdesk_client.get(_customer_url(customer))

    # then: each contact an option that carries its name and number for the form's script
    field = response.context["callback_form"]["contact"]
    assert [choice[1] for choice in field.field.choices] == [
        "Someone else (type the name and number)",
        "Anna de Boer · +31 10 123 45 67",
        "Piet Zonder Nummer (no phone number)",
    ]
    html = str(field)
    assert f'value="{anna.pk}" data-name="Anna de Boer" data-phone="+31 10 123 45 67"' in html
    assert f'value="{piet.pk}" data-name="Piet Zonder Nummer" data-phone=""' in html
    assert 'data-fills-name="id_callback-contact_name"' in html


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        # a contact with no phone number, and none typed
        (
            {"contact": "piet"},
            {"contact_phone": ["Piet Zonder Nummer has no phone number on record: type the number to call."]},
        ),
        # no contact chosen and nothing typed
        (
            {},
            {
                "contact_name": ["Choose a contact on record or type the name of the person to call."],
                "contact_phone": ["Choose a contact on record or type the phone number to call."],
            },
        ),
        # a contact of another company
        (
            {"contact": "stranger"},
            {
                "contact": ["Select a valid choice. {stranger} is not one of the available choices."],
                "contact_name": ["Choose a contact on record or type the name of the person to call."],
                "contact_phone": ["Choose a contact on record or type the phone number to call."],
            },
        ),
    ],
    ids=["contact-without-phone", "nothing", "someone-elses-contact"],
)
def test_a_callback_without_a_name_or_number_to_call_is_refused_and_nothing_is_written(
    helpdesk_client, company_with_contacts, fields, errors
):
    # given
    customer, _anna, piet = company_with_contacts
    stranger = ContactFactory(name="Someone Else", phone="020 1234567")
    ids = {"piet": str(piet.pk), "stranger": str(stranger.pk)}
    fields = {name: ids.get(value, value) for name, value in fields.items()}

    # when
    response = _callback_post(helpdesk_client, customer, **fields)

    # then
    assert response.status_code == 400
    expected = {
        name: [message.format(stranger=stranger.pk) for message in messages] for name, messages in errors.items()
    }
    assert response.context["callback_form"].errors == expected
    assert CallbackRequest.objects.count() == 0


def test_the_card_in_dutch_shows_the_plateau_the_deadline_and_folds_the_history(
    helpdesk_client, programme_flows, settings
):
    # given: a company in plateaus 1 and 2, one flow overdue
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)
    customer = CustomerFactory(legal_name="Van Dam Logistiek B.V.")
    ConnectionFactory(customer=customer, flow=programme_flows["AGS"], state="invited")
    sw = ConnectionFactory(customer=customer, flow=programme_flows["SW"], state="slot_offered")
    Connection.objects.filter(pk=sw.pk).update(due_on=datetime.date(2020, 5, 6))
    HelpdeskContact.objects.create(customer=customer, channel="phone", topic="other", recorded_by=helpdesk_client.user)

    # when
    response = helpdesk_client.get(_customer_url(customer), HTTP_ACCEPT_LANGUAGE="nl")

    # then: plateaus and deadline at the top, the due date with a lower-case Dutch month, the history folded
    content = response.content.decode()
    top = content[content.index("data-customer-card") : content.index("</section>")]
    assert [plateau.number for plateau in response.context["plateaus"]] == [1, 2]
    assert "Plateau 1: " in top and "Plateau 2: " in top
    assert '<time datetime="2020-06-30">30 juni 2020</time>' in top
    assert "6 mei 2020" in top and "over tijd" in top
    assert 'href="#log-heading">Gesprek vastleggen</a>' in top
    assert 'href="#request-heading">Terugbelverzoek doen</a>' in top
    assert '<details class="card history" id="history-contacts">' in content
    assert '<details class="card history" id="history-emails">' in content


def test_the_helpdesk_gets_no_admin_link_and_the_admin_refuses_it(client, programme_flows):
    # given
    staff_groups_sync()
    user = helpdesk_member(username="hanna")
    user.set_password("correct horse battery staple")
    user.save(update_fields=["password"])
    client.force_login(user)
    customer = ConnectionFactory(flow=programme_flows["AGS"]).customer

    # when: its own pages
    pages = [client.get(LOOKUP), client.get(LOOKUP, {"q": customer.legal_name}), client.get(_customer_url(customer))]

    # then: no link into the admin
    assert [page.status_code for page in pages] == [200, 302, 200]
    assert ['href="/admin' in page.content.decode() for page in pages] == [False, False, False]

    # when: the admin typed by hand, and a sign-in there with the helpdesk's own password
    index = client.get("/admin/", follow=True)
    signed_in = client.post(
        "/admin/login/?next=/admin/",
        {"username": "hanna", "password": "correct horse battery staple"},
        follow=True,
    )

    # then: both end on the admin's sign-in, which says the account is not authorised; no admin page opens
    for response in (index, signed_in):
        assert response.redirect_chain[-1][0].startswith("/admin/login/")
        assert "but are not authorized to access this page" in response.content.decode()
        assert 'href="/admin/connections/' not in response.content.decode()
    assert client.get("/admin/connections/customer/").status_code == 302

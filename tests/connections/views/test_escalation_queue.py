"""The escalation queue as a table (issue 14 item 10): its count, order, sorts, filters, contacts on each row, and
actions that come back to the row they were taken on with the confirmation beside it."""

import datetime
import re

import pytest

from connections.models import Connection, Customer, Escalation
from plateaus.models import MessageFlow, Plateau, Programme
from tests.connections.factories import AMSTERDAM, ConnectionFactory, ContactFactory, CustomerFactory, core_team_member

pytestmark = pytest.mark.django_db

QUEUE = "/team/escalations/"
MAY_28 = datetime.datetime(2020, 5, 28, 9, tzinfo=AMSTERDAM)


def escalation(*, name="Van Dam Logistiek B.V.", opened=MAY_28, flow=None, **kwargs):
    connection = ConnectionFactory(customer=CustomerFactory(legal_name=name), **({"flow": flow} if flow else {}))
    return Escalation.objects.create(
        connection=connection,
        waiting_state="invited",
        reason="No response to two reminders.",
        opened_at=opened,
        **kwargs,
    )


@pytest.fixture
def core_member():
    return core_team_member(first_name="Karin", last_name="Kern")


@pytest.fixture
def core_client(client, core_member, settings):
    settings.HTG_CLOCK_DATE = datetime.date(2020, 6, 1)
    client.force_login(core_member)
    return client


def _rows(response):
    return [row.pk for row in response.context["rows"]]


def _row_html(page: str, escalation_id: int) -> str:
    """The row of this escalation and what follows it up to the next escalation's row."""
    start = page.index(f'<tr id="escalation-{escalation_id}">')
    following = page.find('<tr id="escalation-', start + 1)
    return page[start : following if following != -1 else page.index("</tbody>")]


def _many(count: int, flow_code: str = "AGS") -> list[Escalation]:
    flow = MessageFlow.objects.get(code=flow_code)
    customers = Customer.objects.bulk_create(
        [
            Customer(
                legal_name=f"Firma {number:03d} B.V.",
                kvk_number=f"{30000000 + number:08d}",
                eori=f"NL{300000000 + number:09d}",
            )
            for number in range(count)
        ]
    )
    connections = Connection.objects.bulk_create([Connection(customer=customer, flow=flow) for customer in customers])
    return Escalation.objects.bulk_create(
        [
            Escalation(
                connection=connection,
                waiting_state="invited",
                reason="No response to two reminders.",
                opened_at=MAY_28 - datetime.timedelta(hours=number),
            )
            for number, connection in enumerate(connections)
        ]
    )


def test_the_count_is_stated_and_every_escalation_is_on_some_page(core_client):
    # given: more open escalations than a page holds (the old queue showed 200 of them and said nothing)
    escalations = _many(252)

    # when
    first = core_client.get(QUEUE)
    pages = [core_client.get(QUEUE, {"page": number}) for number in range(1, 7)]

    # then: the count is on the page, and the pages together hold every escalation once
    assert "1–50 of 252 escalations" in first.content.decode()
    assert "Page 1 of 6" in first.content.decode()
    assert "251–252 of 252 escalations" in pages[-1].content.decode()
    seen = [pk for response in pages for pk in _rows(response)]
    assert sorted(seen) == sorted(escalation.pk for escalation in escalations)


def test_the_nearest_deadline_comes_first_then_the_longest_waiting(core_client):
    # given: a second programme whose deadline is two weeks earlier, with the newest escalation
    programme = Programme.objects.create(
        code="next", name_nl="Volgende", name_en="Next", deadline=datetime.date(2020, 6, 15)
    )
    plateau = Plateau.objects.create(
        programme=programme, number=1, name_nl="1", name_en="1", planned_start=datetime.date(2020, 1, 6)
    )
    early_flow = MessageFlow.objects.create(code="EARLY", plateau=plateau, name_nl="Vroeg", name_en="Early")
    old = escalation(name="Oud B.V.", opened=MAY_28 - datetime.timedelta(days=10))
    recent = escalation(name="Recent B.V.", opened=MAY_28)
    early = escalation(name="Vroeg B.V.", opened=MAY_28 + datetime.timedelta(days=1), flow=early_flow)

    # when
    response = core_client.get(QUEUE)

    # then: urgency order, and each row says its age and the working days left (Whit Monday 1 June is no working day)
    assert _rows(response) == [early.pk, old.pk, recent.pk]
    page = response.content.decode()
    assert "10 working days" in _row_html(page, early.pk)
    assert "21 working days" in _row_html(page, old.pk)
    assert "14 days" in _row_html(page, old.pk)


def test_the_queue_sorts_by_a_whitelisted_column_and_hostile_sorts_give_the_default(core_client):
    # given
    bravo = escalation(name="Bravo B.V.", opened=MAY_28 - datetime.timedelta(days=2))
    alfa = escalation(name="Alfa B.V.", opened=MAY_28)

    # when / then: by company, both ways, and the header says so
    response = core_client.get(QUEUE, {"sort": "company"})
    assert _rows(response) == [alfa.pk, bravo.pk]
    assert re.search(r'aria-sort="ascending"><a href="\?sort=-company">Company', response.content.decode())
    assert _rows(core_client.get(QUEUE, {"sort": "-company"})) == [bravo.pk, alfa.pk]

    # when / then: anything else is the default order (oldest first here), never an error
    for hostile in ("connection__customer__kvk_number", "--company", "\x00", "x" * 100_000, "company;DROP", "²"):
        response = core_client.get(QUEUE, {"sort": hostile})
        assert response.status_code == 200
        assert _rows(response) == [bravo.pk, alfa.pk]


def test_filters_mine_unassigned_a_colleague_and_plateau(core_client, core_member, programme_flows):
    # given
    colleague = core_team_member(first_name="Cor")
    mine = escalation(name="Mijn B.V.", owner=core_member)
    theirs = escalation(name="Hun B.V.", owner=colleague)
    nobodys = escalation(name="Niemand B.V.")
    plateau_two = escalation(name="Haven B.V.", flow=programme_flows["SW"])

    # when / then
    assert _rows(core_client.get(QUEUE, {"owner": "me"})) == [mine.pk]
    assert set(_rows(core_client.get(QUEUE, {"owner": "none"}))) == {nobodys.pk, plateau_two.pk}
    assert _rows(core_client.get(QUEUE, {"owner": colleague.pk})) == [theirs.pk]
    assert _rows(core_client.get(QUEUE, {"plateau": "2"})) == [plateau_two.pk]
    assert _rows(core_client.get(QUEUE, {"plateau": "2", "owner": "me"})) == []
    response = core_client.get(QUEUE, {"owner": "none"})
    assert "2 escalations" in response.content.decode() and "match this filter" in response.content.decode()

    # when / then: a filter that is no person or plateau is ignored, never an error
    for query in ({"owner": "²"}, {"owner": "9" * 5000}, {"plateau": "-1"}, {"scope": "\x00"}):
        response = core_client.get(QUEUE, query)
        assert response.status_code == 200
        assert len(_rows(response)) == 4


def test_each_row_shows_the_companys_first_contact_name_and_phone(core_client):
    # given: the primary contact comes first
    open_escalation = escalation()
    customer = open_escalation.connection.customer
    ContactFactory(customer=customer, name="Bert Bijzaak", phone="+31 20 000 0000", is_primary=False)
    ContactFactory(customer=customer, name="Anna de Vries", phone="+31 10 123 4567", is_primary=True)
    without = escalation(name="Stil B.V.")

    # when
    page = core_client.get(QUEUE).content.decode()

    # then
    row = _row_html(page, open_escalation.pk)
    assert "Anna de Vries" in row
    assert '<a href="tel:+31101234567" class="nowrap">+31 10 123 4567</a>' in row
    assert "Bert Bijzaak" not in row
    assert "no contact" in _row_html(page, without.pk)


def test_an_action_comes_back_to_the_same_list_page_and_row_with_the_confirmation_beside_it(core_client):
    # given: the second page of plateau 1 sorted by company, and an escalation on it
    escalations = _many(60)
    on_page_two = sorted(escalations, key=lambda item: item.connection.customer.legal_name)[55]

    # when: a note is saved from that page
    response = core_client.post(
        f"{QUEUE}{on_page_two.pk}/notes/",
        {"notes": "Called; the intake follows today.", "back": "plateau=1&sort=company&page=2"},
    )

    # then: back to the same page, at the row
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?plateau=1&sort=company&page=2#escalation-{on_page_two.pk}"

    # when: the list comes back
    page = core_client.get(response["Location"].split("#")[0])
    html = page.content.decode()

    # then: the confirmation is beside that row, not at the top of the page
    assert on_page_two.pk in _rows(page)
    assert "Notes saved." in _row_html(html, on_page_two.pk)
    assert html.count("Notes saved.") == 1
    assert 'class="messages"' not in html

    # when: it is shown once
    assert "Notes saved." not in core_client.get(f"{QUEUE}?plateau=1&sort=company&page=2").content.decode()


def test_a_refusal_is_beside_its_row_and_a_closed_escalation_is_confirmed_at_the_top(core_client):
    # given
    first = escalation(name="Alfa B.V.")
    second = escalation(name="Bravo B.V.", opened=MAY_28 + datetime.timedelta(days=1))

    # when: no outcome chosen
    html = core_client.post(f"{QUEUE}{first.pk}/close/", {"outcome": "", "back": ""}, follow=True).content.decode()

    # then: the refusal beside the row
    assert "Choose an outcome." in _row_html(html, first.pk)
    first.refresh_from_db()
    assert first.is_open

    # when: closed, it leaves the open list: the confirmation names it at the top
    response = core_client.post(f"{QUEUE}{first.pk}/close/", {"outcome": "reached", "back": ""}, follow=True)

    # then
    html = response.content.decode()
    assert _rows(response) == [second.pk]
    assert "Escalation of Alfa B.V. · AGS closed." in html[: html.index("<table")]


@pytest.mark.parametrize("back", ["sort=%00&owner=x&page=²", "page=" + "9" * 5000, "\x00", "scope=closed&sort=evil"])
def test_a_hostile_way_back_gives_the_plain_list(core_client, back):
    # given
    open_escalation = escalation()

    # when
    response = core_client.post(f"{QUEUE}{open_escalation.pk}/assign/", {"owner": "me", "back": back})

    # then
    assert response.status_code == 302
    expected = (
        f"{QUEUE}?scope=closed#escalation-{open_escalation.pk}"
        if back.startswith("scope=closed")
        else (f"{QUEUE}#escalation-{open_escalation.pk}")
    )
    assert response["Location"] == expected

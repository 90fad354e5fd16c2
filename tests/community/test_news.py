"""News and newsletters: who is in each segment, and sending to 20,000 in batches, resumable, nobody twice."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from community.models import NewsItem, NewsSending
from community.selectors.segments import segment_recipients
from community.services import news as news_services
from community.services.news import (
    news_item_create,
    news_item_update,
    news_sending_run,
    news_sending_start,
    news_sendings_unfinished,
)
from connections.models import Contact, Customer
from htg_migration.errors import ConflictError
from notifications.models import OutboxEmail
from tests.connections.factories import ConnectionFactory, ContactFactory, CustomerFactory, team_member

pytestmark = pytest.mark.django_db


def news_item(**kwargs) -> NewsItem:
    fields = {
        "title_nl": "Plateau 3 gaat open",
        "title_en": "Plateau 3 opens",
        "body_nl": "Vanaf maandag kunt u plannen.",
        "body_en": "From Monday you can plan.",
        "created_by": None,
        **kwargs,
    }
    return news_item_create(**fields)


def company(email: str, *, role: str = Customer.Role.DIRECT, language: str = "nl") -> Customer:
    customer = CustomerFactory(role=role)
    ContactFactory(customer=customer, email=email, language=language, is_primary=True)
    return customer


def recipients(segment: str, plateau: int | None = None, flow: str | None = None) -> list[tuple[str, str]]:
    return list(segment_recipients(segment=segment, plateau=plateau, flow=flow))


def bulk_companies(count: int, *, prefix: str = "bulk") -> None:
    customers = Customer.objects.bulk_create(
        [Customer(legal_name=f"Bulk {number}", eori=f"NL{900000000 + number:09d}") for number in range(count)],
        batch_size=5000,
    )
    Contact.objects.bulk_create(
        [
            Contact(
                customer=customer,
                name=f"Contact {number}",
                email=f"{prefix}{number:05d}@company.example",
                language="en" if number % 2 else "nl",
                is_primary=True,
            )
            for number, customer in enumerate(customers)
        ],
        batch_size=5000,
    )


def test_each_segment_picks_the_primary_contact_of_the_right_companies(programme_flows):
    # given
    planned = company("planned@a.example")
    ConnectionFactory(customer=planned, flow=programme_flows["AGS"], state="invited")
    live = company("live@b.example", language="en")
    ConnectionFactory(customer=live, flow=programme_flows["SW"], state="live")
    withdrawn = company("withdrawn@c.example")
    ConnectionFactory(customer=withdrawn, flow=programme_flows["AGS"], state="withdrawn")
    company("hub@d.example", role=Customer.Role.HUB)
    company("supplier@e.example", role=Customer.Role.SOFTWARE_SUPPLIER)
    # a company without a primary contact: its first contact (by name) stands in
    no_primary = CustomerFactory()
    ContactFactory(customer=no_primary, name="Bea", email="Bea@F.example", is_primary=False)
    ContactFactory(customer=no_primary, name="Zoë", email="zoe@f.example", is_primary=False)
    # another contact of a company with a primary one gets nothing
    ContactFactory(customer=planned, name="Second", email="second@a.example", is_primary=False)
    # a company without contacts is left out
    CustomerFactory()

    # when / then
    assert recipients("everyone") == [
        ("bea@f.example", "nl"),
        ("hub@d.example", "nl"),
        ("live@b.example", "en"),
        ("planned@a.example", "nl"),
        ("supplier@e.example", "nl"),
        ("withdrawn@c.example", "nl"),
    ]
    assert recipients("plateau", plateau=1) == [("planned@a.example", "nl"), ("withdrawn@c.example", "nl")]
    assert recipients("plateau", plateau=2) == [("live@b.example", "en")]
    assert recipients("plateau", plateau=3) == []
    assert recipients("flow", flow="SW") == [("live@b.example", "en")]
    assert recipients("not_live") == [("planned@a.example", "nl")]
    assert recipients("hubs_and_suppliers") == [("hub@d.example", "nl"), ("supplier@e.example", "nl")]


def test_an_address_shared_by_companies_is_one_recipient_whatever_its_case():
    # given
    company("Shared@Example.org")
    company("shared@example.org")

    # when / then
    assert recipients("everyone") == [("shared@example.org", "nl")]


def test_a_segment_that_does_not_exist_or_misses_its_choice_is_refused_and_nothing_is_written():
    # given
    item = news_item()
    company("one@a.example")

    # when / then
    for segment, plateau, flow, field in (
        ("nobody", None, None, "segment"),
        ("plateau", None, None, "plateau"),
        ("plateau", 9, None, "plateau"),
        ("flow", None, "", "flow"),
        ("flow", None, "XYZ", "flow"),
        ("hubs_and_suppliers", None, None, "segment"),  # nobody is in it
    ):
        with pytest.raises(ValidationError) as error:
            news_sending_start(news_item_id=item.pk, segment=segment, plateau=plateau, flow=flow, started_by=None)
        assert list(error.value.message_dict) == [field]
    assert NewsSending.objects.count() == 0
    item.refresh_from_db()
    assert item.published_at is None


def test_starting_records_the_sending_and_the_task_queues_each_recipient_once_in_their_language(
    django_capture_on_commit_callbacks,
):
    # given
    item = news_item()
    company("anna@a.example")
    company("bob@b.example", language="en")
    member = team_member()

    # when: the task runs on commit (Celery is eager in tests)
    with django_capture_on_commit_callbacks(execute=True):
        sending = news_sending_start(
            news_item_id=item.pk, segment="everyone", plateau=None, flow=None, started_by=member
        )

    # then
    sending.refresh_from_db()
    item.refresh_from_db()
    assert (sending.status, sending.total, sending.queued_count) == (NewsSending.Status.FINISHED, 2, 2)
    assert (sending.segment, sending.started_by) == ({"segment": "everyone", "plateau": None, "flow": None}, member)
    assert sending.segment_label == "Everyone"
    assert sending.finished_at is not None and item.published_at is not None
    emails = {email.to_address: email for email in OutboxEmail.objects.all()}
    assert sorted(emails) == ["anna@a.example", "bob@b.example"]
    assert (emails["anna@a.example"].subject, emails["anna@a.example"].body_text) == (
        "Plateau 3 gaat open",
        "Vanaf maandag kunt u plannen.\n",
    )
    assert (emails["bob@b.example"].language, emails["bob@b.example"].subject) == ("en", "Plateau 3 opens")
    assert emails["bob@b.example"].dedupe_key == f"news:{item.pk}:bob@b.example"


def test_a_rolled_back_start_queues_nothing(django_capture_on_commit_callbacks):
    # given
    item = news_item()
    company("anna@a.example")

    # when
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        news_sending_start(news_item_id=item.pk, segment="everyone", plateau=None, flow=None, started_by=None)
        raise RuntimeError("the surrounding change failed")

    # then
    assert callbacks == []
    assert NewsSending.objects.count() == 0
    assert OutboxEmail.objects.count() == 0


def test_20000_recipients_are_queued_in_batches_once_each_and_a_crash_then_a_rerun_still_gives_one_each(
    monkeypatch, django_assert_max_num_queries
):
    # given: 20,000 companies, and a sending whose task is lost after its second batch
    bulk_companies(20_000)
    item = news_item()
    sending = news_sending_start(news_item_id=item.pk, segment="everyone", plateau=None, flow=None, started_by=None)
    assert sending.total == 20_000
    real_batch_enqueue = news_services._batch_enqueue
    batches: list[int] = []

    def crash_after_two_batches(**kwargs):
        if len(batches) == 2:
            raise RuntimeError("worker lost")
        real_batch_enqueue(**kwargs)
        batches.append(len(kwargs["recipients"]))

    monkeypatch.setattr(news_services, "_batch_enqueue", crash_after_two_batches)

    # when: the first run crashes in its third batch
    with pytest.raises(RuntimeError):
        news_sending_run(sending_id=sending.pk)

    # then: two whole batches committed, the third rolled back
    sending.refresh_from_db()
    assert batches == [500, 500]
    assert (sending.status, sending.queued_count, OutboxEmail.objects.count()) == ("running", 1000, 1000)

    # when: the sweep finds it (no progress for two minutes) and runs it again
    monkeypatch.setattr(news_services, "_batch_enqueue", real_batch_enqueue)
    later = sending.progressed_at + news_services.NEWS_SWEEP_GRACE + news_services.datetime.timedelta(seconds=1)
    assert news_sendings_unfinished(now=later) == [sending.pk]
    sending = news_sending_run(sending_id=sending.pk)

    # then: every address exactly once, and the sending finished with the right count
    assert (sending.status, sending.total, sending.queued_count) == ("finished", 20_000, 20_000)
    assert OutboxEmail.objects.count() == 20_000
    assert OutboxEmail.objects.values("to_address").distinct().count() == 20_000
    assert OutboxEmail.objects.filter(language="en").count() == 10_000
    assert news_sendings_unfinished(now=later) == []

    # when: run once more (a duplicate task): nothing changes
    with django_assert_max_num_queries(2):
        news_sending_run(sending_id=sending.pk)
    assert OutboxEmail.objects.count() == 20_000


def test_sending_again_to_an_overlapping_segment_adds_nothing_for_addresses_that_have_it(
    django_capture_on_commit_callbacks,
):
    # given: the item went to the hubs and suppliers
    item = news_item()
    company("hub@a.example", role=Customer.Role.HUB)
    company("direct@b.example")
    with django_capture_on_commit_callbacks(execute=True):
        news_sending_start(news_item_id=item.pk, segment="hubs_and_suppliers", plateau=None, flow=None, started_by=None)
    first_email = OutboxEmail.objects.get()

    # when: it goes to everyone
    with django_capture_on_commit_callbacks(execute=True):
        second = news_sending_start(news_item_id=item.pk, segment="everyone", plateau=None, flow=None, started_by=None)

    # then: only the direct company gets it now; the hub's e-mail is the first one, untouched
    second.refresh_from_db()
    assert (second.status, second.total, second.queued_count) == ("finished", 2, 2)
    assert sorted(OutboxEmail.objects.values_list("to_address", flat=True)) == ["direct@b.example", "hub@a.example"]
    assert OutboxEmail.objects.get(to_address="hub@a.example").pk == first_email.pk

    # and another item does reach the hub again
    other = news_item(title_en="Second news")
    with django_capture_on_commit_callbacks(execute=True):
        news_sending_start(
            news_item_id=other.pk, segment="hubs_and_suppliers", plateau=None, flow=None, started_by=None
        )
    assert OutboxEmail.objects.filter(to_address="hub@a.example").count() == 2


def test_an_item_can_be_updated_until_it_is_sent_then_the_update_is_refused_and_changes_nothing():
    # given
    item = news_item_create(title_nl="A", title_en="A", body_nl="a", body_en="a", created_by=None)

    # when: changed before any sending
    news_item_update(news_item_id=item.pk, title_nl="B", title_en="B", body_nl="b", body_en="b", updated_by=None)

    # then
    item.refresh_from_db()
    assert (item.title_nl, item.body_en) == ("B", "b")

    # given: then sent
    ContactFactory()
    news_sending_start(news_item_id=item.pk, segment="everyone", plateau=None, flow=None, started_by=None)

    # when / then: refused as a conflict, nothing changed
    with pytest.raises(ConflictError, match="can no longer be changed"):
        news_item_update(news_item_id=item.pk, title_nl="C", title_en="C", body_nl="c", body_en="c", updated_by=None)
    item.refresh_from_db()
    assert (item.title_nl, item.title_en, item.body_nl, item.body_en) == ("B", "B", "b", "b")

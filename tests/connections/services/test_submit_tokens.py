"""The submit token's rules, below the forms (tests/test_double_submits.py drives the five forms themselves): a
token gives back its own row only, to its own sender only, and is claimed only inside the writing transaction."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from connections.models import BulkJob, CallbackRequest, SubmitToken
from connections.services.submit_tokens import (
    SUBMIT_TOKEN_FIELD,
    submit_owner_user,
    submit_token_claim,
    submit_token_parse,
    submit_token_record,
)
from tests.connections.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _callback() -> CallbackRequest:
    return CallbackRequest.objects.create(
        customer=CustomerFactory(), reason="r", contact_name="n", contact_phone="010", due_at="2020-05-18T10:00Z"
    )


def _refused(call) -> bool:
    with pytest.raises(ValidationError) as refusal:
        call()
    return list(refusal.value.message_dict) == [SUBMIT_TOKEN_FIELD]


def test_a_recorded_token_gives_its_row_back_to_its_sender_only_and_for_its_kind_of_row_only():
    # given: a callback request recorded under a token
    sender, other = UserFactory(), UserFactory()
    token = uuid.uuid4()
    with transaction.atomic():
        assert submit_token_claim(token=token, owner=submit_owner_user(sender), model=CallbackRequest) is None
        callback = _callback()
        submit_token_record(token=token, owner=submit_owner_user(sender), created=callback)

    # when / then: the sender gets it back
    with transaction.atomic():
        assert submit_token_claim(token=token, owner=submit_owner_user(sender), model=CallbackRequest) == callback

    # when / then: someone else, or a claim for another kind of row, is refused
    with transaction.atomic():
        assert _refused(lambda: submit_token_claim(token=token, owner=submit_owner_user(other), model=CallbackRequest))
    with transaction.atomic():
        assert _refused(lambda: submit_token_claim(token=token, owner=submit_owner_user(sender), model=BulkJob))

    # when / then: the row is gone since: refused too, never a second row under the token
    CallbackRequest.objects.filter(pk=callback.pk).delete()
    with transaction.atomic():
        assert _refused(lambda: submit_token_claim(token=token, owner=submit_owner_user(sender), model=CallbackRequest))
    assert SubmitToken.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_claim_outside_the_writing_transaction_is_a_programming_error():
    # in autocommit the token's lock would end with its own statement, before the row is written
    with pytest.raises(transaction.TransactionManagementError):
        submit_token_claim(token=uuid.uuid4(), owner="user:1", model=CallbackRequest)


def test_no_token_claims_and_records_nothing():
    with transaction.atomic():
        assert submit_token_claim(token=None, owner="user:1", model=CallbackRequest) is None
        submit_token_record(token=None, owner="user:1", created=_callback())
    assert SubmitToken.objects.count() == 0


@pytest.mark.parametrize(
    "value",
    [None, 42, "", " 0f8fad5b-d9cb-469f-a165-70867728950e", "0F8FAD5B-D9CB-469F-A165-70867728950E", "urn:uuid:0f8f"],
)
def test_only_a_token_as_the_page_has_it_parses(value):
    assert _refused(lambda: submit_token_parse(value))
    assert submit_token_parse("0f8fad5b-d9cb-469f-a165-70867728950e") == uuid.UUID(
        "0f8fad5b-d9cb-469f-a165-70867728950e"
    )


def test_tokens_past_their_period_go_with_the_nightly_retention_and_a_dry_run_only_counts():
    # given: an intake's token (it names an address) past the period, and one within it
    from django.contrib.contenttypes.models import ContentType

    from htg_migration.retention import retention_run

    customer = CustomerFactory()
    now = datetime.datetime(2026, 12, 7, 3, tzinfo=datetime.UTC)
    for days, owner in ((31, "email:old@company.example"), (29, "email:new@company.example")):
        SubmitToken.objects.create(
            token=uuid.uuid4(),
            owner=owner,
            content_type=ContentType.objects.get_for_model(customer),
            object_id=customer.pk,
            created_at=now - datetime.timedelta(days=days),
        )

    # when / then
    assert retention_run(now=now, dry_run=True)["submit_tokens"] == 1
    assert SubmitToken.objects.count() == 2
    assert retention_run(now=now)["submit_tokens"] == 1
    assert list(SubmitToken.objects.values_list("owner", flat=True)) == ["email:new@company.example"]

"""News and newsletters: the team writes an item in Dutch and English and sends it to a segment of the companies.

A sending is a row first; a task works through its recipients in batches, each batch one transaction of outbox
rows. The dedupe key is per item and address (`news:<item id>:<address>`), so a re-run after a crash, the sweep
running it again, or a second sending of the item to an overlapping segment never gives anyone the item twice.
"""

import datetime
import hashlib
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from community.models import NewsItem, NewsSending
from community.selectors.segments import segment_check, segment_recipients
from connections.services.submit_tokens import submit_owner_user, submit_token_claim, submit_token_record
from htg_migration import clock
from htg_migration.errors import ConflictError
from htg_migration.queueing import task_queue_on_commit
from notifications.services import EmailDraft, address_normalise, email_enqueue_many

NEWS_TEMPLATE = "news.item"
NEWS_BATCH = 500
# A sending whose batches have not moved for this long lost its task (a worker crashed): the sweep runs it again.
NEWS_SWEEP_GRACE = datetime.timedelta(minutes=2)


def news_dedupe_key(*, news_item_id: int, address: str) -> str:
    return f"news:{news_item_id}:{address_normalise(address)}"


@transaction.atomic
def news_item_create(
    *,
    title_nl: str,
    title_en: str,
    body_nl: str,
    body_en: str,
    created_by: Any,
    submit_token: uuid.UUID | None = None,
) -> NewsItem:
    """Write a news item (not sent yet). The form sent again with the same `submit_token` writes nothing and returns
    the first item."""
    owner = submit_owner_user(created_by)
    earlier = submit_token_claim(token=submit_token, owner=owner, model=NewsItem)
    if earlier is not None:
        return earlier
    item = NewsItem(
        title_nl=title_nl.strip(),
        title_en=title_en.strip(),
        body_nl=body_nl.strip(),
        body_en=body_en.strip(),
        created_by=created_by,
        created_at=clock.now(),
    )
    item.full_clean()
    item.save()
    submit_token_record(token=submit_token, owner=owner, created=item)
    return item


def news_item_digest(item: NewsItem) -> str:
    """A fingerprint of what the item says, in both languages: the confirmation step carries it, so that a sending
    goes out only with the text the sender saw."""
    text = "\x1f".join((item.title_nl, item.title_en, item.body_nl, item.body_en))
    return hashlib.sha256(text.encode()).hexdigest()


def news_item_is_sent(item: NewsItem) -> bool:
    return item.published_at is not None


@transaction.atomic
def news_item_update(
    *, news_item_id: int, title_nl: str, title_en: str, body_nl: str, body_en: str, updated_by: Any
) -> NewsItem:
    """Change a saved item's text, as long as it has not been sent. After its first sending the companies have it
    as it was: ConflictError, nothing changed. The row lock makes an edit and a sending of the item take turns."""
    item = NewsItem.objects.select_for_update().get(pk=news_item_id)
    if news_item_is_sent(item):
        raise ConflictError(
            _("This news item has been sent, so it can no longer be changed. Nothing was changed."),
            {"news_item_id": item.pk},
        )
    item.title_nl, item.title_en = title_nl.strip(), title_en.strip()
    item.body_nl, item.body_en = body_nl.strip(), body_en.strip()
    item.full_clean()
    item.save(update_fields=["title_nl", "title_en", "body_nl", "body_en"])
    return item


@transaction.atomic
def news_sending_start(
    *,
    news_item_id: int,
    segment: str,
    plateau: int | None,
    flow: str | None,
    started_by: Any,
    submit_token: uuid.UUID | None = None,
    expected_digest: str | None = None,
) -> NewsSending:
    """Record a sending of the item to the segment and queue its task once the transaction commits.

    The confirmation page sent again with the same `submit_token` (a double click) writes nothing and returns the
    first sending. With `expected_digest` (what the confirmation showed), a text changed since is a ConflictError
    and nothing is sent."""
    earlier = submit_token_claim(token=submit_token, owner=submit_owner_user(started_by), model=NewsSending)
    if earlier is not None:
        return earlier
    item = NewsItem.objects.select_for_update().get(pk=news_item_id)
    if expected_digest is not None and expected_digest != news_item_digest(item):
        raise ConflictError(
            _("This news item was changed after you opened the confirmation. Check it again. Nothing was sent."),
            {"news_item_id": item.pk},
        )
    segment_check(segment=segment, plateau=plateau, flow=flow)
    total = segment_recipients(segment=segment, plateau=plateau, flow=flow).count()
    if total == 0:
        raise ValidationError({"segment": [_("Nobody is in this group: there is no one to send the news to.")]})
    now = clock.now()
    sending = NewsSending.objects.create(
        news_item=item,
        segment={"segment": segment, "plateau": plateau, "flow": flow},
        total=total,
        started_by=started_by,
        started_at=now,
        progressed_at=now,
    )
    if item.published_at is None:
        item.published_at = now
        item.save(update_fields=["published_at"])
    submit_token_record(token=submit_token, owner=submit_owner_user(started_by), created=sending)
    from community.tasks import news_sending_run_task

    sending_id = sending.pk
    task_queue_on_commit(lambda: news_sending_run_task.delay(sending_id))
    return sending


def _batch_enqueue(*, item: NewsItem, recipients: list[tuple[str, str]]) -> None:
    # One INSERT for the batch; an address that already has the item (by its dedupe key) is left out.
    email_enqueue_many(
        emails=[
            EmailDraft(
                to_address=address,
                template_key=NEWS_TEMPLATE,
                language=language,
                context={
                    "title": item.title_en if language == "en" else item.title_nl,
                    "body": item.body_en if language == "en" else item.body_nl,
                },
                dedupe_key=news_dedupe_key(news_item_id=item.pk, address=address),
            )
            for address, language in recipients
        ]
    )


def news_sending_run(*, sending_id: int, batch_size: int = NEWS_BATCH) -> NewsSending:
    """Work through the sending's recipients by address, a batch per transaction. Safe to run twice, at the same
    time, or again after a crash: it goes through the whole list again, and an address that already has the item
    (this sending or an earlier one) is skipped by its dedupe key. The segment is resolved again on each run."""
    sending = NewsSending.objects.select_related("news_item").get(pk=sending_id)
    if sending.status == NewsSending.Status.FINISHED:
        return sending
    NewsSending.objects.filter(pk=sending.pk).update(status=NewsSending.Status.RUNNING, progressed_at=clock.now())
    parameters = sending.segment
    recipients = segment_recipients(
        segment=parameters["segment"], plateau=parameters.get("plateau"), flow=parameters.get("flow")
    )
    position, last_address = 0, ""
    while True:
        batch = list(recipients.filter(Q(address__gt=last_address))[:batch_size])
        if not batch:
            break
        with transaction.atomic():
            locked = NewsSending.objects.select_for_update().get(pk=sending.pk)
            if locked.status == NewsSending.Status.FINISHED:  # another run finished it meanwhile
                return locked
            _batch_enqueue(item=sending.news_item, recipients=batch)
            position += len(batch)
            locked.queued_count = max(locked.queued_count, position)
            locked.progressed_at = clock.now()
            locked.save(update_fields=["queued_count", "progressed_at"])
        last_address = batch[-1][0]
    with transaction.atomic():
        locked = NewsSending.objects.select_for_update().get(pk=sending.pk)
        if locked.status != NewsSending.Status.FINISHED:
            # The list as it was gone through: companies added or removed since the start change the total.
            locked.total = locked.queued_count = position
            locked.status = NewsSending.Status.FINISHED
            locked.finished_at = locked.progressed_at = clock.now()
            locked.save(update_fields=["total", "queued_count", "status", "finished_at", "progressed_at"])
    return locked


def news_sendings_unfinished(*, now: datetime.datetime) -> list[int]:
    """Sendings not finished and without progress for a while: their task was lost."""
    return list(
        NewsSending.objects.exclude(status=NewsSending.Status.FINISHED)
        .filter(progressed_at__lt=now - NEWS_SWEEP_GRACE)
        .order_by("id")
        .values_list("id", flat=True)
    )

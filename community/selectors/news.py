"""News items: the team's pages (items and their sendings) and the community area's (what was published)."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from community.models import NewsItem, NewsSending
from community.selectors.segments import segment_check, segment_recipients
from plateaus.models import MessageFlow
from plateaus.selectors import plateau_numbers


def news_item_list() -> QuerySet[NewsItem]:
    """Latest first, with the writer and the number of sendings; one query."""
    # Explicit order: Meta.ordering does not apply to a query with GROUP BY (the count).
    return (
        NewsItem.objects.select_related("created_by")
        .annotate(sending_count=Count("sendings"))
        .order_by("-created_at", "-id")
    )


def news_item_detail(*, news_item_id: int) -> tuple[NewsItem, list[NewsSending]]:
    item = get_object_or_404(NewsItem.objects.select_related("created_by"), pk=news_item_id)
    sendings = list(item.sendings.select_related("started_by").order_by("-started_at", "-id"))
    return item, sendings


def segment_options() -> tuple[list[int], list[MessageFlow]]:
    """The plateau numbers and message flows a segment can be narrowed to."""
    plateaus = plateau_numbers()
    flows = list(MessageFlow.objects.select_related("plateau").order_by("plateau__number", "code"))
    return plateaus, flows


def news_sending_preview(*, segment: str, plateau: int | None, flow: str | None) -> tuple[str, int]:
    """What the confirmation step shows before a sending: the segment's description and how many addresses it
    reaches now. ValidationError when the segment does not exist."""
    description = segment_check(segment=segment, plateau=plateau, flow=flow)
    return description, segment_recipients(segment=segment, plateau=plateau, flow=flow).count()


@dataclass(frozen=True)
class NewsEntry:
    """A news item in the reader's language."""

    pk: int
    title: str
    body: str
    published_at: Any


def news_published() -> QuerySet[NewsItem]:
    """News items that have been sent (the community area never shows a draft), newest first."""
    return NewsItem.objects.filter(published_at__isnull=False).order_by("-published_at", "-id")


def news_entry(item: NewsItem, *, language: str) -> NewsEntry:
    dutch = language.startswith("nl")
    return NewsEntry(
        pk=item.pk,
        title=item.title_nl if dutch else item.title_en,
        body=item.body_nl if dutch else item.body_en,
        published_at=item.published_at,
    )

"""The team's news pages: news items and their sendings."""

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from notifications.models import NewsItem, NewsSending
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

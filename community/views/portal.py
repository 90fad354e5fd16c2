"""The HTG Community area: news, the newsletter archive, and the specifications and schedules the team publishes.
Only for signed-in companies; documents are streamed by the app, never served from a public URL."""

import itertools

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from community.models import Document
from community.selectors.documents import document_count, document_list
from community.selectors.news import news_entry, news_published
from community.views.documents import document_file_response
from connections.views.access import company_required

NEWS_PAGE_SIZE = 10
LATEST_NEWS = 3


def _language() -> str:
    return get_language() or "nl"


@require_safe
@company_required
def community_view(request: HttpRequest) -> HttpResponse:
    language = _language()
    context = {
        "latest_news": [news_entry(item, language=language) for item in news_published()[:LATEST_NEWS]],
        "document_count": document_count(),
    }
    return render(request, "community/community_home.html", context)


@require_safe
@company_required
def news_list_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(news_published(), NEWS_PAGE_SIZE).get_page(request.GET.get("page"))
    language = _language()
    context = {"page": page, "entries": [news_entry(item, language=language) for item in page.object_list]}
    return render(request, "community/community_news_list.html", context)


@require_safe
@company_required
def news_detail_view(request: HttpRequest, news_item_id: int) -> HttpResponse:
    item = news_published().filter(pk=news_item_id).first()
    if item is None:
        raise Http404
    return render(request, "community/community_news_detail.html", {"entry": news_entry(item, language=_language())})


@require_safe
@company_required
def newsletter_archive_view(request: HttpRequest) -> HttpResponse:
    """Every news item ever sent, by month: titles only, one query."""
    language = _language()
    entries = [news_entry(item, language=language) for item in news_published()]
    months = [
        (month, list(items))
        for month, items in itertools.groupby(
            entries, key=lambda entry: timezone.localtime(entry.published_at).date().replace(day=1)
        )
    ]
    return render(request, "community/community_newsletters.html", {"months": months})


@require_safe
@company_required
def document_list_view(request: HttpRequest) -> HttpResponse:
    language = _language()
    documents = list(document_list())
    groups = [
        (kind.label, [(document, document.title_for(language)) for document in documents if document.kind == kind])
        for kind in Document.Kind
    ]
    return render(request, "community/community_documents.html", {"groups": groups})


@require_safe
@company_required
def document_download_view(request: HttpRequest, document_id: int) -> FileResponse:
    return document_file_response(document_id)


urlpatterns = [
    path("portal/community/", community_view, name="home"),
    path("portal/community/news/", news_list_view, name="portal_news_list"),
    path("portal/community/news/<int:news_item_id>/", news_detail_view, name="portal_news_detail"),
    path("portal/community/newsletters/", newsletter_archive_view, name="newsletter_archive"),
    path("portal/community/documents/", document_list_view, name="portal_documents"),
    path(
        "portal/community/documents/<int:document_id>/download/",
        document_download_view,
        name="portal_document_download",
    ),
]

"""The documents of the HTG Community area."""

from django.db.models import QuerySet

from community.models import Document


def document_list(*, kind: str | None = None) -> QuerySet[Document]:
    """Published documents, newest first, with who uploaded them (one query)."""
    documents = Document.objects.select_related("uploaded_by").order_by("-uploaded_at", "-id")
    if kind is not None:
        documents = documents.filter(kind=kind)
    return documents


def document_count() -> int:
    """How many documents the community area offers (one query)."""
    return Document.objects.count()


def document_get(*, document_id: int) -> Document | None:
    return Document.objects.filter(pk=document_id).first()

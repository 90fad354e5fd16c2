"""Reading imports, and the registration list for export, in the import's own format (docs/import-format.md)."""

import datetime
from collections.abc import Iterator

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from connections.models import CONTACT_ORDER, Connection, ConnectionState, Contact, Customer
from connections.selectors.connection_list import ConnectionFilters, connection_list
from imports.models import ImportBatch
from imports.services.formats import CONTACT_PREFIXES, FLOW_SEPARATOR

EXPORT_CHUNK = 2_000
CONTACTS_PER_ROW = len(CONTACT_PREFIXES)


def import_batch_list() -> QuerySet[ImportBatch]:
    """The latest imports, newest first, with their uploader; without the error reports (they can be large)."""
    return ImportBatch.objects.select_related("created_by").defer("errors", "failure").order_by("-created_at", "-id")


def import_batch_get(*, batch_id: int) -> ImportBatch:
    return ImportBatch.objects.select_related("created_by").get(pk=batch_id)


def registration_export_rows(*, filters: ConnectionFilters, today: datetime.date) -> Iterator[list[str]]:
    """One row per company with a connection in the filtered list, each company once, in the import's columns.

    A row describes the whole company: all its flows (but withdrawn ones, which it no longer uses) and its first two
    contacts, primary first, whatever the filter matched. So an export imported again changes nothing. One query
    for the companies, then two for each 2,000 of them: the rows are built a chunk at a time.
    """
    connections = connection_list(filters=filters, today=today).order_by().values("customer_id")
    customers = list(
        Customer.objects.filter(pk__in=connections)
        .order_by("legal_name", "id")
        .values_list("id", "legal_name", "kvk_number", "eori", "role", "hub__eori")
    )
    for start in range(0, len(customers), EXPORT_CHUNK):
        chunk = customers[start : start + EXPORT_CHUNK]
        ids = [customer[0] for customer in chunk]
        flows: dict[int, list[str]] = {}
        for customer_id, code in (
            Connection.objects.filter(customer_id__in=ids)
            .exclude(state=ConnectionState.WITHDRAWN)
            .order_by("customer_id", "flow__plateau__number", "flow__code")
            .values_list("customer_id", "flow__code")
        ):
            flows.setdefault(customer_id, []).append(code)
        contacts: dict[int, list[tuple[str, str, str, str]]] = {}
        for customer_id, name, email, phone, language in (
            Contact.objects.filter(customer_id__in=ids)
            .order_by("customer_id", *CONTACT_ORDER)
            .values_list("customer_id", "name", "email", "phone", "language")
        ):
            listed = contacts.setdefault(customer_id, [])
            if len(listed) < CONTACTS_PER_ROW:
                listed.append((name, email, phone, language))
        for customer_id, legal_name, kvk_number, eori, role, hub_eori in chunk:
            row = [legal_name, kvk_number, eori, role, hub_eori or "", FLOW_SEPARATOR.join(flows.get(customer_id, []))]
            contact_cells = [cell for contact in contacts.get(customer_id, []) for cell in contact]
            row += contact_cells + [""] * (4 * CONTACTS_PER_ROW - len(contact_cells))
            yield row


def import_batch_detail(*, batch_id: int) -> ImportBatch:
    """One upload with who uploaded it; 404 for an unknown id."""
    return get_object_or_404(ImportBatch.objects.select_related("created_by"), pk=batch_id)


def import_batch_progress(*, batch_id: int) -> ImportBatch:
    """Only what the progress bar reads; 404 for an unknown id."""
    return get_object_or_404(ImportBatch.objects.only("status", "processed_rows", "total_rows"), pk=batch_id)

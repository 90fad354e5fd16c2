"""The whole registration list against itself and the register: every error, or the plan of what an import writes.

Everything is checked in memory: the register's customers are fetched once (sets and dicts for the uniqueness and
hub checks), the contacts and connections of the companies the file names in a few large queries. A file with any
error gets no plan: nothing of it is written.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, NamedTuple

from django.utils.translation import gettext_lazy as _

from connections.models import Connection, Contact, Customer
from imports.services.formats import UnreadableFile, read_rows
from imports.services.rows import (
    KVK_NEEDED,
    NO_ROWS,
    ONLY_DIRECT_VIA_HUB,
    ContactRow,
    RegistrationRow,
    RowError,
    RowParser,
    parse_header,
)
from plateaus.models import MessageFlow

MAX_STORED_ERRORS = 1000
PROGRESS_EVERY = 2000
QUERY_CHUNK = 10_000

EORI_TWICE = _("This EORI number is also on line %(line)s: one row per company.")
KVK_TWICE = _("This KvK number is also on line %(line)s.")
KVK_TAKEN = _("This KvK number belongs to another registered company (EORI %(eori)s).")
HUB_UNKNOWN = _("There is no company with EORI number %(eori)s in this file or in the register.")
NOT_A_HUB = _("The company with EORI number %(eori)s is not a hub.")
HUB_STILL_SERVES = _(
    "This company is the hub of other registered companies: give them another hub first, or keep the role “hub”."
)

Progress = Callable[[int], None]


class Registered(NamedTuple):
    """A customer of the register, as the checks need it."""

    id: int
    legal_name: str
    kvk_number: str
    role: str
    hub_id: int | None


class ExistingContact(NamedTuple):
    id: int
    name: str
    email: str
    phone: str
    language: str


@dataclass(slots=True)
class CustomerChange:
    """What the import does to one company: create it, or update it; its new contacts and connections."""

    row: RegistrationRow
    customer_id: int | None  # None: a new company
    role: str
    kvk_number: str
    hub_eori: str
    fields_changed: bool = False
    new_contacts: list[ContactRow] = field(default_factory=list)
    changed_contacts: list[tuple[int, ContactRow]] = field(default_factory=list)
    first_contact_is_primary: bool = False
    new_flow_ids: list[int] = field(default_factory=list)

    @property
    def is_update(self) -> bool:
        return self.customer_id is not None and (
            self.fields_changed or bool(self.new_contacts) or bool(self.changed_contacts)
        )


@dataclass
class RegistrationPlan:
    """The outcome of checking a file: its errors (the first MAX_STORED_ERRORS, and how many), or its changes."""

    total_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    changes: list[CustomerChange] = field(default_factory=list)
    customer_ids: dict[str, int] = field(default_factory=dict)  # EORI -> id of every registered customer
    created_customers: int = 0
    updated_customers: int = 0
    created_connections: int = 0

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(error)

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0


def registration_plan(*, file: IO[bytes], file_format: str, progress: Progress | None = None) -> RegistrationPlan:
    """Read and check the whole file (progress is told how many rows were read, now and then). Reads only."""
    plan = RegistrationPlan()
    try:
        rows, rejected = _read(plan, file=file, file_format=file_format, progress=progress)
    except UnreadableFile as error:
        plan.add_error(RowError(error.line, "", error.message, error.params or None))
        return plan
    if not plan.total_rows and plan.is_valid:
        plan.add_error(RowError(2, "", NO_ROWS))
    if not rows:
        return plan
    register, clients = _register()
    plan.customer_ids = {eori: customer.id for eori, customer in register.items()}
    _check_against_register(plan, rows, rejected, register, clients)
    if plan.is_valid:
        _plan_changes(plan, rows, register)
    return plan


def _read(
    plan: RegistrationPlan, *, file: IO[bytes], file_format: str, progress: Progress | None
) -> tuple[list[RegistrationRow], dict[str, set[str]]]:
    """The first row of each well-formed EORI number, and for those with errors of their own (reported to plan) the
    columns of those errors. The register's checks skip a column that has an error already: one mistake, one
    message; but they do check the row's other columns, so that one upload shows every mistake."""
    lines = read_rows(file, file_format)
    header = next(lines, None)
    if header is None:
        return [], {}
    positions, header_errors = parse_header(header[1])
    for error in header_errors:
        plan.add_error(error)
    if header_errors:
        return [], {}
    flow_codes = MessageFlow.objects.order_by("plateau__number", "code").values_list("id", "code")
    flows = {code.upper(): flow_id for flow_id, code in flow_codes}
    parser = RowParser(positions=positions, flow_ids=flows)
    rows: list[RegistrationRow] = []
    rejected: dict[str, set[str]] = {}
    first_line_of_eori: dict[str, int] = {}
    first_line_of_kvk: dict[str, int] = {}
    for line, cells in lines:
        if not any(cells):
            continue  # an empty line: spreadsheets leave them
        plan.total_rows += 1
        row, errors = parser.parse(line, cells)
        bad = {error.field for error in errors}
        # Repeats count only for well-formed values: "also on line 2" is no help for a malformed number.
        if row.eori and "eori" not in bad:
            if row.eori in first_line_of_eori:
                errors.append(RowError(line, "eori", EORI_TWICE, {"line": first_line_of_eori[row.eori]}))
            else:
                first_line_of_eori[row.eori] = line
                rows.append(row)
        if row.kvk_number and "kvk_number" not in bad:
            if row.kvk_number in first_line_of_kvk:
                errors.append(RowError(line, "kvk_number", KVK_TWICE, {"line": first_line_of_kvk[row.kvk_number]}))
            else:
                first_line_of_kvk[row.kvk_number] = line
        for error in errors:
            plan.add_error(error)
        if errors and first_line_of_eori.get(row.eori) == line:
            rejected[row.eori] = {error.field for error in errors}
        if progress is not None and plan.total_rows % PROGRESS_EVERY == 0:
            progress(plan.total_rows)
    return rows, rejected


def _register() -> tuple[dict[str, Registered], dict[int, list[str]]]:
    """Every registered customer by EORI number, and the EORI numbers of each hub's clients: one query."""
    register: dict[str, Registered] = {}
    clients: dict[int, list[str]] = {}
    for customer_id, eori, legal_name, kvk_number, role, hub_id in Customer.objects.order_by().values_list(
        "id", "eori", "legal_name", "kvk_number", "role", "hub_id"
    ):
        register[eori] = Registered(customer_id, legal_name, kvk_number, role, hub_id)
        if hub_id is not None:
            clients.setdefault(hub_id, []).append(eori)
    return register, clients


def _check_against_register(
    plan: RegistrationPlan,
    rows: list[RegistrationRow],
    rejected: dict[str, set[str]],
    register: dict[str, Registered],
    clients: dict[int, list[str]],
) -> None:
    in_file = {row.eori: row for row in rows}
    kvk_owners = {customer.kvk_number: eori for eori, customer in register.items() if customer.kvk_number}
    no_errors: set[str] = set()

    def role_of(eori: str) -> str | None:
        row = in_file.get(eori)
        if row is not None and row.role is not None:
            return row.role
        current = register.get(eori)
        if current is not None:
            return current.role
        return Customer.Role.DIRECT if row is not None else None

    for row in rows:
        bad = rejected.get(row.eori, no_errors)
        current = register.get(row.eori)
        role = role_of(row.eori)
        keeps_its_hub = row.hub_eori is None and current is not None and current.hub_id is not None
        if row.kvk_number and "kvk_number" not in bad:
            owner = kvk_owners.get(row.kvk_number)
            if owner is not None and owner != row.eori:
                plan.add_error(RowError(row.line, "kvk_number", KVK_TAKEN, {"eori": owner}))
        elif row.kvk_number is None and current is None and row.eori.startswith("NL"):
            plan.add_error(RowError(row.line, "kvk_number", KVK_NEEDED))
        if "role" in bad or "hub_eori" in bad:
            continue
        if row.hub_eori:
            hub_role = role_of(row.hub_eori)
            if "role" in rejected.get(row.hub_eori, no_errors):
                pass  # the hub's own row has a bad role: reported there
            elif hub_role is None:
                plan.add_error(RowError(row.line, "hub_eori", HUB_UNKNOWN, {"eori": row.hub_eori}))
            elif hub_role != Customer.Role.HUB:
                plan.add_error(RowError(row.line, "hub_eori", NOT_A_HUB, {"eori": row.hub_eori}))
            elif row.role is None and role != Customer.Role.DIRECT:
                plan.add_error(RowError(row.line, "hub_eori", ONLY_DIRECT_VIA_HUB))
        elif keeps_its_hub and role != Customer.Role.DIRECT:
            plan.add_error(RowError(row.line, "role", ONLY_DIRECT_VIA_HUB))
        if current is not None and current.role == Customer.Role.HUB and role != Customer.Role.HUB:
            for client_eori in clients.get(current.id, []):
                client_row = in_file.get(client_eori)
                moved = client_row is not None and client_row.hub_eori is not None
                if not moved or (client_row is not None and client_row.hub_eori == row.eori):
                    plan.add_error(RowError(row.line, "role", HUB_STILL_SERVES))
                    break


def _plan_changes(plan: RegistrationPlan, rows: list[RegistrationRow], register: dict[str, Registered]) -> None:
    eori_by_id = {customer.id: eori for eori, customer in register.items()}
    known_ids = [register[row.eori].id for row in rows if row.eori in register]
    contacts, has_primary = _contacts_of(known_ids)
    flows_of = _flows_of(known_ids)
    for row in rows:
        current = register.get(row.eori)
        if current is None:
            change = CustomerChange(
                row=row,
                customer_id=None,
                role=row.role or Customer.Role.DIRECT,
                kvk_number=row.kvk_number or "",
                hub_eori=row.hub_eori or "",
                new_contacts=list(row.contacts),
                first_contact_is_primary=True,
                new_flow_ids=list(row.flow_ids),
            )
            plan.created_customers += 1
        else:
            current_hub = eori_by_id.get(current.hub_id, "") if current.hub_id is not None else ""
            change = CustomerChange(
                row=row,
                customer_id=current.id,
                role=row.role if row.role is not None else current.role,
                kvk_number=row.kvk_number if row.kvk_number is not None else current.kvk_number,
                hub_eori=row.hub_eori if row.hub_eori is not None else current_hub,
                first_contact_is_primary=current.id not in has_primary,
            )
            change.fields_changed = (
                row.legal_name != current.legal_name
                or change.role != current.role
                or change.kvk_number != current.kvk_number
                or change.hub_eori != current_hub
            )
            for contact in row.contacts:
                existing = contacts.get((current.id, contact.email.lower()))
                if existing is None:
                    change.new_contacts.append(contact)
                elif (existing.name, existing.email, existing.phone, existing.language) != (
                    contact.name,
                    contact.email,
                    contact.phone,
                    contact.language,
                ):
                    change.changed_contacts.append((existing.id, contact))
            present = flows_of.get(current.id, set())
            change.new_flow_ids = [flow_id for flow_id in row.flow_ids if flow_id not in present]
            if change.is_update:
                plan.updated_customers += 1
            elif not change.new_flow_ids:
                continue  # nothing to do for this company
        plan.created_connections += len(change.new_flow_ids)
        plan.changes.append(change)


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + QUERY_CHUNK] for start in range(0, len(ids), QUERY_CHUNK)]


def _contacts_of(customer_ids: list[int]) -> tuple[dict[tuple[int, str], ExistingContact], set[int]]:
    """The contacts of these customers by (customer, e-mail in lower case), and which customers have a primary."""
    contacts: dict[tuple[int, str], ExistingContact] = {}
    has_primary: set[int] = set()
    for chunk in _chunks(customer_ids):
        for contact_id, customer_id, name, email, phone, language, is_primary in (
            Contact.objects.filter(customer_id__in=chunk)
            .order_by()
            .values_list("id", "customer_id", "name", "email", "phone", "language", "is_primary")
        ):
            contacts[(customer_id, email.lower())] = ExistingContact(contact_id, name, email, phone, language)
            if is_primary:
                has_primary.add(customer_id)
    return contacts, has_primary


def _flows_of(customer_ids: list[int]) -> dict[int, set[int]]:
    flows: dict[int, set[int]] = {}
    for chunk in _chunks(customer_ids):
        for customer_id, flow_id in (
            Connection.objects.filter(customer_id__in=chunk).order_by().values_list("customer_id", "flow_id")
        ):
            flows.setdefault(customer_id, set()).add(flow_id)
    return flows

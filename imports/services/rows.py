"""One row of the registration list: its cells checked and normalised on their own, without the database.

The checks that need the rest of the file or the register (uniqueness, hubs, KvK numbers of other companies) are in
plan.py. Messages are lazy, so that a report can be rendered in Dutch and in English from the same error.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from connections.models import Contact, Customer, Language
from connections.validators import normalise_identifier, validate_eori, validate_kvk_number
from imports.services.formats import COLUMNS, CONTACT_PREFIXES, REQUIRED_COLUMNS, column_name

# The same messages as the customer service's (connections/services/customers.py), so they read the same everywhere.
LEGAL_NAME_MISSING = _("Enter the company's legal name.")
KVK_NEEDED = _("A Dutch company needs its KvK number (8 digits).")
ROLE_UNKNOWN = _("Choose direct user, hub or software supplier.")
ONLY_DIRECT_VIA_HUB = _("Only a direct user can be served through a hub.")
CONTACT_NAME_MISSING = _("Enter the contact's name.")
EMAIL_INVALID = _("Enter a valid e-mail address.")
LANGUAGE_UNKNOWN = _("Choose Dutch or English as the preferred language.")
EMAIL_TWICE = _("This e-mail address is already listed for this company.")
# The import's own.
COLUMN_MISSING = _("The column “%(column)s” is missing: every file needs it.")
COLUMN_UNKNOWN = _("Unknown column “%(column)s”: see the import format for the column names.")
COLUMN_TWICE = _("The column “%(column)s” appears more than once.")
NO_ROWS = _("The file has no rows below the header.")
EORI_MISSING = _("Enter the company's EORI number.")
TOO_LONG = _("At most %(max)s characters (this has %(length)s).")
FLOW_UNKNOWN = _("Unknown message flow “%(code)s”: use %(codes)s, separated by “;”.")
TOO_MANY_CELLS = _("This line has more cells than the header has columns.")

# What people type in the role column, in English and Dutch; spaces, dashes and underscores do not matter.
ROLE_WORDS = {
    "direct": Customer.Role.DIRECT,
    "directuser": Customer.Role.DIRECT,
    "directegebruiker": Customer.Role.DIRECT,
    "hub": Customer.Role.HUB,
    "hubintermediary": Customer.Role.HUB,
    "hubintermediair": Customer.Role.HUB,
    "intermediary": Customer.Role.HUB,
    "intermediair": Customer.Role.HUB,
    "tussenpersoon": Customer.Role.HUB,
    "softwaresupplier": Customer.Role.SOFTWARE_SUPPLIER,
    "softwareleverancier": Customer.Role.SOFTWARE_SUPPLIER,
}
LANGUAGE_WORDS = {
    "": Language.DUTCH,
    "nl": Language.DUTCH,
    "dutch": Language.DUTCH,
    "nederlands": Language.DUTCH,
    "en": Language.ENGLISH,
    "english": Language.ENGLISH,
    "engels": Language.ENGLISH,
}
_WORD_SEPARATORS = re.compile(r"[\s_\-()]+")
_FLOW_SEPARATORS = re.compile(r"[;,|]")

LEGAL_NAME_MAX = Customer._meta.get_field("legal_name").max_length or 200
CONTACT_NAME_MAX = Contact._meta.get_field("name").max_length or 200
EMAIL_MAX = Contact._meta.get_field("email").max_length or 254
PHONE_MAX = Contact._meta.get_field("phone").max_length or 30


@dataclass(frozen=True, slots=True)
class RowError:
    """One finding: the line (as a spreadsheet numbers it), the column, and a lazy message with its values."""

    line: int
    field: str
    message: Promise | str
    params: dict[str, Any] | None = None

    def render(self, language: str) -> str:
        with translation.override(language):
            text = str(self.message)
            return text % self.params if self.params else text

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "field": self.field,
            "message_en": self.render("en"),
            "message_nl": self.render("nl"),
        }


@dataclass(slots=True)
class ContactRow:
    prefix: str  # "contact" or "contact2": the columns it came from
    name: str
    email: str
    phone: str
    language: str


@dataclass(slots=True)
class RegistrationRow:
    """A row's values, normalised. None: the file has no such column, so an existing company keeps its value."""

    line: int
    legal_name: str
    eori: str
    kvk_number: str | None
    role: str | None
    hub_eori: str | None
    flow_ids: list[int]
    contacts: list[ContactRow] = field(default_factory=list)


def parse_header(cells: list[str]) -> tuple[dict[str, int], list[RowError]]:
    """Where each known column is, and what is wrong with the header."""
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for position, cell in enumerate(cells):
        name = column_name(cell)
        if not name:
            continue  # an empty header cell (a spreadsheet's trailing columns): nothing is read below it
        if name not in COLUMNS:
            errors.append(RowError(1, cell.strip(), COLUMN_UNKNOWN, {"column": cell.strip()}))
        elif name in positions:
            errors.append(RowError(1, name, COLUMN_TWICE, {"column": name}))
        else:
            positions[name] = position
    for name in REQUIRED_COLUMNS:
        if name not in positions:
            errors.append(RowError(1, name, COLUMN_MISSING, {"column": name}))
    return positions, errors


def _validator_error(line: int, column: str, error: ValidationError) -> RowError:
    # The validators' messages are lazy already; keep them lazy so that the report has both languages.
    first = error.error_list[0]
    return RowError(line, column, first.message, first.params if "%(" in str(first.message) else None)


def _too_long(line: int, column: str, value: str, maximum: int) -> RowError | None:
    if len(value) > maximum:
        return RowError(line, column, TOO_LONG, {"max": maximum, "length": len(value)})
    return None


class RowParser:
    """Turns the cells of one line into a RegistrationRow and its errors; knows the header and the flows."""

    def __init__(self, *, positions: dict[str, int], flow_ids: dict[str, int]) -> None:
        self.positions = positions
        self.flow_ids = flow_ids
        self.flow_codes = ", ".join(flow_ids)
        self.width = max(positions.values(), default=-1) + 1
        self.present = set(positions)

    def cell(self, cells: list[str], name: str) -> str:
        position = self.positions.get(name)
        if position is None or position >= len(cells):
            return ""
        return cells[position]

    def parse(self, line: int, cells: list[str]) -> tuple[RegistrationRow, list[RowError]]:
        errors: list[RowError] = []
        if len(cells) > self.width and any(cells[self.width :]):
            errors.append(RowError(line, "", TOO_MANY_CELLS))

        legal_name = self.cell(cells, "legal_name")
        if not legal_name:
            errors.append(RowError(line, "legal_name", LEGAL_NAME_MISSING))
        elif too_long := _too_long(line, "legal_name", legal_name, LEGAL_NAME_MAX):
            errors.append(too_long)

        eori = normalise_identifier(self.cell(cells, "eori"))
        if not eori:
            errors.append(RowError(line, "eori", EORI_MISSING))
        else:
            try:
                validate_eori(eori)
            except ValidationError as error:
                errors.append(_validator_error(line, "eori", error))

        kvk_number: str | None = None
        if "kvk_number" in self.present:
            kvk_number = normalise_identifier(self.cell(cells, "kvk_number"))
            if kvk_number:
                try:
                    validate_kvk_number(kvk_number)
                except ValidationError as error:
                    errors.append(_validator_error(line, "kvk_number", error))
            elif eori.startswith("NL"):
                errors.append(RowError(line, "kvk_number", KVK_NEEDED))

        role: str | None = None
        if "role" in self.present:
            text = self.cell(cells, "role")
            role = ROLE_WORDS.get(_WORD_SEPARATORS.sub("", text.lower())) if text else Customer.Role.DIRECT
            if role is None:
                errors.append(RowError(line, "role", ROLE_UNKNOWN))

        hub_eori: str | None = None
        if "hub_eori" in self.present:
            hub_eori = normalise_identifier(self.cell(cells, "hub_eori"))
            if hub_eori:
                try:
                    validate_eori(hub_eori)
                except ValidationError as error:
                    errors.append(_validator_error(line, "hub_eori", error))
            if hub_eori and role is not None and role != Customer.Role.DIRECT:
                errors.append(RowError(line, "hub_eori", ONLY_DIRECT_VIA_HUB))

        flow_ids: list[int] = []
        for code in _FLOW_SEPARATORS.split(self.cell(cells, "flows")):
            code = code.strip().upper()
            if not code:
                continue
            flow_id = self.flow_ids.get(code)
            if flow_id is None:
                errors.append(RowError(line, "flows", FLOW_UNKNOWN, {"code": code, "codes": self.flow_codes}))
            elif flow_id not in flow_ids:
                flow_ids.append(flow_id)

        contacts = []
        emails: set[str] = set()
        for prefix in CONTACT_PREFIXES:
            contact = self._contact(line, cells, prefix, errors)
            if contact is None:
                continue
            if contact.email.lower() in emails:
                errors.append(RowError(line, f"{prefix}_email", EMAIL_TWICE))
            emails.add(contact.email.lower())
            contacts.append(contact)

        row = RegistrationRow(
            line=line,
            legal_name=legal_name,
            eori=eori,
            kvk_number=kvk_number,
            role=role,
            hub_eori=hub_eori,
            flow_ids=flow_ids,
            contacts=contacts,
        )
        return row, errors

    def _contact(self, line: int, cells: list[str], prefix: str, errors: list[RowError]) -> ContactRow | None:
        name = self.cell(cells, f"{prefix}_name")
        email = self.cell(cells, f"{prefix}_email")
        phone = self.cell(cells, f"{prefix}_phone")
        language_text = self.cell(cells, f"{prefix}_language")
        if not (name or email or phone or language_text):
            return None
        if not name:
            errors.append(RowError(line, f"{prefix}_name", CONTACT_NAME_MISSING))
        elif too_long := _too_long(line, f"{prefix}_name", name, CONTACT_NAME_MAX):
            errors.append(too_long)
        if len(email) > EMAIL_MAX:
            errors.append(RowError(line, f"{prefix}_email", TOO_LONG, {"max": EMAIL_MAX, "length": len(email)}))
        else:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(RowError(line, f"{prefix}_email", EMAIL_INVALID))
        if too_long := _too_long(line, f"{prefix}_phone", phone, PHONE_MAX):
            errors.append(too_long)
        language = LANGUAGE_WORDS.get(language_text.lower())
        if language is None:
            errors.append(RowError(line, f"{prefix}_language", LANGUAGE_UNKNOWN))
            language = Language.DUTCH
        return ContactRow(prefix=prefix, name=name, email=email, phone=phone, language=language)

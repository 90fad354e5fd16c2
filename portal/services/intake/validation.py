"""The intake's rules: each step's errors, keyed by the form field they belong to, and the shape of a draft's rows
(see the package's docstring for the draft's JSON)."""

import datetime
import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_ipv46_address
from django.utils import formats
from django.utils.translation import gettext as _

from connections.models import Channel, Customer, Language, TlsVersion
from connections.selectors.customers import IdentifierHolders, customer_identifier_holders
from connections.services.customers import DUPLICATE, customer_identifier_errors
from connections.validators import normalise_identifier
from htg_migration import clock
from portal.selectors.intake import IntakeContext
from portal.services.sign_in import portal_email_normalise

INTAKE_STEPS = ("company", "contacts", "flows", "review")
MAX_CONTACTS = 10
MAX_CLIENTS = 50
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()\-]{6,25}$")
HTG_NUMBER_TEMPLATE = "customer.htg_number_issued"
DRAFT_FIELD = "intake"  # the key of a refusal of the whole draft (the intake's form has this id)
INTAKE_LOCK_NAMESPACE = 7_340_105  # the first key of the intake's advisory locks (one per verified address)
# TLS versions older than HTG takes: a company on one of them may submit with the date it expects TLS 1.2.
OLD_TLS_VERSIONS = ("1.1", "1.0")
# A flow's fields in the order of the form (the error summary follows it).
FLOW_FIELDS = ("used", "channel", "tls_version", "tls_upgrade_on", "vpn_peer_address", "vpn_details")
Errors = dict[str, list[str]]


def intake_text(value: Any, limit: int = 200) -> str:
    return str(value or "").strip()[:limit]


def _is_blank(row: dict[str, Any], names: tuple[str, ...]) -> bool:
    return not any(intake_text(row.get(name)) for name in names)


def intake_contact_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The contacts typed in, without empty rows (the first row, the signed-in person, always counts)."""
    rows = list(data.get("contacts") or [])[:MAX_CONTACTS]
    return [row for index, row in enumerate(rows) if index == 0 or not _is_blank(row, ("name", "email", "phone"))]


def intake_client_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    if data.get("role") != Customer.Role.HUB:
        return []
    rows = list(data.get("clients") or [])[:MAX_CLIENTS]
    return [row for row in rows if not _is_blank(row, ("legal_name", "kvk_number", "eori"))]


def intake_used_flows(data: dict[str, Any], context: IntakeContext) -> list[str]:
    """The codes of the flows the intake covers: those ticked, and those the team planned already."""
    chosen = data.get("flows") or {}
    return [
        flow.code
        for flow in context.flows
        if context.flow_is_required(flow.code) or (chosen.get(flow.code) or {}).get("used")
    ]


def _registered_message(field: str) -> str:
    """A number another company has: on the portal, the company is sent to the helpdesk."""
    if field == "eori":
        return _("A company with this EORI number is already registered. Please contact the National Customs Helpdesk.")
    return _("A company with this KvK number is already registered. Please contact the National Customs Helpdesk.")


def _identifier_errors(
    *,
    prefix: str,
    kvk_number: str,
    eori: str,
    exclude_customer_id: int | None,
    holders: IdentifierHolders,
    errors: Errors,
) -> None:
    found = customer_identifier_errors(
        eori=eori, kvk_number=kvk_number, exclude_customer_id=exclude_customer_id, holders=holders
    )
    for field, error in found.items():
        if field == "eori" and not eori:
            texts = [_("Enter the EORI number, for example NL123456789.")]
        elif error.code == DUPLICATE:
            texts = [_registered_message(field)]
        else:
            texts = list(error.messages)
        errors[f"{prefix}{field}"] = texts


def _company_errors(data: dict[str, Any], context: IntakeContext, errors: Errors) -> None:
    customer_id = context.customer.pk if context.customer else None
    eori = normalise_identifier(intake_text(data.get("eori")))
    kvk_number = normalise_identifier(intake_text(data.get("kvk_number")))
    clients = [
        (
            row,
            normalise_identifier(intake_text(row.get("eori"))),
            normalise_identifier(intake_text(row.get("kvk_number"))),
        )
        for row in intake_client_rows(data)
    ]
    # One query for every number on the page, however many clients a hub lists.
    holders = customer_identifier_holders(
        eoris=[eori, *(client_eori for _row, client_eori, _kvk in clients)],
        kvk_numbers=[kvk_number, *(client_kvk for _row, _eori, client_kvk in clients)],
    )
    if not intake_text(data.get("legal_name")):
        errors["legal_name"] = [_("Enter the company's legal name, as registered with the KvK.")]
    _identifier_errors(
        prefix="",
        kvk_number=kvk_number,
        eori=eori,
        exclude_customer_id=customer_id,
        holders=holders,
        errors=errors,
    )
    role = data.get("role")
    if role not in Customer.Role.values:
        errors["role"] = [_("Choose how your company exchanges messages: direct user, hub or software supplier.")]
    elif context.customer is not None and context.customer.hub_id and role != Customer.Role.DIRECT:
        errors["role"] = [_("Your company is served through a hub, so it is a direct user.")]
    elif (
        context.customer is not None
        and context.customer.role == Customer.Role.HUB
        and role != Customer.Role.HUB
        and context.customer.clients.exists()
    ):
        # The import refuses the same change (imports/services/plan.py, HUB_STILL_SERVES).
        errors["role"] = [
            _(
                "Your company is the hub of other companies in the migration, so it stays a hub. To change this, "
                "ask the connection team to move your clients to another hub first."
            )
        ]
    seen: set[str] = {eori}
    for index, (row, client_eori, client_kvk_number) in enumerate(clients):
        prefix = f"clients-{index}-"
        if not intake_text(row.get("legal_name")):
            errors[f"{prefix}legal_name"] = [_("Enter the client's legal name.")]
        _identifier_errors(
            prefix=prefix,
            kvk_number=client_kvk_number,
            eori=client_eori,
            exclude_customer_id=None,
            holders=holders,
            errors=errors,
        )
        if client_eori and client_eori in seen and f"{prefix}eori" not in errors:
            errors[f"{prefix}eori"] = [_("This EORI number is already listed above.")]
        seen.add(client_eori)


def _contact_errors(data: dict[str, Any], context: IntakeContext, errors: Errors) -> None:
    seen: set[str] = set()
    for index, row in enumerate(intake_contact_rows(data)):
        prefix = f"contacts-{index}-"
        if not intake_text(row.get("name")):
            errors[f"{prefix}name"] = [_("Enter the contact's name.")]
        email = portal_email_normalise(intake_text(row.get("email"), 254))
        if index == 0:
            email = context.email  # the signed-in person: verified by the sign-in link
        try:
            validate_email(email)
        except ValidationError:
            errors[f"{prefix}email"] = [_("Enter a valid e-mail address, for example name@company.nl.")]
        else:
            if email in seen:
                errors[f"{prefix}email"] = [_("This e-mail address is already listed above.")]
        seen.add(email)
        phone = intake_text(row.get("phone"), 40)
        if not phone and index == 0:
            errors[f"{prefix}phone"] = [_("Enter a phone number on which the connection team can reach you.")]
        elif phone and (not PHONE_PATTERN.fullmatch(phone) or sum(c.isdigit() for c in phone) < 6):
            errors[f"{prefix}phone"] = [
                _("Enter a phone number of digits only (spaces, dashes and a leading + allowed).")
            ]
        if row.get("language") not in Language.values:
            errors[f"{prefix}language"] = [_("Choose Dutch or English.")]


def intake_flow_row_clean(row: dict[str, Any]) -> dict[str, Any]:
    """A flow's answers without those its channel does not ask: no VPN for SMTP-MSA/POP3, no TLS for SMTP-MTA, no
    upgrade date unless the TLS version is an old one. (A page without JavaScript posts hidden fields too.)"""
    row = dict(row)
    channel = row.get("channel")
    if channel != Channel.SMTP_MSA_POP3:
        row["tls_version"] = row["tls_upgrade_on"] = ""
    if channel != Channel.SMTP_MTA_IPSEC:
        row["vpn_peer_address"] = row["vpn_details"] = ""
    if row.get("tls_version") not in OLD_TLS_VERSIONS:
        row["tls_upgrade_on"] = ""
    return row


def intake_flow_is_upgrading(row: dict[str, Any]) -> bool:
    """SMTP-MSA/POP3 still on TLS 1.1 or older, with the date by which it will be on TLS 1.2."""
    return (
        row.get("channel") == Channel.SMTP_MSA_POP3
        and row.get("tls_version") in OLD_TLS_VERSIONS
        and bool(intake_text(row.get("tls_upgrade_on")))
    )


def intake_upgrade_date(row: dict[str, Any]) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(intake_text(row.get("tls_upgrade_on"), 10))
    except ValueError:
        return None


def _upgrade_errors(code: str, row: dict[str, Any], deadline: datetime.date, errors: Errors) -> None:
    key = f"flow-{code}-tls_upgrade_on"
    if not intake_text(row.get("tls_upgrade_on")):
        errors[f"flow-{code}-tls_version"] = [
            _(
                "TLS %(version)s is no longer allowed for %(flow)s: HTG accepts SMTP-MSA/POP3 only over TLS 1.2 or "
                "later. Choose TLS 1.2 or 1.3, or, if you are upgrading, enter the date by which %(flow)s will use "
                "TLS 1.2."
            )
            % {"version": row.get("tls_version"), "flow": code}
        ]
        return
    expected_on = intake_upgrade_date(row)
    if expected_on is None:
        errors[key] = [
            _("Enter the date by which %(flow)s will use TLS 1.2 as a date, for example 2020-06-01.") % {"flow": code}
        ]
    elif expected_on < clock.today():
        errors[key] = [_("The date by which %(flow)s will use TLS 1.2 cannot be in the past.") % {"flow": code}]
    elif expected_on > deadline:
        errors[key] = [
            _("%(flow)s must use TLS 1.2 before the deadline: enter a date no later than %(deadline)s.")
            % {"flow": code, "deadline": formats.date_format(deadline, "j F Y")}
        ]


def _flow_channel_errors(code: str, row: dict[str, Any], deadline: datetime.date, errors: Errors) -> None:
    """The channel's problems of one flow, each message naming the flow."""
    channel = row.get("channel")
    tls_version = intake_text(row.get("tls_version"), 10)
    if channel == Channel.SMTP_MSA_POP3:
        if not tls_version:
            errors[f"flow-{code}-tls_version"] = [
                _("Choose the TLS version your mail software uses for %(flow)s.") % {"flow": code}
            ]
        elif tls_version in OLD_TLS_VERSIONS:
            _upgrade_errors(code, row, deadline, errors)
        elif tls_version not in TlsVersion.values:
            errors[f"flow-{code}-tls_version"] = [_("Choose TLS 1.2 or TLS 1.3 for %(flow)s.") % {"flow": code}]
    elif channel == Channel.SMTP_MTA_IPSEC:
        try:
            validate_ipv46_address(intake_text(row.get("vpn_peer_address"), 45))
        except ValidationError:
            errors[f"flow-{code}-vpn_peer_address"] = [
                _("Enter the public IP address of your IPsec VPN peer for %(flow)s, for example 192.0.2.10.")
                % {"flow": code}
            ]
        if len(str(row.get("vpn_details") or "")) > 2000:
            errors[f"flow-{code}-vpn_details"] = [
                _("Keep the IPsec VPN details for %(flow)s under 2,000 characters.") % {"flow": code}
            ]
    else:
        errors[f"flow-{code}-channel"] = [
            _("Choose the channel for %(flow)s: SMTP-MSA/POP3 (TLS) or SMTP-MTA (IPsec VPN).") % {"flow": code}
        ]


def _flow_errors(data: dict[str, Any], context: IntakeContext, errors: Errors) -> None:
    used = intake_used_flows(data, context)
    if not used:
        errors["flows"] = [_("Choose at least one message flow that your company uses.")]
    chosen = data.get("flows") or {}
    flows = {flow.code: flow for flow in context.flows}
    for code in used:
        if context.flow_is_locked(code):
            continue
        row = intake_flow_row_clean(chosen.get(code) or {})
        _flow_channel_errors(code, row, flows[code].plateau.programme.deadline, errors)


def intake_errors(*, data: dict[str, Any], context: IntakeContext, step: str | None = None) -> Errors:
    """Every problem with the intake (or with one step of it), keyed by form field; empty when it is complete."""
    errors: Errors = {}
    if step in (None, "company"):
        _company_errors(data, context, errors)
    if step in (None, "contacts"):
        _contact_errors(data, context, errors)
    if step in (None, "flows"):
        _flow_errors(data, context, errors)
    return errors


def intake_draft_size(data: dict[str, Any]) -> int:
    """A draft's size: its JSON in UTF-8, as a person's text takes room."""
    return len(json.dumps(data, ensure_ascii=False).encode())

"""The intake's "check your answers": the answers as sections of question, answer and change link, and the steps'
titles (shared by the steps, the check page and the submitted answers)."""

import contextlib
import datetime
from typing import Any

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from connections.models import Channel, Customer, Language
from portal.services.intake import (
    OLD_TLS_VERSIONS,
)


# The TLS versions the form offers: the old ones too, so that choosing one is refused with an explanation.
def intake_step_titles() -> dict[str, str]:
    return {
        "company": _("Company"),
        "contacts": _("Contacts"),
        "flows": _("Message flows and channels"),
        "review": _("Check and submit"),
    }


def _change_link(step: str, anchor: str, *, editable: bool) -> str:
    """A check-your-answers "Change" link: the field on its step, which then comes back to the check page."""
    if not editable:
        return ""
    return f"{reverse('portal:intake_step', args=[step])}?return=review#{anchor}"


def intake_flow_answer(item: dict[str, Any]) -> str:
    values = item["values"]
    if item["locked"]:
        return _("already in progress (%(state)s)") % {"state": item["connection"].get_state_display()}
    channel = values.get("channel")
    if channel == Channel.SMTP_MSA_POP3 and values.get("tls_version") in OLD_TLS_VERSIONS:
        expected = values.get("tls_upgrade_on") or ""
        with contextlib.suppress(ValueError):
            expected = formats.date_format(datetime.date.fromisoformat(expected), "j F Y")
        return _("SMTP-MSA/POP3, now over TLS %(version)s; upgrading: TLS 1.2 expected by %(date)s") % {
            "version": values.get("tls_version"),
            "date": expected,
        }
    if channel == Channel.SMTP_MSA_POP3:
        return _("SMTP-MSA/POP3 over TLS %(version)s") % {"version": values.get("tls_version") or "—"}
    if channel == Channel.SMTP_MTA_IPSEC:
        answer = _("SMTP-MTA over an IPsec VPN (peer %(peer)s)") % {"peer": values.get("vpn_peer_address") or "—"}
        details = str(values.get("vpn_details") or "").strip()
        return f"{answer}. {details}" if details else answer
    return _("no channel chosen")


def intake_answers(
    *,
    data: dict[str, Any],
    contacts: list[dict[str, Any]],
    clients: list[dict[str, Any]],
    flows: list[dict[str, Any]],
    email: str,
    editable: bool,
) -> list[dict[str, Any]]:
    """The intake's answers as check-your-answers sections: each row a question, the answer, and its change link."""
    company_rows = [
        {
            "label": _("Legal name"),
            "value": data.get("legal_name"),
            "href": _change_link("company", "legal_name", editable=editable),
        },
        {
            "label": _("KvK number"),
            "value": data.get("kvk_number"),
            "href": _change_link("company", "kvk_number", editable=editable),
        },
        {
            "label": _("EORI number"),
            "value": data.get("eori"),
            "href": _change_link("company", "eori", editable=editable),
        },
        {
            "label": _("Role"),
            "value": dict(Customer.Role.choices).get(data.get("role", ""), ""),
            "href": _change_link("company", "role", editable=editable),
        },
    ]
    for index, client in enumerate(clients):
        company_rows.append(
            {
                "label": _("Client %(number)s") % {"number": index + 1},
                "value": ", ".join(
                    str(part)
                    for part in (client.get("legal_name"), client.get("eori"), client.get("kvk_number"))
                    if part
                ),
                "href": _change_link("company", f"clients-{index}-legal_name", editable=editable),
            }
        )
    languages = dict(Language.choices)
    contact_rows = [
        {
            "label": _("You (main contact)") if index == 0 else _("Contact %(number)s") % {"number": index + 1},
            "value": ", ".join(
                str(part)
                for part in (
                    contact.get("name"),
                    email if index == 0 else contact.get("email"),
                    contact.get("phone"),
                    languages.get(contact.get("language", ""), ""),
                )
                if part
            ),
            "href": _change_link("contacts", f"contacts-{index}-name", editable=editable),
        }
        for index, contact in enumerate(contacts)
    ]
    flow_rows = [
        {
            "label": f"{item['code']} · {item['flow'].name}",
            "value": intake_flow_answer(item),
            "href": "" if item["locked"] else _change_link("flows", f"flow-{item['code']}-channel", editable=editable),
        }
        for item in flows
        if item["used"]
    ]
    if not flow_rows:
        flow_rows = [
            {"label": _("Message flows"), "value": "", "href": _change_link("flows", "flows", editable=editable)}
        ]
    titles = intake_step_titles()
    return [
        {"id": "review-company", "title": titles["company"], "rows": company_rows},
        {"id": "review-contacts", "title": titles["contacts"], "rows": contact_rows},
        {"id": "review-flows", "title": titles["flows"], "rows": flow_rows},
    ]

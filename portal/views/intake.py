"""The intake on the portal, in four steps (company, contacts, message flows and channels, review and submit).

Every step saves what was typed as a draft (also "save and continue later"), so a company resumes after signing in
again; "Next" checks the step and shows each problem next to its field and in a summary. Submitting runs
`customer_intake_submit`, one transaction. The invitation e-mail links to /portal/intake/ without a token: someone
who is not signed in is asked for their address and gets a sign-in link, so a forwarded invitation opens nothing.
"""

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from connections.models import Channel, ConnectionState, Customer, Language, TlsVersion
from connections.services.submit_tokens import SUBMIT_TOKEN_FIELD, submit_token_parse
from htg_migration.errors import ApplicationError
from portal.selectors.intake import IntakeContext, intake_context, intake_draft_get
from portal.services.intake import (
    DRAFT_FIELD,
    FLOW_FIELDS,
    INTAKE_STEPS,
    MAX_CLIENTS,
    MAX_CONTACTS,
    OLD_TLS_VERSIONS,
    customer_intake_submit,
    intake_client_rows,
    intake_contact_rows,
    intake_draft_save,
    intake_errors,
    intake_used_flows,
)
from portal.views.account import (
    MODEL_BACKEND,
    PORTAL_EMAIL_SESSION_KEY,
    PortalIdentity,
    verified_email_required,
)
from portal.views.intake_answers import intake_answers, intake_flow_answer, intake_step_titles
from portal.views.intake_forms import (
    ClientRowForm,
    ContactRowForm,
    company_step_read,
    contacts_step_read,
    flows_step_read,
    rows_management,
)

# The TLS versions the form offers: the old ones too, so that choosing one is refused with an explanation.
TLS_CHOICES = [
    ("", ""),
    (TlsVersion.TLS_1_3, "TLS 1.3"),
    (TlsVersion.TLS_1_2, "TLS 1.2"),
    ("1.1", "TLS 1.1"),
    ("1.0", "TLS 1.0"),
]
# A new row to type in (copied before use: rows end up in the draft).
EMPTY_CONTACT = dict.fromkeys(ContactRowForm.base_fields, "")
EMPTY_CLIENT = dict.fromkeys(ClientRowForm.base_fields, "")


def _initial_data(context: IntakeContext) -> dict[str, Any]:
    """A new company starts empty; a registered one (invited by the team) finds what Customs already has."""
    customer = context.customer
    language = get_language() if get_language() in Language.values else Language.DUTCH
    if customer is None:
        return {
            "legal_name": "",
            "kvk_number": "",
            "eori": "",
            "role": Customer.Role.DIRECT,
            "clients": [],
            "contacts": [{"name": "", "email": context.email, "phone": "", "language": language}],
            "flows": {},
        }
    contacts = sorted(context.contacts, key=lambda contact: contact.email.lower() != context.email)
    return {
        "legal_name": customer.legal_name,
        "kvk_number": customer.kvk_number,
        "eori": customer.eori,
        "role": customer.role,
        "clients": [],
        "contacts": [
            {"name": contact.name, "email": contact.email, "phone": contact.phone, "language": contact.language}
            for contact in contacts
        ],
        "flows": {
            code: {
                "used": True,
                "channel": connection.channel,
                "tls_version": connection.tls_version,
                "vpn_peer_address": connection.vpn_peer_address or "",
                "vpn_details": connection.vpn_details,
            }
            for code, connection in context.connections.items()
        },
    }


def _merge_post(
    data: dict[str, Any], post: Any, step: str, context: IntakeContext
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The draft with this step's fields as posted (nothing else changes), and what the step's forms refused."""
    data = copy.deepcopy(data)
    if step == "company":
        posted = company_step_read(post)
    elif step == "contacts":
        posted = contacts_step_read(post)
        posted.values["contacts"] = posted.values["contacts"] or [dict(EMPTY_CONTACT)]
        posted.values["contacts"][0]["email"] = context.email  # verified by the sign-in link: not typed again
    elif step == "flows":
        posted = flows_step_read(post, context)
    else:
        return data, {}
    data.update(posted.values)
    return data, posted.errors


def _error_step(key: str) -> str:
    if key == SUBMIT_TOKEN_FIELD:
        return "review"
    if key == "contacts" or key.startswith("contacts-"):
        return "contacts"
    if key.startswith("flow"):
        return "flows"
    return "company"


def _field_rank(key: str, flow_codes: list[str]) -> tuple[int, int, int, int]:
    """Where a field stands in the whole intake (step, row, field), so that the summary follows the form."""
    parts = key.split("-")
    if key in (DRAFT_FIELD, SUBMIT_TOKEN_FIELD):
        return (-1, 0, 0, 0)
    step = INTAKE_STEPS.index(_error_step(key))
    if parts[0] == "flow" and len(parts) >= 3:
        flow = flow_codes.index(parts[1]) if parts[1] in flow_codes else len(flow_codes)
        name = parts[-1]
        return (step, 1, flow, FLOW_FIELDS.index(name) if name in FLOW_FIELDS else len(FLOW_FIELDS))
    if parts[0] in ("contacts", "clients") and len(parts) == 3 and parts[1].isdigit():
        names = ContactRowForm.base_fields if parts[0] == "contacts" else ClientRowForm.base_fields
        order = list(names)
        return (
            step,
            1 + (parts[0] == "clients") * 100,
            int(parts[1]),
            order.index(parts[2]) if parts[2] in order else 9,
        )
    company_fields = ["legal_name", "kvk_number", "eori", "role"]
    if key in company_fields:
        return (step, 0, company_fields.index(key), 0)
    return (step, 0, 0, 0)  # a whole step's message ("flows", "contacts") stands above its fields


def _summary(errors: dict[str, list[str]], step: str, flow_codes: list[str]) -> list[dict[str, str]]:
    """The error summary, in the order of the form: each message with a link to its field (on this page, or on the
    step it belongs to)."""
    items: list[dict[str, str]] = []
    for key in sorted(errors, key=lambda name: _field_rank(name, flow_codes)):
        target_step = step if key == DRAFT_FIELD else _error_step(key)
        anchor = "intake-submit" if key == SUBMIT_TOKEN_FIELD else key  # a hidden field: link to the button instead
        href = f"#{anchor}" if target_step == step else f"{reverse('portal:intake_step', args=[target_step])}#{anchor}"
        items.extend({"href": href, "text": text} for text in errors[key])
    return items


def _flow_shown(values: dict[str, Any], *, used: bool) -> dict[str, bool]:
    """Which of a flow's questions its answers so far call for (the page hides the others; its script shows and
    hides them as the answers change, and without the script "Show the questions for my answers" does it)."""
    channel = values.get("channel") if used else ""
    return {
        "shows_channel": used,
        "shows_tls": channel == Channel.SMTP_MSA_POP3,
        "shows_upgrade": channel == Channel.SMTP_MSA_POP3 and values.get("tls_version") in OLD_TLS_VERSIONS,
        "shows_vpn": channel == Channel.SMTP_MTA_IPSEC,
    }


def _page(
    request: HttpRequest,
    *,
    step: str,
    data: dict[str, Any],
    context: IntakeContext,
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    errors = errors or {}
    titles = intake_step_titles()
    contacts = intake_contact_rows(data) if step == "review" else list(data.get("contacts") or [{}])
    clients = intake_client_rows(data) if step == "review" else list(data.get("clients") or [])
    if step == "contacts" and len(contacts) < 2:
        contacts.append({**EMPTY_CONTACT, "language": contacts[0].get("language", "nl")})
    if step == "company" and not clients:
        clients.append(dict(EMPTY_CLIENT))
    chosen = data.get("flows") or {}
    used = set(intake_used_flows(data, context))
    flows = [
        {
            "flow": flow,
            "code": flow.code,
            "values": chosen.get(flow.code) or {},
            "used": flow.code in used,
            **_flow_shown(chosen.get(flow.code) or {}, used=flow.code in used),
            "required": context.flow_is_required(flow.code),
            "locked": context.flow_is_locked(flow.code),
            "connection": context.connections.get(flow.code),
            "is_open": flow.is_open_for_migration(),
        }
        for flow in context.flows
    ]
    page_context = {
        "nav_active": "intake",
        "step": step,
        "step_title": titles[step],
        "steps": [(name, titles[name]) for name in INTAKE_STEPS],
        "step_number": INTAKE_STEPS.index(step) + 1,
        "step_count": len(INTAKE_STEPS),
        "data": data,
        "contacts": contacts,
        "clients": clients,
        "flows": flows,
        "errors": errors,
        "error_summary": _summary(errors, step, [flow.code for flow in context.flows]),
        "verified_email": context.email,
        "customer": context.customer,
        "roles": Customer.Role.choices,
        "languages": Language.choices,
        "channels": Channel.choices,
        "tls_choices": TLS_CHOICES,
        "role_label": dict(Customer.Role.choices).get(data.get("role", ""), ""),
        "max_contacts": MAX_CONTACTS,
        "max_clients": MAX_CLIENTS,
        "contacts_management": rows_management("contacts", len(contacts)),
        "clients_management": rows_management("clients", len(clients)),
    }
    if step == "review":
        page_context["answers"] = intake_answers(
            data=data, contacts=contacts, clients=clients, flows=flows, email=context.email, editable=True
        )
    page_context["returning"] = step != "review" and request.GET.get("return") == "review"
    return render(request, f"portal/intake_{step}.html", page_context, status=400 if errors else 200)


def _context_for(identity: PortalIdentity) -> IntakeContext:
    return intake_context(email=identity.email, customer=identity.contact.customer if identity.contact else None)


@verified_email_required
def intake_view(request: HttpRequest) -> HttpResponse:
    """/portal/intake/ (the invitation's link): on to the step where the company left off."""
    identity: PortalIdentity = request.portal_identity  # type: ignore[attr-defined]
    draft = intake_draft_get(email=identity.email)
    if draft is not None:
        return redirect("portal:intake_step", draft.step)
    customer = identity.contact.customer if identity.contact else None
    if customer is not None and customer.htg_number:
        return _submitted_page(request, context=_context_for(identity))
    return redirect("portal:intake_step", INTAKE_STEPS[0])


def _submitted_page(request: HttpRequest, *, context: IntakeContext) -> HttpResponse:
    """A company whose intake is in: its answers as Customs has them now, and a way to change them."""
    customer = context.customer
    assert customer is not None
    data = _initial_data(context)
    clients = [
        {"legal_name": client.legal_name, "eori": client.eori, "kvk_number": client.kvk_number}
        for client in customer.clients.order_by("legal_name", "id")
    ]
    flows: list[dict[str, Any]] = [
        {
            "flow": flow,
            "code": flow.code,
            "values": (data["flows"].get(flow.code) or {}),
            "used": flow.code in context.connections,
            "locked": False,
            "connection": context.connections.get(flow.code),
        }
        for flow in context.flows
    ]
    answers = intake_answers(
        data=data, contacts=data["contacts"], clients=clients, flows=flows, email=context.email, editable=False
    )
    flow_rows = []
    for item in flows:
        connection = item["connection"]
        if connection is None:
            continue
        if connection.state == ConnectionState.AWAITING_TLS:
            expected = formats.date_format(connection.tls_upgrade_on, "j F Y") if connection.tls_upgrade_on else "—"
            answer = _("SMTP-MSA/POP3, upgrading: TLS 1.2 expected by %(date)s") % {"date": expected}
        else:
            answer = intake_flow_answer(item)
        flow_rows.append(
            {
                "label": f"{item['code']} · {item['flow'].name}",
                "value": _("%(answer)s (now: %(state)s)") % {"answer": answer, "state": connection.get_state_display()},
                "href": "",
            }
        )
    answers[2]["rows"] = flow_rows
    page_context = {"nav_active": "intake", "customer": customer, "answers": answers}
    return render(request, "portal/intake_submitted.html", page_context)


@verified_email_required
@require_http_methods(["GET", "POST"])
def intake_step_view(request: HttpRequest, step: str) -> HttpResponse:
    if step not in INTAKE_STEPS:
        raise Http404
    identity: PortalIdentity = request.portal_identity  # type: ignore[attr-defined]
    context = _context_for(identity)
    draft = intake_draft_get(email=identity.email)
    data = draft.data if draft else _initial_data(context)
    if request.method == "GET":
        return _page(request, step=step, data=data, context=context)

    action = request.POST.get("action", "next")
    data, refused = _merge_post(data, request.POST, step, context)
    if refused:  # text too long, a NUL character, a tampered row count: shown, and nothing is saved
        return _page(request, step=step, data=data, context=context, errors=refused)
    try:
        return _step_post(request, identity=identity, data=data, step=step, action=action, context=context)
    except ValidationError as error:  # the draft is too large to save: shown with the message, and nothing is saved
        return _page(request, step=step, data=data, context=context, errors=error.message_dict)


def _step_post(
    request: HttpRequest,
    *,
    identity: PortalIdentity,
    data: dict[str, Any],
    step: str,
    action: str,
    context: IntakeContext,
) -> HttpResponse:
    """Carry out a step's button; the draft is saved as the button says. ValidationError when it is too large."""
    index = INTAKE_STEPS.index(step)
    if action == "add_contact" and step == "contacts":
        contacts = data["contacts"]
        if len(contacts) < MAX_CONTACTS:
            contacts.append({**EMPTY_CONTACT, "language": contacts[0].get("language") or "nl"})
        intake_draft_save(email=identity.email, data=data, step=step)
        return redirect(f"{reverse('portal:intake_step', args=[step])}#contacts-{len(contacts) - 1}-name")
    if action == "add_client" and step == "company":
        clients = data["clients"] or [dict(EMPTY_CLIENT)]
        if len(clients) < MAX_CLIENTS:
            clients.append(dict(EMPTY_CLIENT))
        data["clients"] = clients
        intake_draft_save(email=identity.email, data=data, step=step)
        return redirect(f"{reverse('portal:intake_step', args=[step])}#clients-{len(clients) - 1}-legal_name")
    if action == "save":
        intake_draft_save(email=identity.email, data=data, step=step)
        messages.success(
            request,
            _("Your intake is saved. To continue later, sign in again with %(email)s: we e-mail you a new link.")
            % {"email": identity.email},
        )
        return redirect("portal:intake_step", step)
    if action == "update":  # without JavaScript, the page again with the questions its answers call for
        intake_draft_save(email=identity.email, data=data, step=step)
        query = "?return=review" if request.GET.get("return") == "review" else ""
        return redirect(
            f"{reverse('portal:intake_step', args=[step])}{query}#{'flows' if step == 'flows' else 'intake'}"
        )
    if action == "back" and index > 0:
        intake_draft_save(email=identity.email, data=data, step=INTAKE_STEPS[index - 1])
        return redirect("portal:intake_step", INTAKE_STEPS[index - 1])
    if action == "submit" and step == "review":
        return _submit(request, identity=identity, data=data, context=context)
    errors = intake_errors(data=data, context=context, step=step)
    next_step = step if errors else INTAKE_STEPS[min(index + 1, len(INTAKE_STEPS) - 1)]
    if not errors and request.GET.get("return") == "review":  # a change from the check page goes back to it
        next_step = "review"
    intake_draft_save(email=identity.email, data=data, step=next_step)
    if errors:
        return _page(request, step=step, data=data, context=context, errors=errors)
    return redirect("portal:intake_step", next_step)


def _submit(request: HttpRequest, *, identity: PortalIdentity, data: dict[str, Any], context: IntakeContext) -> Any:
    try:
        submit_token = submit_token_parse(request.POST.get(SUBMIT_TOKEN_FIELD))
        result = customer_intake_submit(email=identity.email, data=data, submit_token=submit_token)
    except ValidationError as error:
        return _page(request, step="review", data=data, context=context, errors=error.message_dict)
    except ApplicationError as error:  # e.g. the team moved a connection at the same moment: nothing was written
        messages.error(request, error.message)
        return redirect("portal:intake_step", "review")
    # The same confirmation for the page sent twice: `result` is then the first submit's.
    if not request.user.is_authenticated:
        login(request, result.user, backend=MODEL_BACKEND)  # a new company's contact now has its account
        request.session[PORTAL_EMAIL_SESSION_KEY] = identity.email
    messages.success(
        request,
        _("Thank you: your intake has been received. Your HTG number is %(number)s; we have also e-mailed it to you.")
        % {"number": result.htg_number},
    )
    return redirect("portal:status")


urlpatterns = [
    path("intake/", intake_view, name="intake"),
    path("intake/<slug:step>/", intake_step_view, name="intake_step"),
]

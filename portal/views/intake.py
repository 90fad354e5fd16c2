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
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from connections.models import Channel, Customer, Language, TlsVersion
from connections.services.submit_tokens import SUBMIT_TOKEN_FIELD, submit_token_parse
from htg_migration.errors import ApplicationError
from portal.selectors.intake import IntakeContext, intake_context, intake_draft_get
from portal.services.intake import (
    DRAFT_FIELD,
    INTAKE_STEPS,
    MAX_CLIENTS,
    MAX_CONTACTS,
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


def _step_titles() -> dict[str, str]:
    return {
        "company": _("Company"),
        "contacts": _("Contacts"),
        "flows": _("Message flows and channels"),
        "review": _("Check and submit"),
    }


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


def _summary(errors: dict[str, list[str]], step: str) -> list[dict[str, str]]:
    """The error summary: each message with a link to its field (on this page, or on the step it belongs to)."""
    items: list[dict[str, str]] = []
    for key, texts in errors.items():
        target_step = step if key == DRAFT_FIELD else _error_step(key)
        anchor = "intake-submit" if key == SUBMIT_TOKEN_FIELD else key  # a hidden field: link to the button instead
        href = f"#{anchor}" if target_step == step else f"{reverse('portal:intake_step', args=[target_step])}#{anchor}"
        items.extend({"href": href, "text": text} for text in texts)
    return items


def _page(
    request: HttpRequest,
    *,
    step: str,
    data: dict[str, Any],
    context: IntakeContext,
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    errors = errors or {}
    titles = _step_titles()
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
        "error_summary": _summary(errors, step),
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
    return render(request, f"portal/intake_{step}.html", page_context, status=400 if errors else 200)


def _context_for(identity: PortalIdentity) -> IntakeContext:
    return intake_context(email=identity.email, customer=identity.contact.customer if identity.contact else None)


@verified_email_required
def intake_view(request: HttpRequest) -> HttpResponse:
    """/portal/intake/ (the invitation's link): on to the step where the company left off."""
    identity: PortalIdentity = request.portal_identity  # type: ignore[attr-defined]
    draft = intake_draft_get(email=identity.email)
    return redirect("portal:intake_step", draft.step if draft else INTAKE_STEPS[0])


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
    if action == "back" and index > 0:
        intake_draft_save(email=identity.email, data=data, step=INTAKE_STEPS[index - 1])
        return redirect("portal:intake_step", INTAKE_STEPS[index - 1])
    if action == "submit" and step == "review":
        return _submit(request, identity=identity, data=data, context=context)
    errors = intake_errors(data=data, context=context, step=step)
    next_step = step if errors else INTAKE_STEPS[min(index + 1, len(INTAKE_STEPS) - 1)]
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

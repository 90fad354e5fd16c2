"""The intake's posted fields, read through Django forms and formsets: never by hand.

Each step's form only parses what was typed (text within its column's length, no NUL characters, a sane number of
rows); what the values mean (a valid EORI, a TLS version HTG accepts, ...) is checked by the intake service, which
keys its messages as these fields are named (`contacts-0-email`, `flow-AGS-channel`), so both kinds of error show
next to their field. The field names are the formsets' own: `contacts-TOTAL_FORMS` and `contacts-0-name`.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from htg_migration.forms import HtgForm
from portal.selectors.intake import IntakeContext
from portal.services.intake import MAX_CLIENTS, MAX_CONTACTS, intake_flow_row_clean

NAME_LENGTH = 200
EMAIL_LENGTH = 254
PHONE_LENGTH = 30
IDENTIFIER_LENGTH = 40  # as typed, with spaces and dots the service takes out
VPN_DETAILS_LENGTH = 2000


def _text(max_length: int) -> forms.CharField:
    return forms.CharField(required=False, max_length=max_length)


class CompanyForm(HtgForm):
    legal_name = _text(NAME_LENGTH)
    kvk_number = _text(IDENTIFIER_LENGTH)
    eori = _text(IDENTIFIER_LENGTH)
    role = _text(20)


class ClientRowForm(HtgForm):
    legal_name = _text(NAME_LENGTH)
    kvk_number = _text(IDENTIFIER_LENGTH)
    eori = _text(IDENTIFIER_LENGTH)


class ContactRowForm(HtgForm):
    name = _text(NAME_LENGTH)
    email = _text(EMAIL_LENGTH)
    phone = _text(PHONE_LENGTH)
    language = _text(2)


class FlowForm(HtgForm):
    used = forms.BooleanField(required=False)
    channel = _text(20)
    tls_version = _text(10)
    tls_upgrade_on = _text(10)  # YYYY-MM-DD, as a date field sends it
    vpn_peer_address = _text(45)
    vpn_details = _text(VPN_DETAILS_LENGTH)


def _rows_formset(form: type[forms.Form], limit: int) -> type[forms.BaseFormSet]:
    return forms.formset_factory(form, extra=0, max_num=limit, absolute_max=limit, validate_max=True)


ClientRows = _rows_formset(ClientRowForm, MAX_CLIENTS)
ContactRows = _rows_formset(ContactRowForm, MAX_CONTACTS)


def rows_management(prefix: str, count: int) -> forms.Form:
    """The hidden fields a page needs so its rows post back as a formset of `count` rows."""
    formset = (ContactRows if prefix == "contacts" else ClientRows)(prefix=prefix, initial=[{}] * count)
    return formset.management_form


@dataclass(frozen=True)
class StepInput:
    """What a step's POST said: its values (cleaned, or "" where a field was refused) and the refusals by field."""

    values: dict[str, Any]
    errors: dict[str, list[str]]


def _form_values(form: forms.Form) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A bound form's cleaned values, "" (False) in place of each refused field, and the refusals by field name."""
    form.is_valid()
    values = {
        name: form.cleaned_data.get(name, False if isinstance(field, forms.BooleanField) else "")
        for name, field in form.fields.items()
    }
    errors = {form.add_prefix(name): [str(message) for message in messages] for name, messages in form.errors.items()}
    return values, errors


def _rows(post: Any, prefix: str, formset_class: type[forms.BaseFormSet]) -> StepInput:
    """The rows of a formset; none when the page posted no rows at all, refused when their count was tampered
    with (not a number, negative, or more rows than the step takes)."""
    if f"{prefix}-TOTAL_FORMS" not in post:
        return StepInput(values={prefix: []}, errors={})
    formset = formset_class(post, prefix=prefix)
    if not formset.management_form.is_valid():
        return StepInput(values={prefix: []}, errors={prefix: [_("The form was incomplete. Please try again.")]})
    rows: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for form in formset.forms:
        values, row_errors = _form_values(form)
        rows.append(values)
        errors.update(row_errors)
    formset.is_valid()
    if formset.non_form_errors():
        errors[prefix] = [str(message) for message in formset.non_form_errors()]
    return StepInput(values={prefix: rows}, errors=errors)


def company_step_read(post: Any) -> StepInput:
    values, errors = _form_values(CompanyForm(post))
    clients = _rows(post, "clients", ClientRows)
    return StepInput(values={**values, **clients.values}, errors={**errors, **clients.errors})


def contacts_step_read(post: Any) -> StepInput:
    return _rows(post, "contacts", ContactRows)


def flows_step_read(post: Any, context: IntakeContext) -> StepInput:
    """Each open flow's form (`flow-<code>-...`); a flow the company must keep is used whatever was posted. Only the
    answers its channel asks are kept (a page without JavaScript posts the hidden ones too)."""
    flows: dict[str, dict[str, Any]] = {}
    errors: dict[str, list[str]] = {}
    for flow in context.flows:
        if context.flow_is_locked(flow.code):
            continue
        values, flow_errors = _form_values(FlowForm(post, prefix=f"flow-{flow.code}"))
        values["used"] = values["used"] or context.flow_is_required(flow.code)
        flows[flow.code] = intake_flow_row_clean(values)
        errors.update(flow_errors)
    return StepInput(values={"flows": flows}, errors=errors)

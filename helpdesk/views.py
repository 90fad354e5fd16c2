"""The helpdesk workspace (lookup, the customer on one screen, contact log, callback requests) and the team's
callback queue."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from connections.models import CallbackRequest, Connection, Contact, Customer, HelpdeskContact, LookupAudit
from connections.permissions import is_team_member
from connections.services.callbacks import callback_request_close, callback_request_create, helpdesk_contact_record
from connections.services.submit_tokens import SUBMIT_TOKEN_FIELD, submit_token_parse
from connections.views.access import staff_required, team_required
from connections.views.feedback import form_errors_add, refusals_as_messages
from helpdesk.selectors import (
    CALLBACK_SCOPES,
    callback_queue,
    customer_callback_contacts,
    customer_connections,
    customer_overview,
)
from helpdesk.services import helpdesk_lookup, lookup_audit_record
from htg_migration import clock
from htg_migration.forms import HtgForm, posted_text, search_text
from htg_migration.parsing import parse_id


def _connection_choices(connections: list[Connection]) -> list[tuple[str, Any]]:
    return [("", gettext_lazy("The company in general"))] + [
        (str(connection.pk), f"{connection.flow.code} · {connection.get_state_display()}") for connection in connections
    ]


class HelpdeskContactForm(HtgForm):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=HelpdeskContact.Channel.choices)
    topic = forms.ChoiceField(label=gettext_lazy("Topic"), choices=HelpdeskContact.Topic.choices)
    connection = forms.ChoiceField(label=gettext_lazy("About"), required=False)
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, max_length=4000, widget=forms.Textarea)

    def __init__(self, *args: Any, connections: list[Connection], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "contact")
        super().__init__(*args, **kwargs)
        connection_field = self.fields["connection"]
        assert isinstance(connection_field, forms.ChoiceField)
        connection_field.choices = _connection_choices(connections)


class ContactSelect(forms.Select):
    """The contact choice of the callback form: each option carries the contact's name and phone number, which
    static/js/helpdesk.js copies into the form's fields when the contact is chosen (the server fills in what is still
    empty, so the choice works without JavaScript too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contacts: dict[str, Contact] = {}

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        contact = self.contacts.get(str(value))
        if contact is not None:
            option["attrs"].update({"data-name": contact.name, "data-phone": contact.phone})
        return option


class FilledFromContactInput(forms.TextInput):
    """A required text field that a chosen contact on record fills in on the server when it is left empty: no
    `required` attribute, so that the browser does not stop a form sent without JavaScript."""

    def use_required_attribute(self, initial: Any) -> bool:
        return False


NAME_MISSING = gettext_lazy("Choose a contact on record or type the name of the person to call.")
PHONE_MISSING = gettext_lazy("Choose a contact on record or type the phone number to call.")


class CallbackRequestForm(HtgForm):
    connection = forms.ChoiceField(label=gettext_lazy("About"), required=False)
    urgency = forms.ChoiceField(
        label=gettext_lazy("Urgency"), choices=CallbackRequest.Urgency.choices, initial=CallbackRequest.Urgency.NORMAL
    )
    contact = forms.ChoiceField(
        label=gettext_lazy("Contact on record"),
        required=False,
        widget=ContactSelect(
            attrs={
                "data-fills-name": "id_callback-contact_name",
                "data-fills-phone": "id_callback-contact_phone",
            }
        ),
        help_text=gettext_lazy("Fills in the name and phone number below; or type those of someone else."),
    )
    contact_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=200, widget=FilledFromContactInput)
    contact_phone = forms.CharField(
        label=gettext_lazy("Phone number to call"), max_length=30, widget=FilledFromContactInput
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=4000, widget=forms.Textarea)

    def __init__(self, *args: Any, connections: list[Connection], contacts: list[Contact], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "callback")
        super().__init__(*args, **kwargs)
        connection_field = self.fields["connection"]
        assert isinstance(connection_field, forms.ChoiceField)
        connection_field.choices = _connection_choices(connections)
        self.contacts = {str(contact.pk): contact for contact in contacts}
        contact_field = self.fields["contact"]
        assert isinstance(contact_field, forms.ChoiceField) and isinstance(contact_field.widget, ContactSelect)
        contact_field.choices = [("", gettext_lazy("Someone else (type the name and number)"))] + [
            (
                key,
                f"{contact.name} · {contact.phone}"
                if contact.phone
                else _("%(name)s (no phone number)") % {"name": contact.name},
            )
            for key, contact in self.contacts.items()
        ]
        contact_field.widget.contacts = self.contacts
        self.fields["contact_name"].error_messages["required"] = NAME_MISSING
        self.fields["contact_phone"].error_messages["required"] = PHONE_MISSING
        self.chosen_contact = (
            self.contacts.get(str(self.data.get(self.add_prefix("contact")) or "")) if self.is_bound else None
        )
        if self.chosen_contact is not None:
            # The chosen contact fills in what was left empty; what was typed wins (the caller may give another
            # number than the one on record).
            data = QueryDict(mutable=True)
            data.update(self.data)
            for name, value in (
                ("contact_name", self.chosen_contact.name),
                ("contact_phone", self.chosen_contact.phone),
            ):
                if not str(data.get(self.add_prefix(name)) or "").strip():
                    data[self.add_prefix(name)] = value
            self.data = data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        contact = self.chosen_contact
        if contact is not None and not contact.phone and self.has_error("contact_phone", "required"):
            message = _("%(name)s has no phone number on record: type the number to call.") % {"name": contact.name}
            self.errors["contact_phone"] = self.error_class([message])
        return cleaned


@staff_required
def helpdesk_lookup_view(request: HttpRequest) -> HttpResponse:
    search = search_text(request.GET)
    query = search.text
    results: list[Customer] = []
    if query:
        # The most frequent call: an HTG number, read out by the caller. One statement finds it and writes the
        # audit row; then straight there (or "no company has this number").
        lookup = helpdesk_lookup(user=request.user, query=query)
        results, customer_id = lookup.results, lookup.customer_id
        if customer_id is not None:
            return HttpResponseRedirect(reverse("helpdesk:helpdesk_customer", args=[customer_id]))
    context = {"nav_active": "helpdesk", "query": query, "results": results, "search_errors": search.errors}
    return render(request, "helpdesk/helpdesk_lookup.html", context, status=400 if search.errors else 200)


def _customer_page(
    request: HttpRequest,
    customer_id: int,
    *,
    contact_form: HelpdeskContactForm | None = None,
    callback_form: CallbackRequestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    overview = customer_overview(customer_id=customer_id, today=clock.today())
    connections = overview["connections"]
    context = {
        "nav_active": "helpdesk",
        **overview,
        "contact_form": contact_form or HelpdeskContactForm(connections=connections),
        "callback_form": callback_form
        or CallbackRequestForm(connections=connections, contacts=overview["callback_contacts"]),
        "may_open_connections": is_team_member(request.user),
        "now": clock.now(),
    }
    return render(request, "helpdesk/helpdesk_customer.html", context, status=status)


@staff_required
def helpdesk_customer_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    response = _customer_page(request, customer_id)
    lookup_audit_record(user=request.user, kind=LookupAudit.Kind.CUSTOMER_VIEW, customer_id=customer_id)
    return response


def _customer_connections(customer_id: int) -> list[Connection]:
    return customer_connections(customer_id=customer_id)


@require_POST
@staff_required
def helpdesk_contact_create_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    form = HelpdeskContactForm(request.POST, connections=_customer_connections(customer_id))
    if form.is_valid():
        try:
            helpdesk_contact_record(
                customer_id=customer_id,
                recorded_by=request.user,
                channel=form.cleaned_data["channel"],
                topic=form.cleaned_data["topic"],
                notes=form.cleaned_data["notes"],
                connection_id=parse_id(form.cleaned_data["connection"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The contact is logged."))
            return HttpResponseRedirect(reverse("helpdesk:helpdesk_customer", args=[customer_id]))
    return _customer_page(request, customer_id, contact_form=form, status=400)


@require_POST
@staff_required
def callback_request_create_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    form = CallbackRequestForm(
        request.POST,
        connections=_customer_connections(customer_id),
        contacts=customer_callback_contacts(customer_id=customer_id),
    )
    if form.is_valid():
        try:
            callback = callback_request_create(
                customer_id=customer_id,
                requested_by=request.user,
                urgency=form.cleaned_data["urgency"],
                reason=form.cleaned_data["reason"],
                contact_name=form.cleaned_data["contact_name"],
                contact_phone=form.cleaned_data["contact_phone"],
                connection_id=parse_id(form.cleaned_data["connection"]),
                submit_token=submit_token_parse(request.POST.get(SUBMIT_TOKEN_FIELD)),
            )
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(
                request,
                _("Callback requested: %(who)s will call back before %(due)s.")
                % {
                    "who": callback.assigned_to.get_full_name() or callback.assigned_to.get_username()
                    if callback.assigned_to
                    else _("the connection team"),
                    "due": _local_text(callback.due_at),
                },
            )
            return HttpResponseRedirect(reverse("helpdesk:helpdesk_customer", args=[customer_id]))
    return _customer_page(request, customer_id, callback_form=form, status=400)


def _local_text(moment: Any) -> str:
    return formats.date_format(timezone.localtime(moment), "l j F Y H:i")


@team_required
def callback_queue_view(request: HttpRequest) -> HttpResponse:
    scope = request.GET.get("scope") or "all"
    if scope not in CALLBACK_SCOPES:
        scope = "all"
    now = clock.now()
    callbacks = list(callback_queue(scope=scope, user=request.user, now=now)[:200])
    scopes = [
        ("all", _("All open")),
        ("mine", _("Mine")),
        ("unassigned", _("Team queue (unassigned)")),
        ("escalated", _("Escalated")),
    ]
    context = {"nav_active": "callbacks", "scope": scope, "scopes": scopes, "callbacks": callbacks}
    return render(request, "helpdesk/callback_queue.html", context)


@require_POST
@team_required
def callback_close_view(request: HttpRequest, callback_id: int) -> HttpResponse:
    get_object_or_404(CallbackRequest.objects.only("id"), pk=callback_id)
    with refusals_as_messages(request) as outcome:
        callback_request_close(
            callback_id=callback_id, closed_by=request.user, outcome=posted_text(request.POST, "outcome")
        )
    if outcome.ok:
        messages.success(request, _("Callback closed; the outcome is on the company's screen."))
    scope = request.POST.get("scope")
    return HttpResponseRedirect(
        reverse("helpdesk:callback_queue") + f"?scope={scope if scope in CALLBACK_SCOPES else 'all'}"
    )


urlpatterns = [
    path("helpdesk/", helpdesk_lookup_view, name="helpdesk_lookup"),
    path("helpdesk/customers/<int:customer_id>/", helpdesk_customer_view, name="helpdesk_customer"),
    path(
        "helpdesk/customers/<int:customer_id>/contacts/", helpdesk_contact_create_view, name="helpdesk_contact_create"
    ),
    path(
        "helpdesk/customers/<int:customer_id>/callbacks/", callback_request_create_view, name="callback_request_create"
    ),
    path("team/callbacks/", callback_queue_view, name="callback_queue"),
    path("team/callbacks/<int:callback_id>/close/", callback_close_view, name="callback_close"),
]

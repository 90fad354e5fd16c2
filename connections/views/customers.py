"""The team keeps a company's contacts and a connection's technical details in its own workspace: what it used to
change in the admin, which is the administrators' alone now (htg_migration/admin.py)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from connections.models import Channel, Connection, Contact, Customer, Language, TlsVersion
from connections.selectors.contacts import contacts_with_suppression, customer_connections_by_flow, customer_contact_get
from connections.services.connections import connection_details_update
from connections.services.contacts import NAME_MAX_LENGTH, PHONE_MAX_LENGTH, contact_delete, contact_save
from connections.views.access import team_required
from connections.views.feedback import form_errors_add, refusals_as_messages
from htg_migration.forms import HtgForm


class ContactForm(HtgForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=NAME_MAX_LENGTH)
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=254)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=PHONE_MAX_LENGTH, required=False)
    language = forms.ChoiceField(
        label=gettext_lazy("Preferred language"), choices=Language.choices, initial=Language.DUTCH
    )
    is_primary = forms.BooleanField(
        label=gettext_lazy("Primary contact: gets every e-mail first"), required=False, initial=False
    )


def _contacts_page(
    request: HttpRequest, customer: Customer, *, form: ContactForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "nav_active": "connections",
        "customer": customer,
        "contacts": contacts_with_suppression(customer.contacts.all()),
        "connections": customer_connections_by_flow(customer_id=customer.pk),
        "form": form or ContactForm(),
    }
    return render(request, "connections/customer_contacts.html", context, status=status)


def _save(request: HttpRequest, form: ContactForm, *, customer_id: int, contact_id: int | None) -> Contact | None:
    """The form's contact saved through the service, or None with the errors on the form (or as a message)."""
    if not form.is_valid():
        return None
    with refusals_as_messages(request) as outcome:
        try:
            contact = contact_save(customer_id=customer_id, contact_id=contact_id, **form.cleaned_data)
        except ValidationError as error:
            form_errors_add(form, error)
            return None
    return contact if outcome.ok else None


@require_http_methods(["GET", "POST"])
@team_required
def customer_contacts_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The company's contacts, and a form to add one."""
    customer = get_object_or_404(Customer, pk=customer_id)
    if request.method == "GET":
        return _contacts_page(request, customer)
    form = ContactForm(request.POST)
    contact = _save(request, form, customer_id=customer.pk, contact_id=None)
    if contact is None:
        return _contacts_page(request, customer, form=form, status=400)
    messages.success(request, _("%(name)s has been added as a contact.") % {"name": contact.name})
    return HttpResponseRedirect(reverse("connections:customer_contacts", args=[customer.pk]))


@require_http_methods(["GET", "POST"])
@team_required
def contact_change_view(request: HttpRequest, customer_id: int, contact_id: int) -> HttpResponse:
    contact = customer_contact_get(customer_id=customer_id, contact_id=contact_id)
    if request.method == "GET":
        initial = {field: getattr(contact, field) for field in ContactForm.base_fields}
        form = ContactForm(initial=initial)
    else:
        form = ContactForm(request.POST)
        if _save(request, form, customer_id=customer_id, contact_id=contact.pk) is not None:
            messages.success(request, _("The contact details have been saved."))
            return HttpResponseRedirect(reverse("connections:customer_contacts", args=[customer_id]))
    context = {"nav_active": "connections", "customer": contact.customer, "contact": contact, "form": form}
    status = 400 if form.is_bound else 200
    return render(request, "connections/contact_change.html", context, status=status)


@require_http_methods(["GET", "POST"])
@team_required
def contact_remove_view(request: HttpRequest, customer_id: int, contact_id: int) -> HttpResponse:
    """GET asks to confirm; POST removes."""
    contact = customer_contact_get(customer_id=customer_id, contact_id=contact_id)
    if request.method == "POST":
        with refusals_as_messages(request) as outcome:
            removed = contact_delete(customer_id=customer_id, contact_id=contact.pk)
        if outcome.ok:
            messages.success(request, _("%(name)s is no longer a contact of this company.") % {"name": removed.name})
        return HttpResponseRedirect(reverse("connections:customer_contacts", args=[customer_id]))
    context = {"nav_active": "connections", "customer": contact.customer, "contact": contact}
    return render(request, "connections/contact_remove.html", context)


def _choices_with_blank(blank: str, choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", blank), *choices]


class ConnectionDetailsForm(HtgForm):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False)
    tls_version = forms.ChoiceField(label=gettext_lazy("TLS version (SMTP-MSA/POP3)"), required=False)
    vpn_peer_address = forms.GenericIPAddressField(
        label=gettext_lazy("IPsec VPN peer address (SMTP-MTA)"), required=False
    )
    vpn_details = forms.CharField(
        label=gettext_lazy("IPsec VPN details (SMTP-MTA)"), required=False, max_length=4000, widget=forms.Textarea
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "details")
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = _choices_with_blank(_("not recorded yet"), list(Channel.choices))  # type: ignore[attr-defined]
        self.fields["tls_version"].choices = _choices_with_blank("—", list(TlsVersion.choices))  # type: ignore[attr-defined]


def connection_details_form(connection: Connection) -> ConnectionDetailsForm:
    return ConnectionDetailsForm(
        initial={
            "channel": connection.channel,
            "tls_version": connection.tls_version,
            "vpn_peer_address": connection.vpn_peer_address or "",
            "vpn_details": connection.vpn_details,
        }
    )


@require_POST
@team_required
def connection_details_view(request: HttpRequest, connection_id: int) -> HttpResponse:
    """The connection's channel, from the form on its page."""
    get_object_or_404(Connection.objects.only("id"), pk=connection_id)
    form = ConnectionDetailsForm(request.POST)
    back = HttpResponseRedirect(reverse("connections:connection_detail", args=[connection_id]) + "#details-heading")
    if not form.is_valid():
        for field, field_errors in form.errors.as_data().items():
            label = form.fields[field].label if field in form.fields else ""
            for error in ValidationError(field_errors).messages:
                messages.error(request, f"{label}: {error}" if label else error)
        return back
    data = form.cleaned_data
    with refusals_as_messages(request) as outcome:
        connection_details_update(
            connection_id=connection_id,
            channel=data["channel"],
            tls_version=data["tls_version"],
            vpn_peer_address=data["vpn_peer_address"] or "",
            vpn_details=data["vpn_details"],
        )
    if outcome.ok:
        messages.success(request, _("The connection's technical details have been saved."))
    return back


urlpatterns = [
    path("team/customers/<int:customer_id>/contacts/", customer_contacts_view, name="customer_contacts"),
    path(
        "team/customers/<int:customer_id>/contacts/<int:contact_id>/",
        contact_change_view,
        name="contact_change",
    ),
    path(
        "team/customers/<int:customer_id>/contacts/<int:contact_id>/remove/",
        contact_remove_view,
        name="contact_remove",
    ),
    path("team/connections/<int:connection_id>/details/", connection_details_view, name="connection_details"),
]

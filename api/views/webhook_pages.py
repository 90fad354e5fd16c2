"""The portal's page for a company's webhooks, under /portal/webhooks/ (namespace "webhooks"): a signed-in contact
registers an https address and the events it receives, sees its secret once, removes or resumes an address, and sends
a failed delivery again. Each action calls one service of the webhooks app; every object is looked up within the
contact's own company, so another company's id is a 404.

The new secret is shown once, after the redirect that follows its making (Post/Redirect/Get), as the API tokens'."""

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from api.services.webhook_forms import endpoint_create_once
from api.views.shown_once import make_then_redirect, secret_to_show
from connections.services.submit_tokens import SUBMIT_TOKEN_FIELD, submit_owner_user, submit_token_parse
from connections.views.access import company_required
from connections.views.feedback import refusals_as_messages
from htg_migration.forms import HtgForm
from webhooks.models import EventKind, WebhookDelivery, WebhookEndpoint
from webhooks.selectors import delivery_list, endpoint_list
from webhooks.services.addresses import URL_MAX_LENGTH
from webhooks.services.endpoints import delivery_resend, endpoint_delete, endpoint_resume

SHOWN_ONCE_KEY = "webhook_secret_shown_once"
FAILED_SHOWN = 20  # the newest failed deliveries listed per address


class WebhookEndpointForm(HtgForm):
    url = forms.CharField(
        label=gettext_lazy("Address"),
        max_length=URL_MAX_LENGTH,
        help_text=gettext_lazy("An https address of your own system, for example https://hooks.example.com/htg."),
    )
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=EventKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Your system receives these, for your company and, for a hub, for its clients."),
    )


@require_http_methods(["GET", "POST"])
@company_required
def webhook_list_view(request: HttpRequest) -> HttpResponse:
    contact = request.portal_contact  # type: ignore[attr-defined]
    form = WebhookEndpointForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        made = make_then_redirect(
            request,
            form,
            make=lambda: endpoint_create_once(
                customer_id=contact.customer_id,
                url=form.cleaned_data["url"],
                kinds=form.cleaned_data["kinds"],
                owner_email=contact.email,
                owner_language=contact.language,
                submit_owner=submit_owner_user(request.user),
                submit_token=submit_token_parse(request.POST.get(SUBMIT_TOKEN_FIELD)),
            ),
            session_key=SHOWN_ONCE_KEY,
            to=reverse("webhooks:list"),
        )
        if made is not None:
            return made
    failed = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.FAILED).select_related("event")
    endpoints = list(
        endpoint_list(customer_id=contact.customer_id).prefetch_related(
            Prefetch("deliveries", queryset=failed.order_by("-id")[:FAILED_SHOWN], to_attr="failed_deliveries")
        )
    )
    for endpoint in endpoints:
        endpoint.kind_labels = [EventKind(kind).label for kind in endpoint.kinds if kind in EventKind.values]  # type: ignore[attr-defined]
    new_secret = secret_to_show(request, SHOWN_ONCE_KEY, endpoints)
    return render(
        request,
        "api/webhooks.html",
        {"form": form, "endpoints": endpoints, "new_secret": new_secret, "nav_active": "webhooks"},
        status=400 if form.errors else 200,
    )


def _own_endpoint_or_404(request: HttpRequest, endpoint_id: int) -> int:
    contact = request.portal_contact  # type: ignore[attr-defined]
    if not endpoint_list(customer_id=contact.customer_id).filter(pk=endpoint_id).exists():
        raise Http404
    return int(contact.customer_id)


@require_POST
@company_required
def webhook_delete_view(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    customer_id = _own_endpoint_or_404(request, endpoint_id)
    with refusals_as_messages(request) as outcome:
        endpoint_delete(customer_id=customer_id, endpoint_id=endpoint_id)
    if outcome.ok:
        messages.success(request, _("The address is removed: nothing more goes there."))
    return HttpResponseRedirect(reverse("webhooks:list"))


@require_POST
@company_required
def webhook_resume_view(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    customer_id = _own_endpoint_or_404(request, endpoint_id)
    with refusals_as_messages(request) as outcome:
        endpoint_resume(customer_id=customer_id, endpoint_id=endpoint_id)
    if outcome.ok:
        messages.success(request, _("The address is active again: the waiting events go now, in order."))
    return HttpResponseRedirect(reverse("webhooks:list"))


@require_POST
@company_required
def webhook_resend_view(request: HttpRequest, endpoint_id: int, delivery_id: int) -> HttpResponse:
    customer_id = _own_endpoint_or_404(request, endpoint_id)
    if not delivery_list(customer_id=customer_id, endpoint_id=endpoint_id).filter(pk=delivery_id).exists():
        raise Http404
    with refusals_as_messages(request) as outcome:
        delivery_resend(customer_id=customer_id, delivery_id=delivery_id)
    if outcome.ok:
        # A paused address gets nothing until it is resumed: the event waits for that, and the message says so.
        if endpoint_list(customer_id=customer_id).filter(pk=endpoint_id, state=WebhookEndpoint.State.PAUSED).exists():
            messages.success(request, _("The event waits: it is sent once you resume the address."))
        else:
            messages.success(request, _("The event is sent again."))
    return HttpResponseRedirect(reverse("webhooks:list"))


app_name = "webhooks"
urlpatterns = [
    path("", webhook_list_view, name="list"),
    path("<int:endpoint_id>/remove/", webhook_delete_view, name="delete"),
    path("<int:endpoint_id>/resume/", webhook_resume_view, name="resume"),
    path("<int:endpoint_id>/deliveries/<int:delivery_id>/resend/", webhook_resend_view, name="resend"),
]

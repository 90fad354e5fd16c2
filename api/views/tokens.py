"""The portal's page for a company's API tokens, under /portal/api-tokens/ (namespace "api_tokens"): a signed-in
contact makes a token (named, read-only or read-write, with an optional expiry), sees it once, lists the company's
tokens with when and from where each was last used, and revokes one at once.

A new token is shown once, after the redirect that follows its making (Post/Redirect/Get): the view keeps it in the
session until the next page shows it, and drops it there. Only its hash is stored. The form carries a submit token
(connections/services/submit_tokens.py): a double click makes one token."""

import datetime

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from api.models import ApiToken
from api.selectors.tokens import api_token_list
from api.services.tokens import NAME_MAX_LENGTH, api_token_create, api_token_revoke
from api.views.shown_once import make_then_redirect, secret_to_show
from connections.services.submit_tokens import SUBMIT_TOKEN_FIELD, submit_token_parse
from connections.views.access import company_required
from connections.views.feedback import refusals_as_messages
from htg_migration import clock
from htg_migration.forms import HtgForm

SHOWN_ONCE_KEY = "api_token_shown_once"


class ApiTokenForm(HtgForm):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=NAME_MAX_LENGTH,
        help_text=gettext_lazy("For example the software that uses it: “Warehouse system”."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("May the token"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires on (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Left empty, the token works until you revoke it."),
    )

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if "\x00" in name:
            raise forms.ValidationError(_("The name holds a character that cannot be stored."))
        return name

    def clean_expires_on(self) -> datetime.date | None:
        expires_on = self.cleaned_data["expires_on"]
        if expires_on is not None and expires_on < clock.today():
            raise forms.ValidationError(_("The expiry date lies in the past."))
        return expires_on


@require_http_methods(["GET", "POST"])
@company_required
def api_token_list_view(request: HttpRequest) -> HttpResponse:
    contact = request.portal_contact  # type: ignore[attr-defined]
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        made = make_then_redirect(
            request,
            form,
            make=lambda: api_token_create(
                contact=contact,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_on=form.cleaned_data["expires_on"],
                submit_token=submit_token_parse(request.POST.get(SUBMIT_TOKEN_FIELD)),
            ),
            session_key=SHOWN_ONCE_KEY,
            to=reverse("api_tokens:list"),
        )
        if made is not None:
            return made
    tokens = list(api_token_list(contact=contact))
    new_key = secret_to_show(request, SHOWN_ONCE_KEY, tokens)
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "new_key": new_key, "nav_active": "api_tokens"},
        status=400 if form.errors else 200,
    )


@require_POST
@company_required
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    contact = request.portal_contact  # type: ignore[attr-defined]
    if not api_token_list(contact=contact).filter(pk=token_id).exists():
        raise Http404
    with refusals_as_messages(request) as outcome:
        token = api_token_revoke(contact=contact, token_id=token_id, actor=request.user)
    if outcome.ok:
        messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return HttpResponseRedirect(reverse("api_tokens:list"))


app_name = "api_tokens"
urlpatterns = [
    path("", api_token_list_view, name="list"),
    path("<int:token_id>/revoke/", api_token_revoke_view, name="revoke"),
]

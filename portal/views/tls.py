"""A company confirms that its mail software now uses TLS 1.2 or later (a connection waiting in "awaiting_tls")."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from connections.models import TlsVersion
from connections.views.access import company_required, portal_connection_get
from connections.views.feedback import refusals_as_messages
from portal.services.tls_upgrade import connection_tls_confirm

# What the confirm form offers (the versions HTG takes), newest first.
TLS_CONFIRM_CHOICES = [(TlsVersion.TLS_1_3.value, "TLS 1.3"), (TlsVersion.TLS_1_2.value, "TLS 1.2")]


class TlsConfirmForm(forms.Form):
    tls_version = forms.ChoiceField(choices=TLS_CONFIRM_CHOICES)


@require_POST
@company_required
def connection_tls_confirm_view(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = portal_connection_get(request.user, connection_id)
    form = TlsConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the TLS version your mail software now uses: TLS 1.2 or TLS 1.3."))
        return HttpResponseRedirect(reverse("portal:connection", args=[connection.pk]))
    tls_version = form.cleaned_data["tls_version"]
    with refusals_as_messages(request):
        connection_tls_confirm(connection_id=connection.pk, tls_version=tls_version, actor=request.user)
        messages.success(
            request,
            _(
                "Thank you: we have recorded that %(flow)s now uses TLS %(version)s. The connection team now offers "
                "you a time slot."
            )
            % {"flow": connection.flow.code, "version": tls_version},
        )
    return HttpResponseRedirect(reverse("portal:connection", args=[connection.pk]))


urlpatterns = [
    path("connections/<int:connection_id>/tls/", connection_tls_confirm_view, name="connection_tls_confirm"),
]

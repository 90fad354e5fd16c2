from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    """The helpdesk: lookup, the customer card, contact log, callback requests."""

    name = "helpdesk"
    verbose_name = _("Helpdesk")

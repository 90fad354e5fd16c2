from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The companies' and hubs' self-service portal: sign-in by e-mailed link, intake, status, actions."""

    name = "portal"
    verbose_name = _("Portal")

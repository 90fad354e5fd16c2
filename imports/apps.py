from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Import and export of the Digipoort registration list."""

    name = "imports"
    verbose_name = _("Imports")

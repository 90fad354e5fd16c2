from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """The programme dashboard, its charts and the weekly reports."""

    name = "reporting"
    verbose_name = _("Reporting")

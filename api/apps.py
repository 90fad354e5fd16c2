from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API under /api/v1/: serializers and views over the core's services and selectors."""

    name = "api"
    verbose_name = _("API")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API under /api/v1/: serializers and views over the core's services and selectors."""

    name = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        import api.schema  # noqa: F401 (registers the token's security scheme with drf-spectacular)

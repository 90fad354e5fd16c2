from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    """News and documents: the team sends and publishes, companies read."""

    name = "community"
    verbose_name = _("Community")

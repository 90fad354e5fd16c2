from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlateausConfig(AppConfig):
    name = "plateaus"
    verbose_name = _("Programme and plateaus")

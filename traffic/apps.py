from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrafficConfig(AppConfig):
    """The gateways' daily message traffic: files in, counts per sender and flow, the rollup the dashboard reads."""

    name = "traffic"
    verbose_name = _("Message traffic")

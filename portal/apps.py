from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The companies' and hubs' self-service portal: sign-in by e-mailed link, intake, status, actions."""

    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from htg_migration.retention import retention_step_register
        from portal.services.retention import intake_drafts_purge
        from portal.services.sign_in import portal_sign_in_links_purge

        retention_step_register("intake_drafts", intake_drafts_purge)
        retention_step_register("sign_in_links", portal_sign_in_links_purge)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Import and export of the Digipoort registration list."""

    name = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from htg_migration.retention import retention_step_register
        from imports.services.retention import import_files_purge

        retention_step_register("import_files", import_files_purge)

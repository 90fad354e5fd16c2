from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = _("Connections")

    def ready(self) -> None:
        from django_structlog.signals import bind_extra_request_metadata

        from htg_migration.logs import request_metadata_bind

        # The client address on every log line of a request is the one our trusted proxies tell (htg_migration/logs).
        bind_extra_request_metadata.connect(request_metadata_bind, dispatch_uid="htg-client-ip")
        from connections.services.retention import contacts_anonymise
        from htg_migration.retention import retention_step_register

        retention_step_register("contacts", contacts_anonymise)

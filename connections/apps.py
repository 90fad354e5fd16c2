from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = _("Connections")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django_structlog.signals import bind_extra_request_metadata

        from connections.services.retention import contacts_anonymise
        from connections.services.submit_tokens import submit_tokens_expire
        from connections.sessions import session_begin_on_sign_in
        from htg_migration.logs import request_metadata_bind
        from htg_migration.retention import retention_step_register

        # The client address on every log line of a request is the one our trusted proxies tell (htg_migration/logs).
        bind_extra_request_metadata.connect(request_metadata_bind, dispatch_uid="htg-client-ip")
        user_logged_in.connect(session_begin_on_sign_in, dispatch_uid="htg-session-begin")
        retention_step_register("contacts", contacts_anonymise)
        retention_step_register("submit_tokens", submit_tokens_expire)

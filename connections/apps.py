from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = _("Connections")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from connections.services.retention import contacts_anonymise
        from connections.services.submit_tokens import submit_tokens_expire
        from connections.sessions import session_begin_on_sign_in
        from htg_migration.retention import retention_step_register

        user_logged_in.connect(session_begin_on_sign_in, dispatch_uid="htg-session-begin")
        retention_step_register("contacts", contacts_anonymise)
        retention_step_register("submit_tokens", submit_tokens_expire)

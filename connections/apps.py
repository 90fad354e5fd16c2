from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = _("Connections")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from connections.sessions import session_begin_on_sign_in

        user_logged_in.connect(session_begin_on_sign_in, dispatch_uid="htg-session-begin")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from htg_migration.retention import retention_step_register
        from notifications.services.retention import bounce_messages_trim

        retention_step_register("bounce_messages", bounce_messages_trim)

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last sign of life of a background process: the worker (it ran the heartbeat task) and the scheduler (it
    sent it). `/readyz` reports their ages."""

    class Name(models.TextChoices):
        WORKER = "worker", _("worker")
        SCHEDULER = "scheduler", _("scheduler")

    name = models.CharField(_("process"), max_length=20, choices=Name.choices, primary_key=True)
    beat_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"

"""The daily snapshot: connections per day, flow and state, so the dashboard need not recount history.

`DailySnapshot` says which days hold figures one may read: today's once it is opened (a recount under a table lock),
kept current by the services that create connections or change their state; a past day's once it is closed (checked
against the timeline's replay). `DailyCount` holds the counts; a plateau is its flows' sum.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailySnapshot(models.Model):
    day = models.DateField(_("day"), unique=True)
    opened_at = models.DateTimeField(_("opened"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Companies in use and those not yet able to message via HTG at the end of the day, set when the day is closed
    # (a company's figure depends on its hub's connections: no per-flow counter holds it).
    companies = models.IntegerField(_("companies"), null=True, blank=True)
    companies_not_able = models.IntegerField(_("companies not yet able"), null=True, blank=True)
    repairs = models.IntegerField(_("counts repaired"), default=0)

    class Meta:
        verbose_name = _("daily snapshot")
        verbose_name_plural = _("daily snapshots")
        ordering = ["-day"]

    def __str__(self) -> str:
        return self.day.isoformat()


class DailyCount(models.Model):
    day = models.DateField(_("day"))
    flow = models.ForeignKey("plateaus.MessageFlow", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(_("state"), max_length=32)
    count = models.IntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        constraints = [models.UniqueConstraint(fields=["day", "flow", "state"], name="daily_count_day_flow_state")]

    def __str__(self) -> str:
        return f"{self.day} {self.flow_id} {self.state}: {self.count}"

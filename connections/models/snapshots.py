"""The daily snapshot: connections per day, flow and state, so the dashboard need not recount history.

`DailySnapshot` says which days hold figures one may read: today's once it is opened (a recount under a table lock),
kept current by the services that create connections or change their state; a past day's once it is closed (checked
against the timeline's replay). `DailyCount` holds the counts; a plateau is its flows' sum. `DailyGoLive` holds the
connections that went live per day and flow (the burn-up's steps), every day's, current while today's snapshot is open.
A closed day also keeps its risk list (the rows shown and how many were at risk), as the timeline had it at its end.
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
    # A closed day's risk list: the rows the dashboard shows (the risk query's columns, times in ISO 8601) and the
    # number of connections at risk; the reasons are put in words when read, in the reader's language.
    risks = models.JSONField(_("risk list"), null=True, blank=True)
    at_risk = models.IntegerField(_("connections at risk"), null=True, blank=True)

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


class DailyGoLive(models.Model):
    """How many connections of a flow went live on a day (Europe/Amsterdam): the burn-up's steps. Every day's rows are
    written when today's snapshot is opened (a recount of the timeline) and a go-live adds itself to its day's row
    while it is open, so the burn-up of any day need not scan the timeline."""

    day = models.DateField(_("day"))
    flow = models.ForeignKey("plateaus.MessageFlow", on_delete=models.CASCADE, related_name="+")
    count = models.IntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("go-lives of a day")
        verbose_name_plural = _("go-lives per day")
        constraints = [models.UniqueConstraint(fields=["day", "flow"], name="daily_go_live_day_flow")]

    def __str__(self) -> str:
        return f"{self.day} {self.flow_id}: {self.count}"


class CompanyReadiness(models.Model):
    """Whether a company has a connection in use (not withdrawn) and whether it can message via HTG for every flow
    it uses (its own connection live, or its hub's for that flow): the dashboard's companies figures of today, a
    count of these rows. Written for every company when today's snapshot is opened, and again for the companies a
    change touches (a step, a new connection, an import; a hub's go-live touches its clients) in its transaction."""

    customer = models.OneToOneField(
        "connections.Customer", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    in_use = models.BooleanField(_("has a connection in use"), default=False)
    able = models.BooleanField(_("able to message via HTG"), default=True)

    class Meta:
        verbose_name = _("company readiness")
        verbose_name_plural = _("company readiness")

    def __str__(self) -> str:
        return f"{self.customer_id}: in use {self.in_use}, able {self.able}"

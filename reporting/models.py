"""The weekly reports."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WeeklyReport(models.Model):
    """The weekly report for the ministry: the dashboard as of the week's last day, as a PDF and a spreadsheet.

    One per week (the database guarantees it), so two schedulers running the job at once still make one report.
    """

    week_start = models.DateField(_("week starting"), unique=True, help_text=_("The Monday of the reported week."))
    as_of = models.DateField(_("figures as of"), help_text=_("The last day of the week (its Sunday)."))
    generated_at = models.DateTimeField(_("generated"), default=timezone.now)
    pdf = models.BinaryField(_("PDF"))
    xlsx = models.BinaryField(_("spreadsheet (XLSX)"))

    class Meta:
        db_table = "connections_weeklyreport"  # made by the connections app, which held it first
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"{self.week_start:%G-W%V}"

    @property
    def file_stem(self) -> str:
        return f"htg-weekly-report-{self.week_start:%G-W%V}"

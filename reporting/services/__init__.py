"""The weekly report for the ministry: the dashboard of one day as a PDF (`pdf`) and a spreadsheet (`xlsx`), made once
per week by `weekly_report_generate` (`service`), with the figures and week they share in `figures`."""

from reporting.services.figures import report_rows, weekly_report_week
from reporting.services.weekly import weekly_report_generate

__all__ = ["report_rows", "weekly_report_generate", "weekly_report_week"]

"""The weekly report for the ministry: the dashboard of one day as a PDF (`pdf`) and a spreadsheet (`xlsx`), made once
per week by `weekly_report_generate` (`service`)."""

from connections.services.reports.service import report_rows, weekly_report_generate, weekly_report_week

__all__ = ["report_rows", "weekly_report_generate", "weekly_report_week"]

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from reporting.models import WeeklyReport


@admin.register(WeeklyReport)
class WeeklyReportAdmin(admin.ModelAdmin):
    """The weekly reports, to look at or delete (one is made again on the next run); the files download from the
    dashboard."""

    list_display = ["week_start", "as_of", "generated_at"]
    fields = ["week_start", "as_of", "generated_at"]
    readonly_fields = ["week_start", "as_of", "generated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

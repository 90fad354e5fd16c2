"""The programme dashboard and the weekly reports (namespace "reporting")."""

from reporting.views import urlpatterns

app_name = "reporting"
__all__ = ["app_name", "urlpatterns"]

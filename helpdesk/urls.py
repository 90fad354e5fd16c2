"""The helpdesk workspace (namespace "helpdesk"): lookup, the customer card, contact log, callback requests, and
the team's callback queue."""

from helpdesk.views import urlpatterns

app_name = "helpdesk"
__all__ = ["app_name", "urlpatterns"]

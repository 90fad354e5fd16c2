"""The self-service portal for companies, under /portal/ (namespace "portal"): sign-in by e-mailed link, intake,
HTG number and status; the company's actions (slots, confirmations, problem reports, a hub's clients); and the
HTG Community area (news, newsletter archive, specifications and schedules)."""

from django.urls import URLPattern, URLResolver

from connections.views.portal import account, actions, clients, community, intake, status

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    # Start page, sign-in by e-mailed link, intake, status.
    *account.urlpatterns,
    *intake.urlpatterns,
    *status.urlpatterns,
    # Company actions, a hub's clients, the community area.
    *actions.urlpatterns,
    *clients.urlpatterns,
    *community.urlpatterns,
]

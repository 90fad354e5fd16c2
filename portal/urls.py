"""The self-service portal for companies, under /portal/ (namespace "portal"): sign-in by e-mailed link, intake,
HTG number and status; the company's actions (slots, confirmations, problem reports, a hub's clients). The HTG
Community area (news, newsletters, documents) is the community app's, under /portal/community/."""

from django.urls import URLPattern, URLResolver

from portal.views import account, actions, clients, intake, status, tls

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    # Start page, sign-in by e-mailed link, intake, status.
    *account.urlpatterns,
    *intake.urlpatterns,
    *status.urlpatterns,
    # Company actions, a hub's clients.
    *actions.urlpatterns,
    *tls.urlpatterns,
    *clients.urlpatterns,
]

"""The REST API (namespace "api"): the schema and its two readers under /api/, the endpoints under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from api.views import company_actions, connections, docs
from connections.models import CompanyConfirmation

app_name = "api"
urlpatterns: list[URLPattern | URLResolver] = [
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.SwaggerView.as_view(url_name="api:schema"), name="swagger"),
    path("redoc/", docs.RedocView.as_view(url_name="api:schema"), name="redoc"),
    path("v1/companies/", connections.CompanyListView.as_view(), name="company_list"),
    path("v1/connections/", connections.ConnectionListView.as_view(), name="connection_list"),
    path("v1/connections/<int:connection_id>/", connections.ConnectionDetailView.as_view(), name="connection_detail"),
    path(
        "v1/connections/<int:connection_id>/timeline/",
        connections.ConnectionTimelineView.as_view(),
        name="connection_timeline",
    ),
    path(
        "v1/connections/<int:connection_id>/slots/",
        company_actions.ConnectionSlotsView.as_view(),
        name="connection_slots",
    ),
    path(
        "v1/connections/<int:connection_id>/booking/",
        company_actions.ConnectionBookingView.as_view(),
        name="connection_booking",
    ),
    path(
        "v1/connections/<int:connection_id>/confirmations/test-messages-sent/",
        company_actions.ConfirmationView.as_view(kind=CompanyConfirmation.TEST_MESSAGES_SENT),
        name="connection_confirm_test_messages_sent",
    ),
    path(
        "v1/connections/<int:connection_id>/confirmations/ready-for-production/",
        company_actions.ConfirmationView.as_view(kind=CompanyConfirmation.READY_FOR_PRODUCTION),
        name="connection_confirm_ready_for_production",
    ),
    path(
        "v1/connections/<int:connection_id>/problems/",
        company_actions.ProblemReportView.as_view(),
        name="connection_problem_report",
    ),
]

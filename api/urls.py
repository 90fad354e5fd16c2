"""The REST API (namespace "api"): the schema and its two readers under /api/, the endpoints under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from api.views import company_actions, connections, docs, webhooks
from api.views.team import connections as team_connections
from api.views.team import dashboard, escalations, helpdesk, imports, slots, traffic
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
    # The team's endpoints (api/views/team/).
    path(
        "v1/connections/<int:connection_id>/transitions/",
        team_connections.ConnectionTransitionListView.as_view(),
        name="connection_transition_list",
    ),
    path(
        "v1/connections/<int:connection_id>/transitions/<str:name>/",
        team_connections.ConnectionTransitionView.as_view(),
        name="connection_transition",
    ),
    path(
        "v1/connections/<int:connection_id>/assignment/",
        team_connections.ConnectionAssignmentView.as_view(),
        name="connection_assignment",
    ),
    path("v1/team/customers/", team_connections.TeamCustomerListView.as_view(), name="team_customer_list"),
    path("v1/team/lookup/", helpdesk.LookupView.as_view(), name="team_lookup"),
    path("v1/team/callbacks/", helpdesk.CallbackListView.as_view(), name="team_callback_list"),
    path(
        "v1/team/callbacks/<int:callback_id>/close/", helpdesk.CallbackCloseView.as_view(), name="team_callback_close"
    ),
    path("v1/team/escalations/", escalations.EscalationListView.as_view(), name="team_escalation_list"),
    path(
        "v1/team/escalations/<int:escalation_id>/assign/",
        escalations.EscalationAssignView.as_view(),
        name="team_escalation_assign",
    ),
    path(
        "v1/team/escalations/<int:escalation_id>/notes/",
        escalations.EscalationNotesView.as_view(),
        name="team_escalation_notes",
    ),
    path(
        "v1/team/escalations/<int:escalation_id>/close/",
        escalations.EscalationCloseView.as_view(),
        name="team_escalation_close",
    ),
    path("v1/team/availability/", slots.AvailabilityListView.as_view(), name="team_availability_list"),
    path(
        "v1/team/availability/<int:availability_id>/withdraw/",
        slots.AvailabilityWithdrawView.as_view(),
        name="team_availability_withdraw",
    ),
    path("v1/team/dashboard/", dashboard.DashboardView.as_view(), name="team_dashboard"),
    path("v1/team/imports/", imports.ImportListView.as_view(), name="team_import_list"),
    path("v1/team/imports/<int:batch_id>/", imports.ImportDetailView.as_view(), name="team_import_detail"),
    path("v1/team/imports/<int:batch_id>/apply/", imports.ImportApplyView.as_view(), name="team_import_apply"),
    path("v1/team/imports/<int:batch_id>/progress/", imports.ImportProgressView.as_view(), name="team_import_progress"),
    path("v1/traffic/", traffic.TrafficUploadView.as_view(), name="traffic_upload"),
    path("v1/traffic/<int:file_id>/", traffic.TrafficDetailView.as_view(), name="traffic_detail"),
    path("v1/events/", webhooks.EventFeedView.as_view(), name="event_feed"),
    path("v1/webhooks/", webhooks.WebhookEndpointListView.as_view(), name="webhook_list"),
    path("v1/webhooks/<int:endpoint_id>/", webhooks.WebhookEndpointDetailView.as_view(), name="webhook_detail"),
    path("v1/webhooks/<int:endpoint_id>/resume/", webhooks.WebhookEndpointResumeView.as_view(), name="webhook_resume"),
    path(
        "v1/webhooks/<int:endpoint_id>/deliveries/",
        webhooks.WebhookDeliveryListView.as_view(),
        name="webhook_delivery_list",
    ),
    path(
        "v1/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/resend/",
        webhooks.WebhookDeliveryResendView.as_view(),
        name="webhook_delivery_resend",
    ),
]

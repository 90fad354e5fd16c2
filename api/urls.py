"""The REST API (namespace "api"): the schema and its two readers under /api/, the endpoints under /api/v1/."""

from django.urls import URLPattern, URLResolver, path

from api.views import connections, docs, webhooks

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

"""The events feed (GET /api/v1/events/) and a company's webhooks (/api/v1/webhooks/): thin views over the
webhooks app's selectors and services; which companies a caller sees comes from the portal's access selectors."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.pagination import ApiCursorPagination
from api.serializers_strict import QueryParameters
from api.views.strict import KnownQueryParametersOnly
from connections.models import Contact
from connections.selectors.company_access import portal_contact, portal_customers
from webhooks.models import Event, EventKind, WebhookDelivery, WebhookEndpoint
from webhooks.selectors import delivery_list, endpoint_list, event_cursor, event_cursor_parse, event_feed
from webhooks.services.addresses import URL_MAX_LENGTH
from webhooks.services.endpoints import delivery_resend, endpoint_create, endpoint_delete, endpoint_resume

FEED_PAGE_SIZE = 100
FEED_PAGE_SIZE_MAX = 500


class EventSerializer(serializers.ModelSerializer[Event]):
    cursor = serializers.SerializerMethodField(help_text="Ask `?after=` this to get the events that follow it.")
    type = serializers.CharField(source="kind")
    data = serializers.JSONField(source="payload")

    class Meta:
        model = Event
        fields = ["cursor", "id", "type", "occurred_at", "customer", "connection", "data"]
        read_only_fields = fields

    def get_cursor(self, event: Event) -> str:
        return event_cursor(event)


class EventFeedQuerySerializer(QueryParameters):
    after = serializers.CharField(
        required=False, max_length=40, trim_whitespace=False, help_text="The `cursor` of the last event you have."
    )
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=FEED_PAGE_SIZE_MAX)

    def blank_message(self, name: str) -> str:
        return _("This is not a cursor of the events feed.") if name == "after" else super().blank_message(name)

    def validate_after(self, value: str) -> int:
        position = event_cursor_parse(value)
        if position is None:
            raise serializers.ValidationError(_("This is not a cursor of the events feed."))
        return position


class EventFeedSerializer(serializers.Serializer[Any]):
    results = EventSerializer(many=True)
    cursor = serializers.CharField(allow_null=True, help_text="Ask `?after=` this next (the same when nothing new).")


class EventFeedView(KnownQueryParametersOnly):
    """Every change you may see, oldest first: your own company's and, for a hub or software supplier, its clients'
    events (a state changed, a slot booked or moved, an e-mail bounced, an escalation opened). Start without `after`,
    then ask again with the `cursor` of the last answer: read this way, the feed rebuilds every change you may see,
    each once, in the order they were committed."""

    query_serializer_class = EventFeedQuerySerializer

    @extend_schema(parameters=[EventFeedQuerySerializer], responses=EventFeedSerializer)
    def get(self, request: Request) -> Response:
        query = EventFeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        after = query.validated_data.get("after")
        size = query.validated_data.get("page_size", FEED_PAGE_SIZE)
        events = list(event_feed(customers=portal_customers(request.user), after=after)[:size])
        if events:
            cursor: str | None = event_cursor(events[-1])
        else:
            cursor = request.query_params.get("after")
        return Response({"results": EventSerializer(events, many=True).data, "cursor": cursor})


def _contact(request: Request) -> Contact:
    contact = portal_contact(request.user)
    if contact is None:  # the permission classes let only company contacts in
        raise Http404
    return contact


class WebhookEndpointSerializer(serializers.ModelSerializer[WebhookEndpoint]):
    events = serializers.ListField(
        source="kinds", child=serializers.ChoiceField(choices=EventKind.choices), min_length=1, max_length=10
    )
    url = serializers.CharField(
        min_length=1, max_length=URL_MAX_LENGTH, help_text="https:// and a public host; no redirects."
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "state", "created_at", "paused_at", "last_error"]
        read_only_fields = ["id", "state", "created_at", "paused_at", "last_error"]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown this once: keep it to verify signatures.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookEndpointListView(KnownQueryParametersOnly, generics.ListCreateAPIView[WebhookEndpoint]):
    """Your company's webhook endpoints; POST registers one (a read-write token or a signed-in contact) and answers
    with its secret, shown this once."""

    serializer_class = WebhookEndpointSerializer

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return endpoint_list(customer_id=_contact(self.request).customer_id)

    @extend_schema(responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        contact = _contact(request)
        given = WebhookEndpointSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        endpoint, secret = endpoint_create(
            customer_id=contact.customer_id,
            url=given.validated_data["url"],
            kinds=given.validated_data["kinds"],
            owner_email=contact.email,
            owner_language=contact.language,
        )
        answer = WebhookEndpointSerializer(endpoint).data
        return Response({**answer, "secret": secret}, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailView(KnownQueryParametersOnly, generics.RetrieveDestroyAPIView[WebhookEndpoint]):
    """One of your company's endpoints; DELETE removes it with its deliveries."""

    serializer_class = WebhookEndpointSerializer
    lookup_url_kwarg = "endpoint_id"

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return endpoint_list(customer_id=_contact(self.request).customer_id)

    def perform_destroy(self, instance: WebhookEndpoint) -> None:
        endpoint_delete(customer_id=instance.customer_id, endpoint_id=instance.pk)


class WebhookEndpointResumeView(KnownQueryParametersOnly):
    """Resume a paused endpoint: its waiting deliveries go now, in order."""

    @extend_schema(request=None, responses=WebhookEndpointSerializer)
    def post(self, request: Request, endpoint_id: int) -> Response:
        contact = _contact(request)
        if not endpoint_list(customer_id=contact.customer_id).filter(pk=endpoint_id).exists():
            raise Http404
        endpoint = endpoint_resume(customer_id=contact.customer_id, endpoint_id=endpoint_id)
        return Response(WebhookEndpointSerializer(endpoint).data)


class WebhookDeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    type = serializers.CharField(source="event.kind")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "type",
            "status",
            "attempts",
            "created_at",
            "next_attempt_at",
            "delivered_at",
            "last_status_code",
            "last_error",
        ]
        read_only_fields = fields


class DeliveryFilterSerializer(QueryParameters):
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices, required=False)


class DeliveryPagination(ApiCursorPagination):
    ordering = "-id"


@extend_schema(parameters=[DeliveryFilterSerializer])
class WebhookDeliveryListView(KnownQueryParametersOnly, generics.ListAPIView[WebhookDelivery]):
    """One endpoint's deliveries, newest first; `status=failed` gives those to send again."""

    serializer_class = WebhookDeliverySerializer
    pagination_class = DeliveryPagination
    query_serializer_class = DeliveryFilterSerializer

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        contact = _contact(self.request)
        endpoint_id = int(self.kwargs["endpoint_id"])
        if not endpoint_list(customer_id=contact.customer_id).filter(pk=endpoint_id).exists():
            raise Http404
        filters = DeliveryFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return delivery_list(
            customer_id=contact.customer_id, endpoint_id=endpoint_id, status=filters.validated_data.get("status")
        )


class WebhookDeliveryResendView(KnownQueryParametersOnly):
    """Send a failed delivery again."""

    @extend_schema(request=None, responses=WebhookDeliverySerializer)
    def post(self, request: Request, endpoint_id: int, delivery_id: int) -> Response:
        contact = _contact(request)
        if not delivery_list(customer_id=contact.customer_id, endpoint_id=endpoint_id).filter(pk=delivery_id).exists():
            raise Http404
        delivery = delivery_resend(customer_id=contact.customer_id, delivery_id=delivery_id)
        return Response(
            WebhookDeliverySerializer(WebhookDelivery.objects.select_related("event").get(pk=delivery.pk)).data
        )

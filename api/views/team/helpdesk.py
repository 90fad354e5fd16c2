"""The helpdesk's lookup and the callback requests: the same services as the helpdesk's pages and the team's callback
queue (the lookup writes the same audit row as the lookup page)."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.permissions import IsStaffMember, IsTeamMember, TokenScopeAllows
from api.serializers_team import (
    CallbackCloseSerializer,
    CallbackCreateSerializer,
    CallbackFilterSerializer,
    CallbackSerializer,
    LookupRequestSerializer,
    LookupSerializer,
)
from api.views.strict import KnownQueryParametersOnly
from connections.models import CallbackRequest, Customer
from connections.services.callbacks import callback_request_close, callback_request_create
from helpdesk.selectors import callback_queue
from helpdesk.services import helpdesk_lookup
from htg_migration import clock


class LookupView(KnownQueryParametersOnly):
    """Find a company by HTG number, name, KvK number or EORI, as the helpdesk's lookup does (with its audit row):
    `customer` is the one company the search points at, `results` the companies found when there are several."""

    permission_classes = [IsStaffMember, TokenScopeAllows]
    query_serializer_class = LookupRequestSerializer

    @extend_schema(parameters=[LookupRequestSerializer], responses=LookupSerializer)
    def get(self, request: Request) -> Response:
        query = LookupRequestSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = helpdesk_lookup(user=request.user, query=query.validated_data["q"])
        results = found.results
        if not results and found.customer_id is not None:
            results = [Customer.objects.select_related("hub").get(pk=found.customer_id)]
        return Response(LookupSerializer({"customer": found.customer_id, "results": results}).data)


def _callbacks() -> QuerySet[CallbackRequest]:
    return CallbackRequest.objects.select_related("customer", "connection__flow", "assigned_to")


@extend_schema(parameters=[CallbackFilterSerializer])
class CallbackListView(KnownQueryParametersOnly, generics.ListCreateAPIView[CallbackRequest]):
    """GET: the team's open callback requests (`scope`: all, mine, unassigned, escalated), as its queue shows them.
    POST: ask the team to call a company back, as the helpdesk's customer screen does."""

    serializer_class = CallbackSerializer
    query_serializer_class = CallbackFilterSerializer

    def get_permissions(self) -> list[Any]:
        # The queue is the team's page; asking for a callback is the helpdesk's (and the team's) form.
        role = IsStaffMember if self.request.method == "POST" else IsTeamMember
        return [role(), TokenScopeAllows()]

    def get_queryset(self) -> QuerySet[CallbackRequest]:
        filters = CallbackFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return callback_queue(scope=filters.validated_data["scope"], user=self.request.user, now=clock.now())

    @extend_schema(request=CallbackCreateSerializer, responses={201: CallbackSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = CallbackCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        get_object_or_404(Customer.objects.only("id"), pk=data["customer"])
        callback = callback_request_create(
            customer_id=data["customer"],
            requested_by=request.user,
            urgency=data["urgency"],
            reason=data["reason"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            connection_id=data.get("connection"),
        )
        return Response(CallbackSerializer(_callbacks().get(pk=callback.pk)).data, status=status.HTTP_201_CREATED)


class CallbackCloseView(KnownQueryParametersOnly):
    """Record that the team called back and what came of it; closing twice is a 409."""

    permission_classes = [IsTeamMember, TokenScopeAllows]

    @extend_schema(request=CallbackCloseSerializer, responses=CallbackSerializer)
    def post(self, request: Request, callback_id: int) -> Response:
        get_object_or_404(CallbackRequest.objects.only("id"), pk=callback_id)
        body = CallbackCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        callback_request_close(callback_id=callback_id, closed_by=request.user, outcome=body.validated_data["outcome"])
        return Response(CallbackSerializer(_callbacks().get(pk=callback_id)).data)

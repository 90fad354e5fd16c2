"""The companies a caller acts for, their connections (state, next step in words, due date, booked slot) and a
connection's timeline: each read through the selectors in api/selectors/connections.py."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import generics

from api.pagination import ApiCursorPagination
from api.permissions import IsCompanyContactOrTeamMember, TokenScopeAllows
from api.selectors.connections import api_company_list, api_connection_list, api_connection_timeline
from api.serializers import (
    CompanySerializer,
    ConnectionFilterSerializer,
    ConnectionSerializer,
    TimelineEventSerializer,
)
from api.serializers_team import TeamConnectionSerializer
from api.views.strict import KnownQueryParametersOnly
from api.views.team.connections import FILTER_PARAMETERS, TeamFilterTypes, team_connection_list
from connections.models import Connection, ConnectionEvent, Customer
from connections.selectors.company_access import portal_contact


class CompanyListView(KnownQueryParametersOnly, generics.ListAPIView[Customer]):
    """The caller's own company and, for a hub or software supplier, each client it serves."""

    serializer_class = CompanySerializer

    def get_queryset(self) -> QuerySet[Customer]:
        return api_company_list(user=self.request.user)


@extend_schema(
    parameters=[ConnectionFilterSerializer, *FILTER_PARAMETERS],
    # A company's caller gets its connections, a team member the team's list: one of the two shapes.
    responses=PolymorphicProxySerializer(
        component_name="ConnectionListItem",
        serializers=[ConnectionSerializer, TeamConnectionSerializer],
        resource_type_field_name=None,
        many=True,
    ),
)
class ConnectionListView(KnownQueryParametersOnly, generics.ListAPIView[Connection]):
    """The caller's connections, and a hub's clients' connections, oldest first (cursor-paginated); `customer`
    narrows them to one company. A team member gets the team's list with its filters (the other parameters)."""

    serializer_class = ConnectionSerializer
    permission_classes = [IsCompanyContactOrTeamMember, TokenScopeAllows]

    query_serializer_class = ConnectionFilterSerializer
    # The team's filters are in the schema, so known to every caller; a company's list does not use them.
    query_parameters = FILTER_PARAMETERS

    def get_serializer_class(self) -> type[Any]:
        return ConnectionSerializer if portal_contact(self.request.user) is not None else TeamConnectionSerializer

    def get_queryset(self) -> QuerySet[Connection]:
        # Every parameter as the schema types it, for every caller.
        if portal_contact(self.request.user) is None:
            connections = team_connection_list(self.request)  # its filters' types checked there (team_filters)
            customer_id = self._customer_id()
            return connections if customer_id is None else connections.filter(customer_id=customer_id)
        TeamFilterTypes(data=self.request.query_params).is_valid(raise_exception=True)  # unused here, still typed
        return api_connection_list(user=self.request.user, customer_id=self._customer_id())

    def _customer_id(self) -> int | None:
        filters = ConnectionFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return filters.validated_data.get("customer")


class ConnectionDetailView(KnownQueryParametersOnly, generics.RetrieveAPIView[Connection]):
    """One connection of the caller's own company or of a client it serves; any other id is a 404."""

    serializer_class = ConnectionSerializer
    lookup_url_kwarg = "connection_id"

    def get_queryset(self) -> QuerySet[Connection]:
        return api_connection_list(user=self.request.user)


class TimelinePagination(ApiCursorPagination):
    ordering = "created_at"


class ConnectionTimelineView(KnownQueryParametersOnly, generics.ListAPIView[ConnectionEvent]):
    """What happened to one connection, oldest first; a connection the caller may not see is a 404."""

    serializer_class = TimelineEventSerializer
    pagination_class = TimelinePagination

    def get_queryset(self) -> QuerySet[ConnectionEvent]:
        return api_connection_timeline(user=self.request.user, connection_id=int(self.kwargs["connection_id"]))

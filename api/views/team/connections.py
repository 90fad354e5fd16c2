"""The team's connections and customers: the list's filters, a connection's available steps, a step taken (with the
state the caller saw: 409 when someone else moved it first), and giving a connection to a team member."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.permissions import IsTeamMember, TokenScopeAllows
from api.selectors.team import api_team_connection_get, api_team_connection_list, api_team_customer_list
from api.serializers_strict import QueryParameters
from api.serializers_team import (
    AssignmentRequestSerializer,
    TeamConnectionSerializer,
    TeamCustomerSerializer,
    TransitionRequestSerializer,
    TransitionSerializer,
)
from api.views.strict import KnownQueryParametersOnly
from connections.models import Connection, Customer
from connections.selectors.connection_list import ConnectionFilters
from connections.selectors.connections import connection_available_transitions
from connections.services.connections import connection_assign
from connections.services.transitions import connection_transition

TEAM = [IsTeamMember, TokenScopeAllows]
# The team list's filters (connections/selectors/connection_list.py ConnectionFilters), as query parameters.
FILTER_PARAMETERS = [
    OpenApiParameter("plateau", int, description="Plateau number."),
    OpenApiParameter("flow", str, description="Message flow code, e.g. AGS."),
    OpenApiParameter("state", str, description="Connection state."),
    OpenApiParameter("assignee", str, description="A team member's id, or `none` for unassigned."),
    OpenApiParameter("role", str, description="The company's role."),
    OpenApiParameter("hub", int, description="The hub whose clients to show."),
    OpenApiParameter("overdue", bool, description="Only those past their due date."),
    OpenApiParameter("escalated", bool, description="Only those with an open escalation."),
    OpenApiParameter("blocked", bool, description="Only those whose flow waits for its government party."),
    # Any text but a NUL character (the list page's search box refuses it too).
    OpenApiParameter(
        "q", str, pattern=r"^[^\x00]*$", description="An HTG number, KvK number, EORI or part of the name."
    ),
]


class TeamFilterTypes(QueryParameters):
    """The team's filters typed as the schema lists them (FILTER_PARAMETERS): a wrong type is a 400 for every caller,
    also a company's on /api/v1/connections/, whose list does not use them."""

    plateau = serializers.IntegerField(required=False)
    hub = serializers.IntegerField(required=False)
    overdue = serializers.BooleanField(required=False)
    escalated = serializers.BooleanField(required=False)
    blocked = serializers.BooleanField(required=False)
    q = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)  # no NUL character


def team_filters(request: Request) -> ConnectionFilters:
    """The list page's filter from the query string, its types checked first (a search with a NUL character, which
    the page's search box refuses too, is a 400 here)."""
    TeamFilterTypes(data=request.query_params).is_valid(raise_exception=True)
    return ConnectionFilters.from_query(request.query_params)


def team_connection_list(request: Request) -> QuerySet[Connection]:
    """For the staff branch of /api/v1/connections/ (api/views/connections.py)."""
    return api_team_connection_list(filters=team_filters(request))


@extend_schema(parameters=FILTER_PARAMETERS)
class TeamCustomerListView(KnownQueryParametersOnly, generics.ListAPIView[Customer]):
    """The companies with a connection in the team's list under its filters."""

    permission_classes = TEAM
    serializer_class = TeamCustomerSerializer
    query_parameters = FILTER_PARAMETERS

    def get_queryset(self) -> QuerySet[Customer]:
        return api_team_customer_list(filters=team_filters(self.request))


class ConnectionTransitionListView(KnownQueryParametersOnly):
    """The steps the caller may take now on this connection (its state, the step's conditions and the caller's role
    all allow it), as the connection's page offers them."""

    permission_classes = TEAM

    @extend_schema(responses=TransitionSerializer(many=True))
    def get(self, request: Request, connection_id: int) -> Response:
        connection = get_object_or_404(Connection.objects.select_related("customer", "flow"), pk=connection_id)
        available = connection_available_transitions(connection=connection, user=request.user)
        return Response(TransitionSerializer(available, many=True).data)


class ConnectionTransitionView(KnownQueryParametersOnly):
    """Take one step, as the connection's page does (connections/services/transitions.py). 409 with the current
    `state` when the connection is no longer in `expected_state` (or the step does not leave from it); 403 when the
    caller's role may not; 400 with the reason when the step's conditions are not met. A refusal writes nothing."""

    permission_classes = TEAM

    @extend_schema(request=TransitionRequestSerializer, responses=TeamConnectionSerializer)
    def post(self, request: Request, connection_id: int, name: str) -> Response:
        get_object_or_404(Connection.objects.only("id"), pk=connection_id)
        body = TransitionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        connection_transition(
            connection_id=connection_id,
            transition=name,
            actor=request.user,
            note=body.validated_data["note"],
            expected_state=body.validated_data["expected_state"],
        )
        return Response(TeamConnectionSerializer(api_team_connection_get(connection_id=connection_id)).data)


class ConnectionAssignmentView(KnownQueryParametersOnly):
    """Give the connection to a team member, or to nobody (`assignee` null): a timeline event, as on its page."""

    permission_classes = TEAM

    @extend_schema(request=AssignmentRequestSerializer, responses=TeamConnectionSerializer)
    def post(self, request: Request, connection_id: int) -> Response:
        get_object_or_404(Connection.objects.only("id"), pk=connection_id)
        body = AssignmentRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        connection_assign(
            connection_id=connection_id, assignee_id=data["assignee"], actor=request.user, note=data["note"]
        )
        return Response(TeamConnectionSerializer(api_team_connection_get(connection_id=connection_id)).data)

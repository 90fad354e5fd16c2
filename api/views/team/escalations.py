"""The core team's escalations: the queue with its filter, and the actions its page has (take or hand over, notes,
close with an outcome), through the same services (connections/services/escalations.py)."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.permissions import IsCoreTeam, TokenScopeAllows
from api.serializers_strict import QueryParameters
from api.serializers_team import (
    EscalationAssignSerializer,
    EscalationCloseSerializer,
    EscalationNotesSerializer,
    EscalationSerializer,
)
from api.views.strict import KnownQueryParametersOnly
from connections.models import Escalation
from connections.selectors.escalations import EscalationFilters, escalation_queue
from connections.services.escalations import escalation_assign, escalation_close, escalation_note

CORE_TEAM = [IsCoreTeam, TokenScopeAllows]


class QueueParameters(QueryParameters):
    """The queue page's filter, typed (the page itself falls back to its defaults; the API says what is wrong)."""

    scope = serializers.ChoiceField(choices=["open", "closed"], required=False)
    owner = serializers.RegexField(
        r"^(me|none|[0-9]{1,18})$", required=False, help_text="A core-team member's id, `me` or `none`."
    )
    plateau = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


@extend_schema(parameters=[QueueParameters])
class EscalationListView(KnownQueryParametersOnly, generics.ListAPIView[Escalation]):
    """The escalation queue under the page's filter (scope, owner, plateau)."""

    permission_classes = CORE_TEAM
    serializer_class = EscalationSerializer
    query_serializer_class = QueueParameters

    def get_queryset(self) -> QuerySet[Escalation]:
        QueueParameters(data=self.request.query_params).is_valid(raise_exception=True)
        filters = EscalationFilters.from_query(self.request.query_params)
        return escalation_queue(filters=filters, user_id=self.request.user.pk or 0)


def _answer(escalation_id: int) -> Response:
    """The escalation as the queue shows it, after the action (open, or closed by it)."""
    for scope in ("open", "closed"):
        found = escalation_queue(filters=EscalationFilters(scope=scope), user_id=0).filter(pk=escalation_id).first()
        if found is not None:
            return Response(EscalationSerializer(found).data)
    raise AssertionError("an escalation is open or closed")


def _body(serializer: Any, request: Request, escalation_id: int) -> dict[str, Any]:
    get_object_or_404(Escalation.objects.only("id"), pk=escalation_id)
    body = serializer(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


class EscalationAssignView(KnownQueryParametersOnly):
    """Make a core-team member the owner (`owner` null: back to the queue)."""

    permission_classes = CORE_TEAM

    @extend_schema(request=EscalationAssignSerializer, responses=EscalationSerializer)
    def post(self, request: Request, escalation_id: int) -> Response:
        data = _body(EscalationAssignSerializer, request, escalation_id)
        escalation_assign(escalation_id=escalation_id, owner_id=data["owner"], actor=request.user)
        return _answer(escalation_id)


class EscalationNotesView(KnownQueryParametersOnly):
    """Replace the escalation's notes."""

    permission_classes = CORE_TEAM

    @extend_schema(request=EscalationNotesSerializer, responses=EscalationSerializer)
    def post(self, request: Request, escalation_id: int) -> Response:
        data = _body(EscalationNotesSerializer, request, escalation_id)
        escalation_note(escalation_id=escalation_id, notes=data["notes"], actor=request.user)
        return _answer(escalation_id)


class EscalationCloseView(KnownQueryParametersOnly):
    """Close with an outcome; closing twice is a 409."""

    permission_classes = CORE_TEAM

    @extend_schema(request=EscalationCloseSerializer, responses=EscalationSerializer)
    def post(self, request: Request, escalation_id: int) -> Response:
        data = _body(EscalationCloseSerializer, request, escalation_id)
        escalation_close(escalation_id=escalation_id, outcome=data["outcome"], actor=request.user)
        return _answer(escalation_id)

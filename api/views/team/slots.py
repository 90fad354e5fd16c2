"""The team member's own availability (the slot planning page): the blocks from today on with their one-hour slots,
publishing a block and withdrawing one, through the same services (connections/services/slots.py)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.permissions import IsTeamMember, TokenScopeAllows
from api.serializers_team import AvailabilityCreateSerializer, AvailabilityPageSerializer, AvailabilitySerializer
from api.views.strict import KnownQueryParametersOnly
from connections.models import TeamAvailability
from connections.selectors.slots import availability_list
from connections.services.slots import availability_publish, availability_withdraw
from htg_migration import clock

TEAM = [IsTeamMember, TokenScopeAllows]


class AvailabilityListView(KnownQueryParametersOnly):
    """GET: the caller's availability from today on, each block with its slots and the seats taken (a member's own
    coming weeks: one page, `next` always empty). POST: publish a block of whole hours; its one-hour slots are made."""

    permission_classes = TEAM

    @extend_schema(responses=AvailabilityPageSerializer)
    def get(self, request: Request) -> Response:
        blocks = availability_list(team_member=request.user, date_from=clock.today())
        page = {"next": None, "previous": None, "results": blocks}
        return Response(AvailabilityPageSerializer(page).data)

    @extend_schema(request=AvailabilityCreateSerializer, responses={201: AvailabilitySerializer})
    def post(self, request: Request) -> Response:
        body = AvailabilityCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        availability = availability_publish(team_member=request.user, **body.validated_data)
        block = next(
            item
            for item in availability_list(team_member=request.user, date_from=availability.date)
            if item.pk == availability.pk
        )
        return Response(AvailabilitySerializer(block).data, status=status.HTTP_201_CREATED)


class AvailabilityWithdrawView(KnownQueryParametersOnly):
    """Withdraw one of the caller's blocks: its free slots go; a booked slot refuses it (400, nothing changes)."""

    permission_classes = TEAM

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, availability_id: int) -> Response:
        get_object_or_404(TeamAvailability.objects.only("id"), pk=availability_id, team_member=request.user)
        availability_withdraw(availability_id=availability_id, team_member=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

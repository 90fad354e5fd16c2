"""A company's (or its hub's) actions on one connection, each a thin layer over the service the portal's pages call:
the free slots (`slot_page_context`, the portal's slot page), booking the session (POST, `slot_book`) and moving it
(PUT, `slot_reschedule`), confirming "test messages sent" and "ready for production"
(`connection_company_confirm`), and reporting a problem (`connection_problem_report`, urgent or not).

Who: the API's default permissions (a company contact; a read-only token only reads); the slots and the booking also
answer the connection team, who book and move sessions for companies as on a connection's page. Which connection:
the portal's access rule (`portal_connection_get`) for a company, any connection for the team, asked before the body
is read, so another company's id is a 404 whatever is sent. A service's refusal is problem details (ApplicationError
400, ConflictError 409, PermissionDenied 403), its Django ValidationError field errors; each service owns its
transaction, so a refusal writes nothing.

A repeated request does not act twice: a second booking is refused (the connection has one: 409), a second
confirmation answers with the first (200 instead of 201), and a problem report sent again with the same
`Idempotency-Key` answers with the first report (the portal's submit token, docs/api.md)."""

import uuid
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.permissions import IsCompanyContactOrTeamMember, TokenScopeAllows
from api.serializers_actions import (
    BookingRequestSerializer,
    BookingSerializer,
    ConfirmationRequestSerializer,
    ConfirmationSerializer,
    ProblemDetailsSerializer,
    ProblemReportRequestSerializer,
    ProblemReportSerializer,
    RescheduleRequestSerializer,
    SlotOfferSerializer,
)
from api.views.strict import KnownQueryParametersOnly
from connections.models import CompanyConfirmation, Connection, SlotBooking
from connections.selectors.company_access import portal_connections, portal_contact
from connections.selectors.slots import connection_for_slots
from connections.services.company_actions import connection_company_confirm, connection_problem_report
from connections.services.slots import slot_book, slot_reschedule
from connections.services.submit_tokens import SUBMIT_TOKEN_FIELD
from connections.views.access import portal_connection_get
from connections.views.slots import slot_page_context

IDEMPOTENCY_HEADER = "Idempotency-Key"


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ProblemDetailsSerializer, description=description)


READ_PROBLEMS = {
    401: _problem("No, or no valid, token or session."),
    403: _problem("Not a company account."),
    404: _problem("No connection of yours (or of a client you serve) has this id."),
}
# The slots and the booking: a company's, or the team's for any connection.
SLOT_READ_PROBLEMS = {
    **READ_PROBLEMS,
    403: _problem("Neither a company account nor a member of the connection team."),
    404: _problem("No connection you may see has this id."),
}
WRITE_PROBLEMS = {
    **READ_PROBLEMS,
    400: _problem("Bad input (field errors), or a rule refused it; nothing was written."),
    403: _problem("Not a company account, or a read-only token."),
    409: _problem("The connection's state or the slot changed first (taken, already booked); nothing was written."),
}
SLOT_WRITE_PROBLEMS = {
    **WRITE_PROBLEMS,
    403: _problem("Neither a company account nor a member of the connection team, or a read-only token."),
    404: SLOT_READ_PROBLEMS[404],
}
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_HEADER,
    type=OpenApiTypes.UUID,
    location=OpenApiParameter.HEADER,
    required=False,
    description="A fresh UUID per report: the same report sent again with it is recorded once, and answered with "
    "the first.",
)


def _body(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


def _idempotency_key(request: Request) -> uuid.UUID | None:
    value = request.headers.get(IDEMPOTENCY_HEADER)
    if value is None:
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise serializers.ValidationError(
            {IDEMPOTENCY_HEADER: [_("Give a UUID as Idempotency-Key, a fresh one for each new request.")]}
        ) from None


def _field_errors(error: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError as the API's field errors; the submit token is the Idempotency-Key here."""
    errors: dict[str, list[str]] = {}
    for field, messages in error.message_dict.items():
        if field == SUBMIT_TOKEN_FIELD:
            errors[IDEMPOTENCY_HEADER] = [
                _("This Idempotency-Key cannot be used: send a fresh UUID for a new report. Nothing was recorded.")
            ]
        else:
            errors[field] = list(messages)
    return serializers.ValidationError(errors)


def _slot_connections(request: Request) -> QuerySet[Connection]:
    """Where a caller of the slot endpoints finds a connection: a company its own and its clients', the team all."""
    return portal_connections(request.user) if portal_contact(request.user) is not None else Connection.objects.all()


def _booking_read(booking: SlotBooking) -> SlotBooking:
    """The booking as it is now (the service's copy of the connection was loaded before its transition)."""
    return SlotBooking.objects.select_related("slot", "connection").get(pk=booking.pk)


class ConnectionSlotsView(KnownQueryParametersOnly):
    """The slot page's answer: whether a slot can be chosen, the booked one, and the earliest free slots."""

    permission_classes = [IsCompanyContactOrTeamMember, TokenScopeAllows]

    @extend_schema(responses={200: SlotOfferSerializer, **SLOT_READ_PROBLEMS})
    def get(self, request: Request, connection_id: int) -> Response:
        connection = connection_for_slots(connection_id=connection_id, connections=_slot_connections(request))
        if connection is None:
            raise Http404
        page = slot_page_context(connection)
        offer = {
            "state": connection.state,
            "choosing": page["choosing"],
            "booked_slot": page["booking"].slot if page["booking"] else None,
            "free_slots": page["free_slots"],
        }
        return Response(SlotOfferSerializer(offer).data)


class ConnectionBookingView(KnownQueryParametersOnly):
    """The connection's session: POST books a free slot (state "slot offered" to "slot booked"), PUT moves the
    booked session to another slot. The same e-mails and calendar invitations follow as from the portal (or, for a
    team member, as from the connection's page)."""

    permission_classes = [IsCompanyContactOrTeamMember, TokenScopeAllows]

    @extend_schema(
        summary="Book a slot",
        request=BookingRequestSerializer,
        responses={201: BookingSerializer, **SLOT_WRITE_PROBLEMS},
    )
    def post(self, request: Request, connection_id: int) -> Response:
        connection = get_object_or_404(_slot_connections(request).only("id"), pk=connection_id)
        body = _body(BookingRequestSerializer, request)
        booking = slot_book(
            slot_id=body["slot"],
            connection_id=connection.pk,
            actor=request.user,
            expected_state=body.get("expected_state"),
        )
        data = BookingSerializer(_booking_read(booking), context={"rescheduled": False}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Move the booked session to another slot",
        request=RescheduleRequestSerializer,
        responses={200: BookingSerializer, **SLOT_WRITE_PROBLEMS},
    )
    def put(self, request: Request, connection_id: int) -> Response:
        connection = get_object_or_404(_slot_connections(request).only("id"), pk=connection_id)
        body = _body(RescheduleRequestSerializer, request)
        booking = slot_reschedule(connection_id=connection.pk, new_slot_id=body["slot"], actor=request.user)
        return Response(BookingSerializer(_booking_read(booking), context={"rescheduled": True}).data)


class ConfirmationView(KnownQueryParametersOnly):
    """The company confirms a step without changing the state (test messages sent: in "testing"; ready for
    production: in "test passed"). 201 the first time; confirming again answers with the first confirmation (200)."""

    kind = CompanyConfirmation.TEST_MESSAGES_SENT

    @extend_schema(
        request=ConfirmationRequestSerializer,
        responses={
            201: ConfirmationSerializer,
            200: OpenApiResponse(ConfirmationSerializer, description="Confirmed before: the first confirmation."),
            **WRITE_PROBLEMS,
        },
    )
    def post(self, request: Request, connection_id: int) -> Response:
        connection = portal_connection_get(request.user, connection_id)
        _body(ConfirmationRequestSerializer, request)
        event, created = connection_company_confirm(
            connection_id=connection.pk, kind=self.kind.value, actor=request.user
        )
        data = ConfirmationSerializer(event, context={"label": self.kind.label}).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ProblemReportView(KnownQueryParametersOnly):
    """Report a problem with a connection that is live on HTG: the team calls back (sooner when urgent), and the
    reporter and the company's first contact get the reference by e-mail, as from the portal."""

    @extend_schema(
        parameters=[IDEMPOTENCY_PARAMETER],
        request=ProblemReportRequestSerializer,
        responses={201: ProblemReportSerializer, **WRITE_PROBLEMS},
    )
    def post(self, request: Request, connection_id: int) -> Response:
        connection = portal_connection_get(request.user, connection_id)
        key = _idempotency_key(request)
        body = _body(ProblemReportRequestSerializer, request)
        contact = portal_contact(request.user)
        try:
            report = connection_problem_report(
                connection_id=connection.pk,
                actor=request.user,
                description=body["description"],
                contact_name=body.get("contact_name", contact.name if contact else ""),
                contact_phone=body.get("contact_phone", contact.phone if contact else ""),
                urgent=body["urgent"],
                submit_token=key,
            )
        except DjangoValidationError as error:
            raise _field_errors(error) from None
        return Response(ProblemReportSerializer(report).data, status=status.HTTP_201_CREATED)

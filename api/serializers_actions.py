"""What the company's actions take and give (api/views/company_actions.py): a slot to book or move to, a problem
report; the free slots, a booking, a confirmation, a report's reference, and the problem details of a refusal.

A request body is strict: a field it does not know (the state among them: it is never written directly) and a
value of the wrong JSON type are refused with a field error, where DRF's own fields would drop the one and coerce
the other ("12" to 12, "yes" to true)."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from connections.models import CallbackRequest, ConnectionState, Slot, SlotBooking
from connections.services.company_actions import PROBLEM_DESCRIPTION_MAX_LENGTH

BIGGEST_ID = 2**63 - 1


class StrictSerializer(serializers.Serializer[Any]):
    """A request body: a JSON object with only the fields the serializer declares."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in self.fields or self.fields[key].read_only)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field is not known here; nothing was written.")] for name in unknown}
                )
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer, not a text or a boolean that looks like one."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class StrictBooleanField(serializers.BooleanField):
    """A JSON true or false."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictCharField(serializers.CharField):
    """A JSON string (DRF's own takes a number too)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


# ---------------------------------------------------------------------------------------------------- problems
class FieldErrorSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    message = serializers.CharField()
    code = serializers.CharField()


class ProblemDetailsSerializer(serializers.Serializer[Any]):
    """RFC 9457 problem details (api/problems.py), in the request's language."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = FieldErrorSerializer(many=True, required=False)


# ---------------------------------------------------------------------------------------------------- slots
class FreeSlotSerializer(serializers.ModelSerializer[Slot]):
    class Meta:
        model = Slot
        fields = ["id", "starts_at", "ends_at"]
        read_only_fields = fields


class SlotOfferSerializer(serializers.Serializer[Any]):
    """A connection's slot page as the portal shows it (connections.views.slots.slot_page_context)."""

    state = serializers.ChoiceField(choices=ConnectionState.choices, read_only=True)
    choosing = serializers.BooleanField(
        read_only=True, help_text="Whether a slot can be booked (or the booking moved) in the connection's state."
    )
    booked_slot = FreeSlotSerializer(read_only=True, allow_null=True)
    free_slots = FreeSlotSerializer(
        many=True, read_only=True, help_text="The earliest free slots in the plateau's booking window (at most 60)."
    )


class BookingRequestSerializer(StrictSerializer):
    slot = StrictIntegerField(min_value=1, max_value=BIGGEST_ID, help_text="The id of a free slot (see slots/).")
    expected_state = serializers.ChoiceField(
        choices=ConnectionState.choices,
        required=False,
        help_text="The state you saw; if the connection has moved on since, 409 and nothing changes.",
    )


class RescheduleRequestSerializer(StrictSerializer):
    slot = StrictIntegerField(
        min_value=1, max_value=BIGGEST_ID, help_text="The id of the free slot to move the session to (see slots/)."
    )


class BookingSerializer(serializers.ModelSerializer[SlotBooking]):
    slot = FreeSlotSerializer(read_only=True)
    state = serializers.ChoiceField(choices=ConnectionState.choices, source="connection.state", read_only=True)
    rescheduled = serializers.SerializerMethodField()

    class Meta:
        model = SlotBooking
        fields = ["connection", "slot", "state", "booked_at", "rescheduled"]
        read_only_fields = fields

    def get_rescheduled(self, booking: SlotBooking) -> bool:
        return bool(self.context.get("rescheduled", False))


# ---------------------------------------------------------------------------------------------------- confirmations
class ConfirmationRequestSerializer(StrictSerializer):
    """Nothing to send: the URL says what is confirmed (an empty object, or no body)."""


class ConfirmationSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(source="transition", read_only=True)
    label = serializers.SerializerMethodField()
    state = serializers.CharField(source="to_state", read_only=True)
    confirmed_at = serializers.DateTimeField(source="created_at", read_only=True)

    def get_label(self, event: Any) -> str:
        return str(self.context.get("label", ""))


# ---------------------------------------------------------------------------------------------------- problems
def _model_length(name: str) -> int | None:
    return CallbackRequest._meta.get_field(name).max_length  # type: ignore[union-attr]


class ProblemReportRequestSerializer(StrictSerializer):
    description = StrictCharField(
        max_length=PROBLEM_DESCRIPTION_MAX_LENGTH,
        help_text="What goes wrong: since when, which messages, and any error you receive.",
    )
    contact_name = StrictCharField(
        max_length=_model_length("contact_name"),
        required=False,
        help_text="Who we should call; by default the contact the token or session acts as.",
    )
    contact_phone = StrictCharField(
        max_length=_model_length("contact_phone"),
        required=False,
        help_text="The number we call back on; by default that contact's phone.",
    )
    urgent = StrictBooleanField(
        required=False, default=False, help_text=gettext_lazy("Urgent: messages are not getting through at all")
    )


class ProblemReportSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(read_only=True, help_text="The number to quote when you call, e.g. P-000042.")
    connection = serializers.IntegerField(source="callback.connection_id", read_only=True)
    urgent = serializers.SerializerMethodField()
    contact_name = serializers.CharField(source="callback.contact_name", read_only=True)
    contact_phone = serializers.CharField(source="callback.contact_phone", read_only=True)
    call_by = serializers.DateTimeField(
        source="callback.due_at", read_only=True, help_text="When the team calls back at the latest."
    )

    def get_urgent(self, report: Any) -> bool:
        return bool(report.callback.urgency == CallbackRequest.Urgency.URGENT)

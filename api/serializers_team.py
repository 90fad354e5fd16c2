"""The team's representations and request bodies (api/views/team/). Serializers read only what their selector
loaded; a body serializer checks types and sizes only, the rules stay in the services."""

from typing import Any

from rest_framework import serializers

from api.serializers_strict import QueryParameters
from connections.models import CallbackRequest, Connection, ConnectionState, Customer, Escalation, TeamAvailability
from imports.models import ImportBatch

TEXT_MAX = 4000
BIG_ID = 2**63 - 1


class TeamCustomerSerializer(serializers.ModelSerializer[Customer]):
    class Meta:
        model = Customer
        fields = ["id", "legal_name", "htg_number", "kvk_number", "eori", "role", "hub"]
        read_only_fields = fields


class PersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return str(user.get_full_name() or user.get_username())


class TeamConnectionSerializer(serializers.ModelSerializer[Connection]):
    customer = TeamCustomerSerializer(read_only=True)
    flow = serializers.CharField(source="flow.code", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    assigned_to = PersonSerializer(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True, default=False)
    booked_slot = serializers.SerializerMethodField()
    channel = serializers.ChoiceField(
        choices=Connection._meta.get_field("channel").choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Connection
        fields = [
            "id",
            "customer",
            "flow",
            "channel",
            "state",
            "state_label",
            "state_changed_at",
            "due_on",
            "is_overdue",
            "assigned_to",
            "booked_slot",
        ]
        read_only_fields = fields

    def get_booked_slot(self, connection: Connection) -> dict[str, Any] | None:
        bookings = getattr(connection, "active_bookings", None)
        if not bookings:
            return None
        return {"starts_at": bookings[0].slot.starts_at, "ends_at": bookings[0].slot.ends_at}


class TransitionSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    label = serializers.CharField()


class TransitionRequestSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    expected_state = serializers.ChoiceField(
        choices=ConnectionState.choices, help_text="The state you saw; if it moved since, the answer is 409."
    )


class AssignmentRequestSerializer(serializers.Serializer[Any]):
    assignee = serializers.IntegerField(
        min_value=1, max_value=BIG_ID, allow_null=True, help_text="A team member's id; null: nobody."
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class LookupRequestSerializer(QueryParameters):
    q = serializers.CharField(max_length=200, help_text="An HTG number, name, KvK number or EORI.")


class LookupSerializer(serializers.Serializer[Any]):
    customer = serializers.IntegerField(allow_null=True, help_text="The one company the search points at, if any.")
    results = TeamCustomerSerializer(many=True)


class EscalationSerializer(serializers.ModelSerializer[Escalation]):
    customer = TeamCustomerSerializer(source="connection.customer", read_only=True)
    flow = serializers.CharField(source="connection.flow.code", read_only=True)
    owner = PersonSerializer(read_only=True, allow_null=True)
    contact_name = serializers.CharField(read_only=True, allow_null=True, default=None)
    contact_phone = serializers.CharField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "connection",
            "customer",
            "flow",
            "waiting_state",
            "reason",
            "opened_at",
            "owner",
            "notes",
            "closed_at",
            "outcome",
            "contact_name",
            "contact_phone",
        ]
        read_only_fields = fields


class EscalationAssignSerializer(serializers.Serializer[Any]):
    owner = serializers.IntegerField(
        min_value=1, max_value=BIG_ID, allow_null=True, help_text="A core-team member's id; null: back to the queue."
    )


class EscalationNotesSerializer(serializers.Serializer[Any]):
    notes = serializers.CharField(allow_blank=True, max_length=20_000)


class EscalationCloseSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=Escalation.Outcome.choices)


class CallbackSerializer(serializers.ModelSerializer[CallbackRequest]):
    customer = TeamCustomerSerializer(read_only=True)
    flow = serializers.CharField(source="connection.flow.code", read_only=True, allow_null=True, default=None)
    assigned_to = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CallbackRequest
        fields = [
            "id",
            "customer",
            "connection",
            "flow",
            "urgency",
            "reason",
            "contact_name",
            "contact_phone",
            "assigned_to",
            "status",
            "created_at",
            "due_at",
            "escalated_at",
        ]
        read_only_fields = fields


class CallbackCreateSerializer(serializers.Serializer[Any]):
    customer = serializers.IntegerField(min_value=1, max_value=BIG_ID)
    connection = serializers.IntegerField(min_value=1, max_value=BIG_ID, required=False, allow_null=True)
    urgency = serializers.ChoiceField(choices=CallbackRequest.Urgency.choices)
    reason = serializers.CharField(max_length=TEXT_MAX)
    contact_name = serializers.CharField(max_length=200)
    contact_phone = serializers.CharField(max_length=30)


class CallbackCloseSerializer(serializers.Serializer[Any]):
    outcome = serializers.CharField(max_length=TEXT_MAX)


class CallbackFilterSerializer(QueryParameters):
    scope = serializers.ChoiceField(choices=["all", "mine", "unassigned", "escalated"], required=False, default="all")


class SlotSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    seats_taken = serializers.IntegerField()


class AvailabilitySerializer(serializers.ModelSerializer[TeamAvailability]):
    slots = SlotSerializer(many=True, read_only=True, source="slots.all")

    class Meta:
        model = TeamAvailability
        fields = ["id", "date", "start_time", "end_time", "slots"]
        read_only_fields = ["id", "slots"]


class AvailabilityPageSerializer(serializers.Serializer[Any]):
    """The caller's coming availability in one page, shaped as every list of the API is."""

    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = AvailabilitySerializer(many=True)


class AvailabilityCreateSerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()


class ImportBatchSerializer(serializers.ModelSerializer[ImportBatch]):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "original_name",
            "file_format",
            "status",
            "status_label",
            "created_at",
            "total_rows",
            "processed_rows",
            "error_count",
            "created_customers",
            "updated_customers",
            "created_connections",
            "finished_at",
        ]
        read_only_fields = fields


class ImportErrorSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField(allow_null=True)
    field = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ImportReportSerializer(ImportBatchSerializer):
    errors = serializers.SerializerMethodField()

    class Meta(ImportBatchSerializer.Meta):
        fields = [*ImportBatchSerializer.Meta.fields, "errors"]
        read_only_fields = fields

    def get_errors(self, batch: ImportBatch) -> list[dict[str, Any]]:
        key = "message_nl" if self.context.get("language") == "nl" else "message_en"
        return [
            {
                "line": error.get("line"),
                "field": error.get("field", ""),
                "message": error.get(key) or error["message_en"],
            }
            for error in batch.errors
        ]


class ImportUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="The registration list, CSV or XLSX.")


class ImportProgressSerializer(serializers.Serializer[Any]):
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    finished = serializers.BooleanField()

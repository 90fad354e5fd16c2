"""The API's representations. Serializers only read what their selector already loaded: no queries of their own."""

import datetime
from typing import Any

from rest_framework import serializers

from api.serializers_strict import QueryParameters
from connections.models import Channel, Connection, ConnectionEvent, ConnectionState, Customer
from connections.selectors.company_steps import company_next_step, confirmations_of, connection_confirmed


class StateLabelField(serializers.CharField):
    """A state's label in the request's language. Django's get_<field>_display hashes every choice of the field, and
    with it translates every state's label, on each call: 2 ms a row, most of a page's time."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: str) -> str:
        return str(ConnectionState(value).label)


class CompanySerializer(serializers.ModelSerializer[Customer]):
    class Meta:
        model = Customer
        fields = ["id", "legal_name", "htg_number", "role", "hub"]
        read_only_fields = fields


class CustomerSummarySerializer(serializers.ModelSerializer[Customer]):
    class Meta:
        model = Customer
        fields = ["id", "legal_name", "htg_number", "role"]
        read_only_fields = fields


class BookedSlotSerializer(serializers.Serializer[Any]):
    starts_at = serializers.DateTimeField(source="slot.starts_at")
    ends_at = serializers.DateTimeField(source="slot.ends_at")


class ConnectionSerializer(serializers.ModelSerializer[Connection]):
    customer = CustomerSummarySerializer(read_only=True)
    flow = serializers.CharField(source="flow.code", read_only=True)
    # Empty until the team records the channel: the schema says so (a blank choice), as the data does.
    channel = serializers.ChoiceField(choices=Channel.choices, allow_blank=True, read_only=True)
    state_label = StateLabelField(source="state")
    next_step = serializers.SerializerMethodField(help_text="What the company does next, in the request's language.")
    due_on = serializers.SerializerMethodField(
        help_text="When the company's step is due; empty once the company confirmed it (the team acts next)."
    )
    booked_slot = serializers.SerializerMethodField()

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
            "next_step",
            "due_on",
            "booked_slot",
        ]
        read_only_fields = fields

    def get_next_step(self, connection: Connection) -> str:
        # The same words as the portal: once the company confirmed what its step asks, the team acts next.
        return str(company_next_step(state=connection.state, confirmed=confirmations_of(connection)))

    def get_due_on(self, connection: Connection) -> datetime.date | None:
        # As on the portal: a step the company has confirmed is no longer due from it.
        if connection_confirmed(state=connection.state, confirmed=confirmations_of(connection)):
            return None
        return connection.due_on

    def get_booked_slot(self, connection: Connection) -> dict[str, Any] | None:
        bookings = getattr(connection, "active_bookings", None)
        if not bookings:
            return None
        return dict(BookedSlotSerializer(bookings[0]).data)


class TimelineEventSerializer(serializers.ModelSerializer[ConnectionEvent]):
    """A step in a connection's history: what happened and when (not who on the team, nor the team's notes)."""

    from_state_label = StateLabelField(source="from_state")
    to_state_label = StateLabelField(source="to_state")

    class Meta:
        model = ConnectionEvent
        fields = ["id", "transition", "from_state", "from_state_label", "to_state", "to_state_label", "created_at"]
        read_only_fields = fields


class ConnectionFilterSerializer(QueryParameters):
    customer = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

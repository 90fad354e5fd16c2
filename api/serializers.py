"""The API's representations. Serializers only read what their selector already loaded: no queries of their own."""

from rest_framework import serializers

from connections.models import Connection, Customer


class CustomerSummarySerializer(serializers.ModelSerializer[Customer]):
    class Meta:
        model = Customer
        fields = ["id", "legal_name", "htg_number", "role"]
        read_only_fields = fields


class ConnectionSerializer(serializers.ModelSerializer[Connection]):
    customer = CustomerSummarySerializer(read_only=True)
    flow = serializers.CharField(source="flow.code", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Connection
        fields = ["id", "customer", "flow", "channel", "state", "state_label", "state_changed_at", "due_on"]
        read_only_fields = fields

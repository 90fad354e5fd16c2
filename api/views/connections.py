"""The connections a company (and a hub, for its clients) may see: read through `portal_connections`."""

from django.db.models import QuerySet
from rest_framework import generics

from api.serializers import ConnectionSerializer
from connections.models import Connection
from connections.selectors.company_access import portal_connections


class ConnectionListView(generics.ListAPIView[Connection]):
    """The caller's connections, and a hub's clients' connections, oldest first (cursor-paginated)."""

    serializer_class = ConnectionSerializer

    def get_queryset(self) -> QuerySet[Connection]:
        return portal_connections(self.request.user).select_related("customer", "flow").order_by("id")


class ConnectionDetailView(generics.RetrieveAPIView[Connection]):
    """One connection of the caller's own company or of a client it serves; any other id is a 404."""

    serializer_class = ConnectionSerializer
    lookup_url_kwarg = "connection_id"

    def get_queryset(self) -> QuerySet[Connection]:
        return portal_connections(self.request.user).select_related("customer", "flow")

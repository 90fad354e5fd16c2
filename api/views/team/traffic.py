"""POST /api/v1/traffic/: a gateway's daily file sent by a team member's token (or signed-in session), received as
an upload is, then checked and applied by the worker; GET /api/v1/traffic/<id>/: its status and check report.
The API's authentication, permissions, problem details and strict query parameters; the rules are the traffic app's
services."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.permissions import IsTeamMember, TokenScopeAllows
from api.views.strict import KnownQueryParametersOnly
from traffic.models import TrafficFile
from traffic.services.receive import traffic_file_receive, traffic_request_too_large, traffic_upload_refusal

TEAM = [IsTeamMember, TokenScopeAllows]


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class TrafficFileSerializer(serializers.ModelSerializer[TrafficFile]):
    url = serializers.SerializerMethodField()

    class Meta:
        model = TrafficFile
        fields = ["id", "name", "gateway", "day", "sha256", "size", "status", "rows", "error_count", "report", "url"]

    def get_url(self, traffic_file: TrafficFile) -> str:
        return reverse("api:traffic_detail", args=[traffic_file.pk])


@extend_schema(
    request={
        "multipart/form-data": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}},
            "required": ["file"],
        }
    },
    responses={202: TrafficFileSerializer},
)
class TrafficUploadView(KnownQueryParametersOnly):
    """Send one traffic file (multipart, field `file`): 202 with its row; the worker checks it and, when it has no
    errors, applies it. A file past the size limit is refused with 413 before it is read."""

    permission_classes = TEAM
    parser_classes = [MultiPartParser]

    def post(self, request: Request) -> Response:
        too_large = traffic_request_too_large(content_length=request.META.get("CONTENT_LENGTH"))
        if too_large is not None:
            raise PayloadTooLarge(" ".join(too_large.messages))
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": [_("Choose a file.")]})
        if (upload.size or 0) > settings.HTG_TRAFFIC_MAX_BYTES:
            refusal = traffic_upload_refusal(name=upload.name or "", size=upload.size or 0)
            raise PayloadTooLarge(" ".join(refusal.messages) if refusal else None)
        try:
            traffic_file = traffic_file_receive(
                name=upload.name or "",
                content=upload,
                size=upload.size or 0,
                source=TrafficFile.Source.API,
                uploaded_by=request.user,
            )
        except ValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from error
        return Response(TrafficFileSerializer(traffic_file).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(responses={200: TrafficFileSerializer})
class TrafficDetailView(KnownQueryParametersOnly):
    """One traffic file: its status and, when rejected, its check report (line, field, message in both languages)."""

    permission_classes = TEAM

    def get(self, request: Request, file_id: int) -> Response:
        return Response(TrafficFileSerializer(get_object_or_404(TrafficFile, pk=file_id)).data)

"""The import of a registration list (the team's import pages, imports/services): upload a file (checked in the
background), read its check report, import it once it has no errors, and follow the progress of either step."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.permissions import IsTeamMember, TokenScopeAllows
from api.serializers_team import (
    ImportBatchSerializer,
    ImportProgressSerializer,
    ImportReportSerializer,
    ImportUploadSerializer,
)
from api.views.strict import KnownQueryParametersOnly
from imports.models import ImportBatch
from imports.selectors import import_batch_detail, import_batch_list, import_batch_progress
from imports.services import import_batch_apply_request, import_batch_create
from imports.services.batches import RUNNING_STATES

TEAM = [IsTeamMember, TokenScopeAllows]


class ImportListView(KnownQueryParametersOnly, generics.ListCreateAPIView[ImportBatch]):
    """GET: the uploads, newest first. POST (multipart, field `file`): upload a registration list, CSV or XLSX; it is
    checked in the background (follow `progress`, then read the report)."""

    permission_classes = TEAM
    serializer_class = ImportBatchSerializer
    parser_classes = [MultiPartParser]

    def get_queryset(self) -> QuerySet[ImportBatch]:
        return import_batch_list()

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses={201: ImportBatchSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        batch = import_batch_create(created_by=request.user, uploaded_file=request.FILES.get("file"))
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class ImportDetailView(KnownQueryParametersOnly):
    """One upload with its check report: the errors found (line, field, message in the request's language)."""

    permission_classes = TEAM

    @extend_schema(responses=ImportReportSerializer)
    def get(self, request: Request, batch_id: int) -> Response:
        batch = import_batch_detail(batch_id=batch_id)
        return Response(ImportReportSerializer(batch, context={"language": get_language()}).data)


class ImportApplyView(KnownQueryParametersOnly):
    """Import a checked upload without errors (in the background); asking again while it runs changes nothing."""

    permission_classes = TEAM

    @extend_schema(request=None, responses={202: ImportBatchSerializer})
    def post(self, request: Request, batch_id: int) -> Response:
        get_object_or_404(ImportBatch.objects.only("id"), pk=batch_id)
        batch = import_batch_apply_request(batch_id=batch_id)
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class ImportProgressView(KnownQueryParametersOnly):
    """How far the check or the import is: rows done of the total, and whether it has finished."""

    permission_classes = TEAM

    @extend_schema(responses=ImportProgressSerializer)
    def get(self, request: Request, batch_id: int) -> Response:
        batch = import_batch_progress(batch_id=batch_id)
        progress = {
            "done": batch.processed_rows,
            "total": batch.total_rows,
            "finished": batch.status not in RUNNING_STATES,
        }
        return Response(ImportProgressSerializer(progress).data)

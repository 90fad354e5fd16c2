"""Receiving a traffic file: a row first (name, SHA-256, size, received at), its content kept under MEDIA_ROOT so
the worker can check and apply it; then the check is queued. From an upload, the API, or the inbox folder."""

import datetime
import hashlib
import logging
import shutil
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from connections.services.submit_tokens import submit_owner_user, submit_token_claim, submit_token_record
from traffic.models import TrafficFile
from traffic.services.check import size_refusal
from traffic.services.formats import file_format
from traffic.services.rows import message_pair

logger = logging.getLogger(__name__)
CHUNK = 1 << 20
NAME_MAX = 255


def _sha256(file: IO[bytes]) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(CHUNK), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


# What a multipart request holds beside the file itself (boundaries, headers, the other fields).
ENVELOPE_BYTES = 64_000


def traffic_request_too_large(*, content_length: str | None) -> ValidationError | None:
    """Why a request whose declared length is past the limit is refused before its body is read (HTTP 413), or None
    (also for a missing or malformed length: the upload's own size is checked then)."""
    declared = int(content_length) if content_length and content_length.isdigit() else 0
    if declared > settings.HTG_TRAFFIC_MAX_BYTES + ENVELOPE_BYTES:
        return traffic_upload_refusal(name="file.csv", size=declared)
    return None


def traffic_upload_refusal(*, name: str, size: int) -> ValidationError | None:
    """Why an upload is refused before anything is written (a form error, HTTP 400 or 413), or None."""
    if size > settings.HTG_TRAFFIC_MAX_BYTES:
        return ValidationError({"file": [str(size_refusal(size))]}, code="too_large")
    if size == 0:
        return ValidationError({"file": [_("The file is empty.")]}, code="empty")
    if file_format(name) is None:
        return ValidationError({"file": [_("Unknown kind of file: name it .csv (CSV) or .jsonl (JSON lines).")]})
    if len(name) > NAME_MAX or "\x00" in name:
        return ValidationError({"file": [_("The file's name is too long or not valid.")]})
    return None


def _queue_check(traffic_file: TrafficFile) -> None:
    from traffic.tasks import traffic_file_check_task

    transaction.on_commit(lambda: traffic_file_check_task.delay(traffic_file.pk))


@transaction.atomic
def traffic_file_receive(
    *, name: str, content: IO[bytes], size: int, source: str, uploaded_by: Any = None, submit_token: Any = None
) -> TrafficFile:
    """A TrafficFile row for this content, stored, its check queued. The upload's submit token makes a double
    submit return the first row. ValidationError for content refused before anything is written (too large, empty,
    not .csv or .jsonl)."""
    refusal = traffic_upload_refusal(name=name, size=size)
    if refusal is not None:
        raise refusal
    owner = submit_owner_user(uploaded_by)
    earlier = submit_token_claim(token=submit_token, owner=owner, model=TrafficFile)
    if earlier is not None:
        return earlier
    traffic_file = TrafficFile(name=name, sha256=_sha256(content), size=size, source=source, uploaded_by=uploaded_by)
    traffic_file.file.save(Path(name).name, File(content), save=False)
    traffic_file.save()
    submit_token_record(token=submit_token, owner=owner, created=traffic_file)
    _queue_check(traffic_file)
    return traffic_file


@transaction.atomic
def _inbox_file_receive(path: Path) -> TrafficFile:
    size = path.stat().st_size
    with path.open("rb") as content:
        sha256 = _sha256(content)
        traffic_file = TrafficFile(name=path.name[:NAME_MAX], sha256=sha256, size=size, source=TrafficFile.Source.INBOX)
        refusal = size_refusal(size) if size > settings.HTG_TRAFFIC_MAX_BYTES else None
        if refusal is None:
            traffic_file.file.save(path.name, File(content), save=False)
    traffic_file.save()
    if refusal is not None:
        # Too large to keep: the row says so, and the file stays in the inbox's rejected folder.
        traffic_file.report = [{"line": 0, "field": "", **message_pair(refusal, {})}]
        traffic_file.error_count = 1
        traffic_file.reject()
        traffic_file.save(update_fields=["report", "error_count", "status", "checked_at"])
    else:
        _queue_check(traffic_file)
    return traffic_file


def traffic_inbox_scan() -> list[int]:
    """Every file in HTG_TRAFFIC_INBOX becomes a TrafficFile row (then moved into its `received/` folder, or
    `rejected/` when too large to keep); the ids of the rows made. Names starting with a dot are files still being
    written (write to `.name`, then rename). Off when the setting is empty."""
    inbox = settings.HTG_TRAFFIC_INBOX
    if not inbox:
        return []
    folder = Path(inbox)
    made = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        traffic_file = _inbox_file_receive(path)
        made.append(traffic_file.pk)
        target = folder / ("rejected" if traffic_file.status == TrafficFile.Status.REJECTED else "received")
        target.mkdir(exist_ok=True)
        shutil.move(str(path), target / f"{traffic_file.pk}-{path.name}")
        logger.info("Traffic file %s received from the inbox as %s", path.name, traffic_file.pk)
    return made


RESUME_AFTER = datetime.timedelta(minutes=10)


def traffic_files_resume(*, now: datetime.datetime) -> list[int]:
    """Files received more than RESUME_AFTER ago whose check or apply has not ended get their task again (a lost
    task, a killed worker); the ids. Both tasks are safe to run twice."""
    from traffic.tasks import traffic_file_apply_task, traffic_file_check_task

    S = TrafficFile.Status
    stuck = TrafficFile.objects.filter(
        status__in=[S.RECEIVED, S.CHECKING, S.APPLYING], received_at__lt=now - RESUME_AFTER
    ).values_list("pk", "status")
    for pk, status in stuck:
        (traffic_file_apply_task if status == S.APPLYING else traffic_file_check_task).delay(pk)
    return [pk for pk, _status in stuck]

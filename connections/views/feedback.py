"""The one place where a refused request becomes feedback in the user's language: a message on the next page, or
the errors of the form on this one."""

from collections.abc import Iterable
from types import TracebackType

from django import forms
from django.contrib import messages
from django.contrib.messages.storage.base import Message
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from htg_migration.errors import ApplicationError


class refusals_as_messages:
    """Run a service; a ValidationError, ApplicationError or PermissionDenied becomes an error message (and is
    swallowed), anything else propagates. `outcome.ok` says whether the block ran through. With `row`, the message
    is about that row of a list and is shown next to it (`messages_by_row`)."""

    def __init__(self, request: HttpRequest, *, row: str = "") -> None:
        self.request = request
        self.row = row
        self.ok = False

    def __enter__(self) -> "refusals_as_messages":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> bool:
        if error is None:
            self.ok = True
            return False
        if isinstance(error, ValidationError):
            texts = error.messages
        elif isinstance(error, ApplicationError):
            texts = [error.message]
        elif isinstance(error, PermissionDenied):
            texts = [str(error) or _("You are not allowed to do this.")]
        else:
            return False
        for text in texts:
            messages.error(self.request, text, extra_tags=_row_tag(self.row))
        return True


ROW_TAG_PREFIX = "row:"


def _row_tag(row: str) -> str:
    return f"{ROW_TAG_PREFIX}{row}" if row else ""


def row_message(request: HttpRequest, level: int, text: str, *, row: str) -> None:
    """A confirmation (or refusal) about one row of a list, shown next to that row when the list comes back."""
    messages.add_message(request, level, text, extra_tags=_row_tag(row))


def messages_by_row(request: HttpRequest, *, rows: Iterable[str]) -> tuple[list[Message], dict[str, list[Message]]]:
    """This request's messages (taken, so they show once): those about a row on the page by row, for beside it; the
    rest (a row that left the page, say a closed escalation) for the top of the page."""
    shown = set(rows)
    page: list[Message] = []
    by_row: dict[str, list[Message]] = {}
    for message in messages.get_messages(request):
        tag = message.extra_tags or ""
        row = tag.removeprefix(ROW_TAG_PREFIX) if tag.startswith(ROW_TAG_PREFIX) else ""
        if row and row in shown:
            by_row.setdefault(row, []).append(message)
        else:
            page.append(Message(message.level, message.message))  # without the row's tag, styled like any other
    return page, by_row


def form_errors_add(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: each message next to its field, or above the form when the
    field is not on it."""
    for field, field_errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)

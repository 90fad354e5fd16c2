"""The one place where a refused request becomes feedback in the user's language: a message on the next page, or
the errors of the form on this one."""

from types import TracebackType

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from htg_migration.errors import ApplicationError


class refusals_as_messages:
    """Run a service; a ValidationError, ApplicationError or PermissionDenied becomes an error message (and is
    swallowed), anything else propagates. `outcome.ok` says whether the block ran through."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
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
            messages.error(self.request, text)
        return True


def form_errors_add(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: each message next to its field, or above the form when the
    field is not on it."""
    for field, field_errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)

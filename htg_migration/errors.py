"""Business-rule failures. One handler (connections.views.feedback.refusals_as_messages) turns them into a message."""

from typing import Any


class ApplicationError(Exception):
    """A business rule refused the request; `message` is shown to the user as it is (already translated)."""

    http_status = 400

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class ConflictError(ApplicationError):
    """Someone else changed the object first (or it is no longer in a state that allows this)."""

    http_status = 409

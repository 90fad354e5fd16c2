"""The core team's work on escalations: take one (or hand it to a colleague), keep notes, close it with an outcome.

An escalation is opened by the reminder ladder (connections/services/ladder.py) and closes itself when the company
acts (connections/services/transitions.py); these are the steps people take in between.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from connections.models import Escalation
from connections.permissions import is_core_team
from htg_migration import clock
from htg_migration.errors import ApplicationError, ConflictError

NOTES_MAX_LENGTH = 10_000


def _open_escalation(*, escalation_id: int, actor: Any) -> Escalation:
    if not is_core_team(actor):
        raise PermissionDenied(_("Only the core team works on escalations."))
    try:
        escalation = Escalation.objects.select_for_update().get(pk=escalation_id)
    except Escalation.DoesNotExist:
        raise ApplicationError(_("This escalation does not exist (any more).")) from None
    if not escalation.is_open:
        raise ConflictError(_("This escalation was already closed. Nothing was changed."))
    return escalation


@transaction.atomic
def escalation_assign(*, escalation_id: int, owner_id: int | None, actor: Any) -> Escalation:
    """Make a core-team member (the actor, or a colleague) the owner; None hands it back to the queue."""
    escalation = _open_escalation(escalation_id=escalation_id, actor=actor)
    owner = None
    if owner_id is not None:
        owner = get_user_model().objects.filter(pk=owner_id).first()
        if owner is None or not is_core_team(owner):
            raise ValidationError({"owner": [_("Choose a member of the core team.")]})
    escalation.owner = owner
    escalation.save(update_fields=["owner"])
    return escalation


@transaction.atomic
def escalation_note(*, escalation_id: int, notes: str, actor: Any) -> Escalation:
    """Replace the escalation's notes (what was tried, what was agreed)."""
    escalation = _open_escalation(escalation_id=escalation_id, actor=actor)
    if len(notes) > NOTES_MAX_LENGTH:
        raise ValidationError(
            {"notes": [_("Keep the notes under %(count)s characters.") % {"count": NOTES_MAX_LENGTH}]}
        )
    escalation.notes = notes.strip()
    escalation.save(update_fields=["notes"])
    return escalation


@transaction.atomic
def escalation_close(*, escalation_id: int, outcome: str, actor: Any) -> Escalation:
    """Close with an outcome. Closing twice is a conflict, never a second close. The ladder does not escalate the
    same waiting step again: after this the core team's agreement with the company stands."""
    escalation = _open_escalation(escalation_id=escalation_id, actor=actor)
    if outcome not in Escalation.Outcome.values:
        raise ValidationError({"outcome": [_("Choose an outcome.")]})
    escalation.outcome = outcome
    escalation.closed_at = clock.now()
    if escalation.owner_id is None:
        escalation.owner = actor
    escalation.save(update_fields=["outcome", "closed_at", "owner"])
    return escalation

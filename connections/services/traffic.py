"""Acting on traffic evidence: with HTG_TRAFFIC_AUTO_LIVE set, a connection whose test has passed goes live by itself
once its first production message arrives via HTG, recorded in the timeline as done by the system, with the
evidence as the note. The traffic app calls this after it derived the facts, in the same transaction."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from connections.models import ConnectionState, TrafficEvidence
from connections.services.transitions import connection_transition
from htg_migration.dates import date_text
from htg_migration.errors import ApplicationError


def traffic_evidence_go_live(*, customer_ids: list[int] | None) -> list[int]:
    """Move to "live" every connection (of these customers; None: all) in "test passed" with HTG production
    evidence, when the programme's setting says so. Returns the ids moved. A connection someone else moved first is
    left alone (the next evidence run sees its new state)."""
    if not settings.HTG_TRAFFIC_AUTO_LIVE:
        return []
    candidates = TrafficEvidence.objects.filter(
        connection__state=ConnectionState.TEST_PASSED, first_htg_production_on__isnull=False
    ).order_by("connection_id")
    if customer_ids is not None:
        candidates = candidates.filter(customer_id__in=customer_ids)
    moved = []
    for connection_id, first_day in candidates.values_list("connection_id", "first_htg_production_on"):
        with translation.override(settings.LANGUAGE_CODE):  # the timeline's note is stored in one language
            note = _("Gone live by the system: the first production message via HTG arrived on %(day)s.") % {
                "day": date_text(first_day, "j F Y") if first_day else ""
            }
        try:
            connection_transition(
                connection_id=connection_id,
                transition="go_live",
                actor=None,
                note=note,
                expected_state=ConnectionState.TEST_PASSED,
            )
        except ApplicationError:  # a conflict: someone moved it meanwhile
            continue
        moved.append(connection_id)
    return moved

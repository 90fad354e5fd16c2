"""What a company does next on a connection: the step's own guide, unless the company already gave the confirmation
the step asks of it (then the team acts next). Shared by the portal and the API, so both say the same."""

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from connections.helpdesk_scripts import step_guide
from connections.models import CONFIRMATION_STATE, CompanyConfirmation, Connection, ConnectionEvent

# The company's next step once it has given the confirmation its state asks for: nothing, the team acts next.
AFTER_CONFIRMATION = {
    CompanyConfirmation.TEST_MESSAGES_SENT: gettext_lazy(
        "Nothing for now: the connection team checks your test messages and tells you the result."
    ),
    CompanyConfirmation.READY_FOR_PRODUCTION: gettext_lazy(
        "Nothing for now: the connection team switches your connection to production on HTG and tells you when."
    ),
}


def connection_confirmed(*, state: str, confirmed: set[str]) -> str | None:
    """The confirmation the company already gave for the step its connection is in, or None."""
    for kind, confirm_state in CONFIRMATION_STATE.items():
        if confirm_state == state and kind.value in confirmed:
            return kind.value
    return None


def company_next_step(*, state: str, confirmed: set[str]) -> Promise:
    """What the company does next: the step's own guide, unless it already confirmed what the step asks of it."""
    done = connection_confirmed(state=state, confirmed=confirmed)
    if done is not None:
        return AFTER_CONFIRMATION[CompanyConfirmation(done)]
    return step_guide(state).company_next


def with_confirmations(connections: Any) -> Any:
    """Connections annotated with the confirmations the company gave (`confirmed_test_messages_sent`,
    `confirmed_ready_for_production`), in the same query."""
    return connections.annotate(
        **{
            f"confirmed_{kind.value.removeprefix('confirm_')}": Exists(
                ConnectionEvent.objects.filter(connection=OuterRef("pk"), transition=kind.value)
            )
            for kind in CompanyConfirmation
        }
    )


def confirmations_prefetch() -> Prefetch:
    """The same confirmations as `with_confirmations`, read for the fetched rows only (one query for a page of them):
    for a paginated list, where PostgreSQL would otherwise plan the two EXISTS for every row the filter could give,
    reading every event of the register (300 ms for a hub's first page at 10,000 customers)."""
    confirmations = ConnectionEvent.objects.filter(transition__in=[kind.value for kind in CompanyConfirmation])
    return Prefetch("events", queryset=confirmations.only("connection_id", "transition"), to_attr="confirmation_events")


def confirmations_of(connection: Connection) -> set[str]:
    """The confirmations `with_confirmations` (or `confirmations_prefetch`) found for one connection."""
    prefetched = getattr(connection, "confirmation_events", None)
    if prefetched is not None:
        return {event.transition for event in prefetched}
    return {
        kind.value
        for kind in CompanyConfirmation
        if getattr(connection, f"confirmed_{kind.value.removeprefix('confirm_')}", False)
    }

"""The connection process of ../shared/DESIGN.md written out independently of the model, for tests to check it."""

from collections import deque

PLANNED = "planned"
OPEN = [
    "planned",
    "invited",
    "intake_received",
    "slot_offered",
    "slot_booked",
    "technical_data_sent",
    "testing",
    "test_passed",
    "awaiting_tls",
]
ALL_STATES = [*OPEN, "live", "digipoort_closed", "on_hold", "withdrawn", "missed"]

EDGES: dict[tuple[str, str], str] = {
    ("planned", "invite"): "invited",
    ("planned", "receive_intake"): "intake_received",
    ("invited", "receive_intake"): "intake_received",
    ("planned", "receive_intake_awaiting_tls"): "awaiting_tls",
    ("invited", "receive_intake_awaiting_tls"): "awaiting_tls",
    ("awaiting_tls", "confirm_tls"): "intake_received",
    ("intake_received", "offer_slot"): "slot_offered",
    ("slot_offered", "book_slot"): "slot_booked",
    ("slot_booked", "reschedule"): "slot_offered",
    ("slot_booked", "record_no_show"): "slot_offered",
    ("slot_booked", "send_technical_data"): "technical_data_sent",
    ("technical_data_sent", "start_testing"): "testing",
    ("testing", "pass_test"): "test_passed",
    ("test_passed", "go_live"): "live",
    ("live", "close_digipoort"): "digipoort_closed",
}
for _state in OPEN:
    EDGES[(_state, "hold")] = "on_hold"
for _state in [*OPEN, "on_hold"]:
    EDGES[(_state, "withdraw")] = "withdrawn"
    EDGES[(_state, "mark_missed")] = "missed"

TRANSITIONS = sorted({name for _, name in EDGES} | {"resume"})
CORE_TEAM_ONLY = {"mark_missed"}


def allowed(state: str) -> set[str]:
    names = {name for (source, name) in EDGES if source == state}
    if state == "on_hold":
        names.add("resume")
    return names


def path_to(state: str) -> list[str]:
    """The shortest list of transitions from planned to `state` (resume never needed)."""
    queue: deque[tuple[str, list[str]]] = deque([(PLANNED, [])])
    seen = {PLANNED}
    while queue:
        current, steps = queue.popleft()
        if current == state:
            return steps
        for (source, name), target in sorted(EDGES.items()):
            if source == current and target not in seen:
                seen.add(target)
                queue.append((target, [*steps, name]))
    raise ValueError(state)

"""Write the connection state diagram (Mermaid) from the state machine's own transitions."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import translation

from connections.models import HAPPY_PATH, Connection, ConnectionState


def state_diagram_markdown() -> str:
    field = Connection._meta.get_field("state")
    lines = [
        "# Connection state diagram",
        "",
        "Generated from `connections.models.Connection` by `python manage.py state_diagram > docs/state-diagram.md`",
        "(`make graph`); a test fails when it no longer matches the code.",
        "",
        "```mermaid",
        "stateDiagram-v2",
        f"    [*] --> {ConnectionState.PLANNED}",
    ]
    with translation.override("en"):
        for state in ConnectionState:
            lines.append(f"    {state.value}: {state.value} ({state.label})")
        edges = sorted(
            {
                (transition.source, target, transition.name)
                for transition in field.get_all_transitions(Connection)
                for target in (
                    transition.target.allowed_states
                    if hasattr(transition.target, "allowed_states")
                    else [transition.target]
                )
            },
            key=lambda edge: (
                HAPPY_PATH.index(edge[0]) if edge[0] in HAPPY_PATH else len(HAPPY_PATH),
                edge[0],
                edge[2],
                edge[1],
            ),
        )
    for source, target, name in edges:
        lines.append(f"    {source} --> {target}: {name}")
    lines.append(f"    {ConnectionState.DIGIPOORT_CLOSED} --> [*]")
    lines += ["```", "", "`resume` returns an on-hold connection to the state it was held in.", ""]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Print the connection state diagram as Markdown with a Mermaid diagram."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(state_diagram_markdown(), ending="")

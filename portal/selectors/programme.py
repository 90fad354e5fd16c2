"""The programme's facts a company needs on the portal's start, status and connection pages: the deadline, and the
plateau (the wave of the migration) its message flows move in."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from plateaus.models import MessageFlow, Plateau, Programme


@dataclass(frozen=True)
class ProgrammeFacts:
    """The deadline (None without a programme) and the plateaus to show, by number."""

    deadline: datetime.date | None
    plateaus: list[Plateau]


def portal_programme_facts() -> ProgrammeFacts:
    """Every plateau of the programme, for a visitor who has not said who they are yet (one query)."""
    plateaus = list(Plateau.objects.select_related("programme").order_by("number"))
    if plateaus:
        return ProgrammeFacts(deadline=plateaus[0].programme.deadline, plateaus=plateaus)
    programme = Programme.objects.order_by("-deadline").first()
    return ProgrammeFacts(deadline=programme.deadline if programme else None, plateaus=[])


def programme_facts_for_flows(flows: Iterable[MessageFlow]) -> ProgrammeFacts:
    """The deadline and the plateaus of a company's flows, read with `plateau__programme`: no query of its own.
    Without flows (a company with none yet) the programme's deadline alone (one query)."""
    plateaus = {flow.plateau_id: flow.plateau for flow in flows}
    ordered = sorted(plateaus.values(), key=lambda plateau: plateau.number)
    if not ordered:
        return ProgrammeFacts(deadline=portal_programme_facts().deadline, plateaus=[])
    return ProgrammeFacts(deadline=ordered[0].programme.deadline, plateaus=ordered)

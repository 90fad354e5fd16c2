"""Reads of the programme's plateaus that more than one page needs."""

from plateaus.models import Plateau


def plateau_numbers() -> list[int]:
    """The plateau numbers, each once, lowest first (one query): what a choice of plateau offers."""
    return sorted(set(Plateau.objects.values_list("number", flat=True)))

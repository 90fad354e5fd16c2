"""Reads about customers that their services need."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from connections.models import Customer


@dataclass(frozen=True)
class IdentifierHolders:
    """The company registered under each of some EORI and KvK numbers (both are unique), by its id."""

    by_eori: dict[str, int]
    by_kvk_number: dict[str, int]

    def eori_taken(self, eori: str, *, exclude_customer_id: int | None = None) -> bool:
        holder = self.by_eori.get(eori)
        return holder is not None and holder != exclude_customer_id

    def kvk_number_taken(self, kvk_number: str, *, exclude_customer_id: int | None = None) -> bool:
        holder = self.by_kvk_number.get(kvk_number)
        return holder is not None and holder != exclude_customer_id


def customer_identifier_holders(*, eoris: Iterable[str], kvk_numbers: Iterable[str]) -> IdentifierHolders:
    """Who holds these EORI and KvK numbers (normalised; blanks are skipped): one query, none when all are blank."""
    wanted_eoris = {eori for eori in eoris if eori}
    wanted_kvk_numbers = {kvk_number for kvk_number in kvk_numbers if kvk_number}
    if not wanted_eoris and not wanted_kvk_numbers:
        return IdentifierHolders(by_eori={}, by_kvk_number={})
    rows = Customer.objects.filter(Q(eori__in=wanted_eoris) | Q(kvk_number__in=wanted_kvk_numbers)).values_list(
        "pk", "eori", "kvk_number"
    )
    by_eori: dict[str, int] = {}
    by_kvk_number: dict[str, int] = {}
    for pk, eori, kvk_number in rows:
        if eori in wanted_eoris:
            by_eori[eori] = pk
        if kvk_number in wanted_kvk_numbers:
            by_kvk_number[kvk_number] = pk
    return IdentifierHolders(by_eori=by_eori, by_kvk_number=by_kvk_number)

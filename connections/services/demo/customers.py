"""Demo data: the companies (roles, names, identifiers, hubs, flows, pace) and their contacts."""

import random
from dataclasses import dataclass
from typing import Any

from connections.models import Customer, Language
from connections.services.demo.names import (
    AREA_CODES,
    COUNTRIES,
    EMAIL_DOMAIN,
    FIRST_NAMES,
    PHONE_COUNTRY,
    SURNAMES,
    ascii_lower,
    company_name,
    name_slug,
    unique_number,
    weighted_choice,
    words,
)
from connections.services.demo.timeline import Flow
from connections.services.demo.writer import reserve_ids

HUB_SHARE, SOFTWARE_SUPPLIER_SHARE, CLIENT_OF_HUB_SHARE = 0.03, 0.03, 0.3


@dataclass
class CustomerPlan:
    id: int
    country: str
    role: str
    legal_name: str
    slug: str
    kvk_number: str
    eori: str
    hub_id: int | None
    created: int
    flows: list[Flow]
    slowness: float


def plan_customers(
    rng: random.Random, *, count: int, flows: list[Flow], setup_days: int
) -> tuple[list[CustomerPlan], list[int]]:
    ids = reserve_ids(Customer, count)
    # Fixed numbers of hubs and software suppliers (at least one of each), at random places in the list.
    hubs = max(1, round(count * HUB_SHARE)) if count >= 3 else 0
    suppliers = max(1, round(count * SOFTWARE_SUPPLIER_SHARE)) if count >= 3 else 0
    special = rng.sample(range(count), hubs + suppliers)
    roles = [Customer.Role.DIRECT.value] * count
    for position, index in enumerate(special):
        roles[index] = Customer.Role.HUB if position < hubs else Customer.Role.SOFTWARE_SUPPLIER
    hub_ids = [ids[index] for index in range(count) if roles[index] == Customer.Role.HUB]
    country_codes, country_shares = [c[0] for c in COUNTRIES], [c[1] for c in COUNTRIES]
    forms = {c[0]: c[3] for c in COUNTRIES}
    eori_digits = {c[0]: c[2] for c in COUNTRIES}
    taken_kvk: set[int] = set()
    taken_eori: dict[str, set[int]] = {code: set() for code in country_codes}
    taken_names: set[str] = set()
    plans = []
    for index in range(count):
        role = roles[index]
        country = "NL" if role != Customer.Role.DIRECT else rng.choices(country_codes, country_shares)[0]
        for _attempt in range(8):
            name = company_name(rng, country, role)
            legal_name = f"{name} {weighted_choice(rng, forms[country])}"
            if legal_name not in taken_names:
                break
        taken_names.add(legal_name)
        number = unique_number(rng, eori_digits[country], taken_eori[country])
        eori = f"BE0{number}" if country == "BE" else f"{country}{number}"
        kvk_number = str(unique_number(rng, 8, taken_kvk)) if country == "NL" else ""
        hub_id = None
        if role == Customer.Role.DIRECT and hub_ids and rng.random() < CLIENT_OF_HUB_SHARE:
            hub_id = rng.choice(hub_ids)
        chosen = [flow for flow in flows if rng.random() < flow.share] or [flows[0]]
        roll = rng.random()  # how quickly the company answers: most promptly, a tail hardly at all
        slowness = 0.5 + roll if roll < 0.5 else 1 + 3 * (roll - 0.5) if roll < 0.85 else 2.5 + 40 * (roll - 0.85)
        created = rng.randrange(setup_days) * 1440 + 540 + rng.randrange(480)
        plans.append(
            CustomerPlan(
                id=ids[index],
                country=country,
                role=role,
                legal_name=legal_name,
                slug=name_slug(name),
                kvk_number=kvk_number,
                eori=eori,
                hub_id=hub_id,
                created=created,
                flows=chosen,
                slowness=slowness,
            )
        )
    return plans, ids


def contact_rows(rng: random.Random, plan: CustomerPlan) -> list[tuple[Any, ...]]:
    """One or two contacts, the first one primary, with distinct e-mail addresses."""
    rows: list[tuple[Any, ...]] = []
    emails: set[str] = set()
    nl_share = next(country[4] for country in COUNTRIES if country[0] == plan.country)
    for number in range(1 if rng.random() < 0.6 else 2):
        first = rng.choice(words(FIRST_NAMES[plan.country]))
        surname = rng.choice(words(SURNAMES[plan.country]))
        local = f"{ascii_lower(first)}.{ascii_lower(surname).replace(' ', '')}"
        email = f"{local}@{plan.slug}.{EMAIL_DOMAIN}"
        if email in emails:
            email = f"{local}{number + 1}@{plan.slug}.{EMAIL_DOMAIN}"
        emails.add(email)
        area = rng.choice(AREA_CODES.get(plan.country, ("",)))
        subscriber = rng.randrange(10 ** (8 - len(area)), 10 ** (9 - len(area)))
        phone = " ".join(part for part in (PHONE_COUNTRY[plan.country], area, str(subscriber)) if part)
        language = Language.DUTCH if rng.random() < nl_share else Language.ENGLISH
        rows.append((plan.id, f"{first} {surname}", email, phone, language.value, number == 0))
    return rows

"""Demo data: a realistic, deterministic programme of N customers, fast enough for 100,000 (the benchmarks).

Everything random comes from one `random.Random(seed)` and the clock is `as_of`, so the same arguments give the
same companies, identifiers, states and timeline dates. Each connection's history is simulated forward from its
plateau's actual start, step by step in Dutch business days, and stops at `as_of`: its state is simply how far it
got, so the timeline, the state and the dates agree by construction (and earlier plateaus are further along).

Messages are in English only: this is a developer's tool, not a page.

On PostgreSQL the rows go in with COPY (ids reserved from the tables' sequences first, so rows can refer to each
other before they are written); elsewhere (SQLite) with bulk_create. Foreign keys are deferred to the commit.
"""

import datetime
import io
import random
import unicodedata
import zoneinfo
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection as database
from django.db import models, transaction

from connections import permissions
from connections.models import (
    HAPPY_PATH,
    OPEN_STATES,
    Channel,
    Connection,
    ConnectionEvent,
    Contact,
    Customer,
    HtgNumberAllocation,
    Language,
    TlsVersion,
)
from connections.models import ConnectionState as S
from connections.services.htg_numbers import htg_number_format
from htg_migration.calendar import is_business_day
from htg_migration.errors import ApplicationError
from plateaus.models import MessageFlow

DEMO_AS_OF = datetime.date(2020, 5, 15)
TEAM_USERNAMES = tuple(f"team{number}" for number in range(1, 9))
EMAIL_DOMAIN = "demo.example"  # .example is reserved (RFC 2606): no demo e-mail can reach anyone
BATCH_ROWS = 100_000

# How likely a customer uses each flow (about 4 of the 6 on average); a flow added later in the admin gets 0.5.
FLOW_SHARE = {"AGS": 0.95, "NCTS": 0.8, "CID": 0.6, "EMCS": 0.5, "SW": 0.6, "NVWA": 0.55}
HUB_SHARE, SOFTWARE_SUPPLIER_SHARE, CLIENT_OF_HUB_SHARE = 0.03, 0.03, 0.3
INVITE_SPREAD_DAYS = 60  # the team invites a plateau's customers over its first weeks, most of them early
HOLD_SHARE, WITHDRAW_SHARE, RESCHEDULE_SHARE, SELF_STARTED_SHARE = 0.04, 0.015, 0.07, 0.03
# (transition, target, fixed gap, random gap in business days, waits on the customer): the happy path after invite.
STEPS = (
    ("receive_intake", S.INTAKE_RECEIVED, 3, 15, True),
    ("offer_slot", S.SLOT_OFFERED, 2, 10, False),
    ("book_slot", S.SLOT_BOOKED, 2, 8, True),
    ("send_technical_data", S.TECHNICAL_DATA_SENT, 4, 12, False),
    ("start_testing", S.TESTING, 2, 8, True),
    ("pass_test", S.TEST_PASSED, 3, 12, True),
    ("go_live", S.LIVE, 2, 6, False),
    ("close_digipoort", S.DIGIPOORT_CLOSED, 5, 15, False),
)
BOOK_STEP = 2
RANK: dict[str, int] = {state.value: rank for rank, state in enumerate(HAPPY_PATH)}

# (country, share, EORI digits, forms with weights, languages nl/en share)
COUNTRIES = (
    ("NL", 0.82, 9, (("B.V.", 80), ("V.O.F.", 7), ("N.V.", 3), ("Coöperatie U.A.", 2), ("Holding B.V.", 8)), 0.82),
    ("BE", 0.07, 10, (("BV", 50), ("NV", 30), ("SA", 12), ("SRL", 8)), 0.5),
    ("DE", 0.07, 12, (("GmbH", 60), ("GmbH & Co. KG", 30), ("AG", 10)), 0.0),
    ("FR", 0.015, 14, (("SAS", 60), ("SARL", 40)), 0.0),
    ("GB", 0.015, 12, (("Ltd", 100),), 0.0),
    ("PL", 0.005, 10, (("Sp. z o.o.", 100),), 0.0),
    ("LU", 0.005, 8, (("S.A.", 70), ("S.à r.l.", 30)), 0.0),
)
SURNAMES = {
    "NL": "de Vries|Jansen|van Dijk|Bakker|Visser|Smit|Meijer|de Boer|Mulder|de Groot|Bos|Vos|Peters|Hendriks|"
    "van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Smits|de Graaf|van der Meer|van der Linden|Kok|Jacobs|de Haan|"
    "Vermeulen|van den Berg|van der Heijden|Schouten|van Beek|Willems|van Vliet|van de Ven|Hoekstra|Maas|Verhoeven|"
    "Koster|van Dam|Prins|Blom|Huisman|Peeters|de Jong|van der Wal|Kuipers|Veenstra|Post|Kramer|Timmermans",
    "BE": "Peeters|Janssens|Maes|Jacobs|Mertens|Willems|Claes|Goossens|Wouters|De Smet|Dubois|Lambert|Dupont|Hermans",
    "DE": "Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Hoffmann|Schulz|Koch|Richter|Klein|Wolf",
    "FR": "Martin|Bernard|Dubois|Lefebvre|Moreau|Laurent|Girard|Roux",
    "GB": "Smith|Jones|Taylor|Brown|Williams|Wilson|Evans|Walker",
    "PL": "Nowak|Kowalski|Wiśniewski|Wójcik|Kamiński",
    "LU": "Schmit|Muller|Weber|Hoffmann|Wagner",
}
FIRST_NAMES = {
    "NL": "Jan|Pieter|Kees|Sanne|Anouk|Lotte|Bram|Daan|Femke|Marieke|Joost|Ruud|Ingrid|Esther|Wouter|Sven|Linda|"
    "Mark|Ilse|Thijs|Noor|Emma|Lucas|Jeroen|Annelies|Hanneke|Gert|Willem|Sophie|Maarten",
    "BE": "Luc|An|Els|Koen|Sofie|Tom|Pierre|Marie|Bart|Nathalie",
    "DE": "Thomas|Andrea|Stefan|Sabine|Jürgen|Claudia|Michael|Katrin|Jens|Anke",
    "FR": "Jean|Claire|Nicolas|Isabelle|Julien|Camille",
    "GB": "James|Emily|Oliver|Sarah|David|Laura",
    "PL": "Piotr|Anna|Tomasz|Katarzyna",
    "LU": "Luc|Anne|Marc|Claude",
}
PLACES = {
    "NL": "Rotterdam|Venlo|Tilburg|Schiphol|Moerdijk|Amsterdam|Born|Waalwijk|Veghel|Zwolle|Groningen|Vlissingen|"
    "Delfzijl|Eindhoven|Breda|Aalsmeer|Westland|Nijmegen|Utrecht|Roosendaal|Maasvlakte|Botlek|Hengelo|Almere",
    "BE": "Antwerpen|Gent|Zeebrugge|Liège|Brussel|Genk",
    "DE": "Duisburg|Hamburg|Bremen|Köln|Düsseldorf|Emmerich|Kleve|Aachen",
    "FR": "Lille|Le Havre|Dunkerque|Paris",
    "GB": "Felixstowe|Harwich|Hull|London",
    "PL": "Poznań|Gdańsk|Łódź",
    "LU": "Luxembourg|Bettembourg",
}
SECTORS = {
    "NL": "Transport|Logistiek|Expeditie|Shipping|Cargo|Forwarding|Handelsmaatschappij|Import & Export|Agri|"
    "Bloemen|Food|Chemie|Trading|Freight|Warehousing|Koeltransport|Air Cargo|Zeevracht|Groothandel|Distributie",
    "BE": "Transport|Logistics|Shipping|Trading|Expeditie",
    "DE": "Spedition|Logistik|Transporte|Handelsgesellschaft|Lagerhaus|Zollagentur",
    "FR": "Transports|Logistique|Négoce",
    "GB": "Freight|Logistics|Shipping|Trading",
    "PL": "Transport|Logistyka|Spedycja",
    "LU": "Logistics|Cargo|Trading",
}
BRAND_HEADS = "Ned|Hol|Euro|Trans|Mar|Rhe|Delta|Maas|Schelde|Noord|Zuid|Oost|West|Inter|Flora|Agri|Port|Rijn|Polder"
BRAND_TAILS = "cargo|log|trans|port|freight|flow|ship|way|link|trade|lane|gate"
HUB_WORDS = "Customs Services|Douaneservice|EDI Hub|Forwarding & Customs|Douane-expediteurs|Customs Brokers"
SOFTWARE_WORDS = "Software|Systems|Customs Solutions|ICT|Informatica|EDI Solutions"
AREA_CODES = {"NL": ("10", "20", "30", "40", "50", "70", "76", "77", "13", "118", "297", "6"), "BE": ("3", "9", "2")}
PHONE_COUNTRY = {"NL": "+31", "BE": "+32", "DE": "+49", "FR": "+33", "GB": "+44", "PL": "+48", "LU": "+352"}
VPN_PREFIXES = ("192.0.2.", "198.51.100.")  # documentation ranges (RFC 5737): never a real peer
VPN_DETAILS = "IKEv2, AES-256-GCM, SHA-384, DH group 20; tunnel to the HTG gateway"

FREE_TEXT_COLUMNS = frozenset({"legal_name", "name", "email", "phone", "vpn_details", "note"})
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class DemoDataExists(ApplicationError):
    """Demo data goes only into a database without customers (or after a reset)."""


@dataclass(frozen=True)
class DemoSeedResult:
    customers: int
    contacts: int
    connections: int
    events: int
    htg_numbers: int
    team_members_created: int
    connections_by_state: dict[str, int]


@cache
def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _slug(text: str) -> str:
    return "-".join(part for part in "".join(c if c.isalnum() else " " for c in _ascii(text)).split())


class _Calendar:
    """Dutch business days from the programme's set-up to `as_of`.

    A moment is one int, day index * 1440 + minute of the day: cheap to compare, and turned into a datetime (or
    COPY text, cached) only when written.
    """

    def __init__(self, *, first: datetime.date, as_of: datetime.date, time_zone: str) -> None:
        days = [first + datetime.timedelta(days=n) for n in range(max((as_of - first).days + 1, 0))]
        self.days = [day for day in days if is_business_day(day)] or [as_of]
        self.zone = zoneinfo.ZoneInfo(time_zone)
        self.texts: dict[int, str] = {}

    def index_from(self, day: datetime.date) -> int | None:
        """The first business day on or after `day`, or None if that is after as_of."""
        for index, candidate in enumerate(self.days):
            if candidate >= day:
                return index
        return None

    def index_until(self, day: datetime.date) -> int:
        """The last business day on or before `day` (-1 if none)."""
        return sum(1 for candidate in self.days if candidate <= day) - 1

    def moment(self, key: int) -> datetime.datetime:
        day = self.days[key // 1440]
        return datetime.datetime(day.year, day.month, day.day, key % 1440 // 60, key % 60, tzinfo=self.zone)

    def text(self, key: int) -> str:
        """The moment as PostgreSQL reads it in COPY, with the offset of that day (CET or CEST)."""
        text = self.texts.get(key)
        if text is None:
            text = self.texts[key] = self.moment(key).isoformat(sep=" ")
        return text


# The columns each table gets, in COPY order; values ending in "_at" are moments (see _Calendar).
COLUMNS: dict[type[models.Model], tuple[str, ...]] = {
    Customer: ("id", "legal_name", "kvk_number", "eori", "role", "hub_id", "htg_number", "created_at", "updated_at"),
    HtgNumberAllocation: ("id", "number", "customer_id", "issued_at"),
    Contact: ("customer_id", "name", "email", "phone", "language", "is_primary"),
    Connection: (
        "id",
        "customer_id",
        "flow_id",
        "channel",
        "tls_version",
        "vpn_peer_address",
        "vpn_details",
        "assigned_to_id",
        "state",
        "state_before_hold",
        "state_changed_at",
        "created_at",
    ),
    ConnectionEvent: ("connection_id", "transition", "from_state", "to_state", "note", "created_at"),
}


class _RowSink:
    """Collects rows per table and writes them in batches: COPY on PostgreSQL, bulk_create elsewhere.

    On PostgreSQL a background thread runs each COPY on the same database connection (so in the same transaction)
    while the caller builds the next batch: the database works on one core while Python works on the other. Use it
    as a context manager: leaving it waits for the last COPY, so nothing runs on the connection afterwards.
    """

    def __init__(self, *, calendar: _Calendar) -> None:
        self.calendar = calendar
        self.rows: dict[type[models.Model], list[tuple[Any, ...]]] = {model: [] for model in COLUMNS}
        self.copying = database.vendor == "postgresql"
        self.writer = ThreadPoolExecutor(max_workers=1) if self.copying else None
        self.pending: list[Future[None]] = []

    def __enter__(self) -> "_RowSink":
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if self.writer is not None:
            self.writer.shutdown(wait=True, cancel_futures=exc_type is not None)

    def add(self, model: type[models.Model], row: tuple[Any, ...]) -> None:
        rows = self.rows[model]
        rows.append(row)
        if len(rows) >= BATCH_ROWS:
            self.flush(model)

    def flush(self, model: type[models.Model]) -> None:
        rows, self.rows[model] = self.rows[model], []
        if not rows:
            return
        columns = COLUMNS[model]
        moments = [position for position, name in enumerate(columns) if name.endswith("_at")]
        if self.writer is None:
            instances = []
            for row in rows:
                values = list(row)
                for position in moments:
                    values[position] = self.calendar.moment(values[position])
                instances.append(model(**dict(zip(columns, values, strict=True))))
            model._default_manager.bulk_create(instances, batch_size=2000)
            return
        buffer = self._copy_text(rows, columns, moments)
        while len(self.pending) > 1:  # at most one batch waits while one is written: memory stays bounded
            self.pending.pop(0).result()
        quote = database.ops.quote_name
        sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(column) for column in columns)}) FROM STDIN"
        database.ensure_connection()
        self.pending.append(self.writer.submit(_copy, database.connection, sql, buffer))

    def _copy_text(self, rows: list[tuple[Any, ...]], columns: Sequence[str], moments: list[int]) -> io.StringIO:
        texts, text = self.calendar.texts, self.calendar.text
        free_text = [position for position, name in enumerate(columns) if name in FREE_TEXT_COLUMNS]
        lines = []
        for row in rows:
            values = ["\\N" if value is None else value if type(value) is str else str(value) for value in row]
            for position in free_text:
                values[position] = values[position].translate(_COPY_ESCAPES)
            for position in moments:
                values[position] = texts.get(row[position]) or text(row[position])
            lines.append("\t".join(values))
        lines.append("")
        return io.StringIO("\n".join(lines))

    def wait(self) -> None:
        """Wait for every COPY sent: the connection must not run anything else meanwhile (libpq allows one)."""
        while self.pending:
            self.pending.pop(0).result()

    def flush_all(self) -> None:
        for model in COLUMNS:
            self.flush(model)
        self.wait()


def _copy(raw_connection: Any, sql: str, buffer: io.StringIO) -> None:
    with raw_connection.cursor() as cursor:
        cursor.copy_expert(sql, buffer)


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Ids for rows not written yet, so that rows can refer to each other before they go in."""
    if count == 0:
        return []
    table = model._meta.db_table
    with database.cursor() as cursor:
        if database.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        # Elsewhere (SQLite) the transaction holds the write lock, and AUTOINCREMENT moves on past explicit ids.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {database.ops.quote_name(table)}")  # noqa: S608
        highest = cursor.fetchone()[0]
        if database.vendor == "sqlite":
            cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s", [table])
            highest = max(highest, cursor.fetchone()[0])
    return list(range(highest + 1, highest + 1 + count))


@dataclass(frozen=True)
class _Flow:
    id: int
    share: float
    plateau: int
    start: int | None  # calendar index of the plateau's actual start; None: not started by as_of
    production: int | None  # no go-live before production opens
    deadline: int  # the last business day on or before the deadline
    missed: int | None  # the first business day after the deadline, if that is on or before as_of


@dataclass
class _CustomerPlan:
    id: int
    country: str
    role: str
    legal_name: str
    slug: str
    kvk_number: str
    eori: str
    hub_id: int | None
    created: int
    flows: list[_Flow]
    slowness: float


def demo_team_members() -> tuple[list[int], int]:
    """The ids of the demo connection team (team1..team8), created where missing, and how many were created."""
    group, _created = Group.objects.get_or_create(name=permissions.CONNECTION_TEAM)
    user_model = get_user_model()
    ids: list[int] = []
    created = 0
    for username in TEAM_USERNAMES:
        user, was_created = user_model.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@{EMAIL_DOMAIN}", "first_name": "Team", "last_name": username[4:]},
        )
        if was_created:
            user.is_staff = True
            user.set_unusable_password()
            user.save(update_fields=["is_staff", "password"])
            created += 1
        user.groups.add(group)
        ids.append(user.pk)
    return ids, created


@transaction.atomic
def demo_reset() -> None:
    """Delete every customer and all that hangs on them: contacts, connections, timelines, the HTG number ledger.

    Only this demo reset may delete from the ledger (everywhere else it is append-only so that no number is issued
    twice); its id sequence is left alone, so the numbers issued after a reset are still new ones.
    """
    models_in_order = (ConnectionEvent, Connection, Contact, HtgNumberAllocation, Customer)
    tables = [database.ops.quote_name(model._meta.db_table) for model in models_in_order]
    with database.cursor() as cursor:
        if database.vendor == "postgresql":
            # CASCADE: rows of later features that point at customers or connections (bookings, ...) go too.
            # TRUNCATE refuses while deferred foreign key checks are pending in this transaction: run them first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return
        cursor.execute(f"UPDATE {tables[-1]} SET hub_id = NULL")  # noqa: S608
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([value for value, _weight in pairs], weights=[weight for _value, weight in pairs])[0]


def _legal_name(rng: random.Random, country: str, role: str) -> str:
    """A company name without its legal form, built the way such names usually are."""
    family, place = rng.choice(_words(SURNAMES[country])), rng.choice(_words(PLACES[country]))
    surname = family[0].upper() + family[1:]  # "van Dijk", but "Van Dijk Transport"
    sector = rng.choice(_words(SECTORS[country]))
    tail = rng.choice([word for word in _words(BRAND_TAILS) if word not in sector.lower()])
    brand = rng.choice(_words(BRAND_HEADS)) + tail
    if role == Customer.Role.HUB:
        return f"{rng.choice((brand, place, surname))} {rng.choice(_words(HUB_WORDS))}"
    if role == Customer.Role.SOFTWARE_SUPPLIER:
        return f"{rng.choice((brand, surname))} {rng.choice(_words(SOFTWARE_WORDS))}"
    pattern = rng.random()
    if pattern < 0.3:
        return f"{surname} {sector}" + (f" {place}" if rng.random() < 0.5 else "")
    if pattern < 0.45:
        initial = rng.choice(_words(FIRST_NAMES[country]))[0]
        return f"{initial}. {family} {sector}"
    if pattern < 0.6:
        return f"{place} {sector}"
    if pattern < 0.72:
        return f"{surname} & {rng.choice(_words(SURNAMES[country]))}"
    return f"{brand} {sector}" + (f" {place}" if rng.random() < 0.5 else "")


def _unique_number(rng: random.Random, digits: int, taken: set[int]) -> int:
    while True:
        number = rng.randrange(10 ** (digits - 1), 10**digits)
        if number not in taken:
            taken.add(number)
            return number


def _plan_customers(
    rng: random.Random, *, count: int, flows: list[_Flow], setup_days: int
) -> tuple[list[_CustomerPlan], list[int]]:
    ids = _reserve_ids(Customer, count)
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
            name = _legal_name(rng, country, role)
            legal_name = f"{name} {_weighted(rng, forms[country])}"
            if legal_name not in taken_names:
                break
        taken_names.add(legal_name)
        number = _unique_number(rng, eori_digits[country], taken_eori[country])
        eori = f"BE0{number}" if country == "BE" else f"{country}{number}"
        kvk_number = str(_unique_number(rng, 8, taken_kvk)) if country == "NL" else ""
        hub_id = None
        if role == Customer.Role.DIRECT and hub_ids and rng.random() < CLIENT_OF_HUB_SHARE:
            hub_id = rng.choice(hub_ids)
        chosen = [flow for flow in flows if rng.random() < flow.share] or [flows[0]]
        roll = rng.random()  # how quickly the company answers: most promptly, a tail hardly at all
        slowness = 0.5 + roll if roll < 0.5 else 1 + 3 * (roll - 0.5) if roll < 0.85 else 2.5 + 40 * (roll - 0.85)
        created = rng.randrange(setup_days) * 1440 + 540 + rng.randrange(480)
        plans.append(
            _CustomerPlan(
                id=ids[index],
                country=country,
                role=role,
                legal_name=legal_name,
                slug=_slug(name),
                kvk_number=kvk_number,
                eori=eori,
                hub_id=hub_id,
                created=created,
                flows=chosen,
                slowness=slowness,
            )
        )
    return plans, ids


def _contact_rows(rng: random.Random, plan: _CustomerPlan) -> list[tuple[Any, ...]]:
    """One or two contacts, the first one primary, with distinct e-mail addresses."""
    rows: list[tuple[Any, ...]] = []
    emails: set[str] = set()
    nl_share = next(country[4] for country in COUNTRIES if country[0] == plan.country)
    for number in range(1 if rng.random() < 0.6 else 2):
        first = rng.choice(_words(FIRST_NAMES[plan.country]))
        surname = rng.choice(_words(SURNAMES[plan.country]))
        local = f"{_ascii(first)}.{_ascii(surname).replace(' ', '')}"
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


def _simulate(
    rng: random.Random, flow: _Flow, *, invited: int, self_started: bool, slowness: float, last: int
) -> list[tuple[int, str, str, str]]:
    """One connection's timeline up to as_of: (moment, transition, from, to) in order."""
    events: list[tuple[int, str, str, str]] = []
    limit = min(last, flow.deadline)  # after the deadline only the Digipoort route of a live connection closes
    if flow.start is not None and invited <= limit:
        minute = 450 + int(rng.random() * 840)
        if self_started:  # the company sent its intake before the team got round to inviting it
            events.append((invited * 1440 + minute, "receive_intake", S.PLANNED, S.INTAKE_RECEIVED))
            step, state = 1, S.INTAKE_RECEIVED.value
        else:
            events.append((invited * 1440 + 510 + minute % 540, "invite", S.PLANNED, S.INVITED))
            step, state = 0, S.INVITED.value
        day, rescheduled = invited, False
        while step < len(STEPS):
            name, target, fixed, spread, waits_on_customer = STEPS[step]
            next_day = day + fixed + int(rng.random() * spread * (slowness if waits_on_customer else 1.0))
            if target == S.LIVE and flow.production is not None:
                next_day = max(next_day, flow.production)
            if next_day > (last if target == S.DIGIPOORT_CLOSED else limit):
                break
            minute = 450 + int(rng.random() * 840) if waits_on_customer else 510 + int(rng.random() * 540)
            events.append((next_day * 1440 + minute, name, state, target))
            day, state = next_day, target
            if step == BOOK_STEP and not rescheduled and rng.random() < RESCHEDULE_SHARE:
                rescheduled, next_day = True, day + 1 + int(rng.random() * 3)
                if next_day > limit:
                    break
                side = "reschedule" if rng.random() < 0.6 else "record_no_show"
                events.append((next_day * 1440 + 510 + int(rng.random() * 540), side, state, S.SLOT_OFFERED))
                day, state = next_day, S.SLOT_OFFERED
                continue
            step += 1
    roll = rng.random()
    if flow.start is not None and roll < HOLD_SHARE + WITHDRAW_SHARE:
        open_positions = [-1] + [k for k, event in enumerate(events) if event[3] in OPEN_STATES]
        position = rng.choice(open_positions)
        base_day = events[position][0] // 1440 if position >= 0 else flow.start - 1
        side_day = base_day + 1 + int(rng.random() * 8)
        if side_day <= limit:
            from_state = events[position][3] if position >= 0 else S.PLANNED.value
            del events[position + 1 :]
            side, target = ("hold", S.ON_HOLD) if roll < HOLD_SHARE else ("withdraw", S.WITHDRAWN)
            events.append((side_day * 1440 + 510 + int(rng.random() * 540), side, from_state, target))
    state = events[-1][3] if events else S.PLANNED
    if flow.missed is not None and (state in OPEN_STATES or state == S.ON_HOLD):
        events.append((flow.missed * 1440 + 360, "mark_missed", state, S.MISSED))  # the morning sweep
    return events


def _write_rows(
    rng: random.Random, sink: _RowSink, *, plans: list[_CustomerPlan], team_ids: list[int], last: int
) -> tuple[dict[str, int], dict[str, int]]:
    """Simulate every customer's connections and hand all rows to the sink; the row counts and states."""
    connection_ids = iter(_reserve_ids(Connection, sum(len(plan.flows) for plan in plans)))
    by_state = dict.fromkeys(S.values, 0)
    first_intakes: list[tuple[int, int]] = []
    counts = {"contacts": 0, "connections": 0, "events": 0}
    intake_rank = RANK[S.INTAKE_RECEIVED]
    for index, plan in enumerate(plans):
        plan.created = min(plan.created, last * 1440 + 540)
        for contact in _contact_rows(rng, plan):
            sink.add(Contact, contact)
            counts["contacts"] += 1
        if rng.random() < 0.75:
            channel, tls, vpn = Channel.SMTP_MSA_POP3.value, rng.choice(TlsVersion.values), None
        else:
            channel, tls, vpn = Channel.SMTP_MTA_IPSEC.value, "", f"{rng.choice(VPN_PREFIXES)}{rng.randrange(1, 255)}"
        team_member = rng.choice(team_ids)
        invitations: dict[int, tuple[int, bool]] = {}
        first_intake: int | None = None
        for flow in plan.flows:
            if flow.plateau not in invitations:
                spread = int(rng.random() ** 1.3 * INVITE_SPREAD_DAYS)
                invitations[flow.plateau] = ((flow.start or 0) + spread, rng.random() < SELF_STARTED_SHARE)
            invited, self_started = invitations[flow.plateau]
            events = _simulate(rng, flow, invited=invited, self_started=self_started, slowness=plan.slowness, last=last)
            reached = max((RANK.get(event[3], 0) for event in events), default=0)
            has_channel = reached > intake_rank or (reached == intake_rank and rng.random() < 0.7)
            assigned = team_member if rng.random() < (0.85 if reached >= intake_rank else 0.1) else None
            state = events[-1][3] if events else S.PLANNED.value
            connection_id = next(connection_ids)
            sink.add(
                Connection,
                (
                    connection_id,
                    plan.id,
                    flow.id,
                    channel if has_channel else "",
                    tls if has_channel else "",
                    vpn if has_channel else None,
                    VPN_DETAILS if has_channel and vpn else "",
                    assigned,
                    state,
                    events[-1][2] if state == S.ON_HOLD else "",
                    events[-1][0] if events else plan.created,
                    plan.created,
                ),
            )
            by_state[state] += 1
            for moment, name, from_state, to_state in events:
                sink.add(ConnectionEvent, (connection_id, name, from_state, to_state, "", moment))
                if name == "receive_intake" and (first_intake is None or moment < first_intake):
                    first_intake = moment
            counts["connections"] += 1
            counts["events"] += len(events)
        if first_intake is not None:
            first_intakes.append((first_intake, index))
    # Serials in the order the numbers were issued (at each customer's first intake), as the real ledger would be.
    first_intakes.sort()
    sink.wait()
    allocation_ids = _reserve_ids(HtgNumberAllocation, len(first_intakes))
    issued: dict[int, tuple[str, int]] = {}
    for allocation_id, (moment, index) in zip(allocation_ids, first_intakes, strict=True):
        issued[index] = (htg_number_format(allocation_id), moment)
        sink.add(HtgNumberAllocation, (allocation_id, issued[index][0], plans[index].id, moment))
    for index, plan in enumerate(plans):
        htg_number, updated = issued.get(index, (None, plan.created))
        values = (plan.id, plan.legal_name, plan.kvk_number, plan.eori, plan.role, plan.hub_id, htg_number)
        sink.add(Customer, (*values, plan.created, updated))
    sink.flush_all()
    counts["htg_numbers"] = len(first_intakes)
    return counts, by_state


@transaction.atomic
def demo_seed(*, customers: int, seed: int, as_of: datetime.date = DEMO_AS_OF, reset: bool = False) -> DemoSeedResult:
    """Create `customers` demo companies with contacts, connections and timelines as they stood on `as_of`.

    Refuses (ApplicationError) if there are customers already, unless `reset` clears them first (demo_reset).
    """
    if not 1 <= customers <= 1_000_000:
        raise ApplicationError("The number of demo customers must be between 1 and 1,000,000.")
    if reset:
        demo_reset()
    elif Customer.objects.exists():
        raise DemoDataExists("There are customers already: reset the demo data first. Nothing was changed.")
    flow_rows = list(MessageFlow.objects.select_related("plateau__programme").order_by("plateau__number", "code"))
    if not flow_rows:
        raise ApplicationError("Load the programme's reference data first (migrate). Nothing was changed.")
    starts = [row.plateau.actual_start or row.plateau.planned_start for row in flow_rows]
    setup_end = min(starts) - datetime.timedelta(days=21)
    calendar = _Calendar(
        first=setup_end - datetime.timedelta(days=70), as_of=as_of, time_zone=flow_rows[0].plateau.programme.time_zone
    )
    last = len(calendar.days) - 1
    flows = []
    for row in flow_rows:
        deadline = row.plateau.programme.deadline
        missed = calendar.index_from(deadline + datetime.timedelta(days=1))
        production = calendar.index_from(row.plateau.production_start) if row.plateau.production_start else None
        flows.append(
            _Flow(
                id=row.pk,
                share=FLOW_SHARE.get(row.code, 0.5),
                plateau=row.plateau.number,
                start=calendar.index_from(row.plateau.actual_start) if row.plateau.actual_start else None,
                production=production,
                deadline=calendar.index_until(deadline),
                missed=missed if missed is not None and calendar.days[missed] > deadline else None,
            )
        )
    team_ids, team_created = demo_team_members()
    rng = random.Random(seed)
    plans, _ids = _plan_customers(rng, count=customers, flows=flows, setup_days=max(calendar.index_until(setup_end), 1))
    with _RowSink(calendar=calendar) as sink:
        counts, by_state = _write_rows(rng, sink, plans=plans, team_ids=team_ids, last=last)
    return DemoSeedResult(
        customers=customers,
        contacts=counts["contacts"],
        connections=counts["connections"],
        events=counts["events"],
        htg_numbers=counts["htg_numbers"],
        team_members_created=team_created,
        connections_by_state={state: count for state, count in by_state.items() if count},
    )

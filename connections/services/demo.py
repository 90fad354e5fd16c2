"""Demo data: a realistic, deterministic programme of N customers, fast enough for 100,000 (the benchmarks).

Everything random comes from one `random.Random(seed)` and the clock is `as_of`, so the same arguments give the
same companies, identifiers, states and timeline dates. Each connection's history is simulated forward from its
plateau's actual start, step by step in Dutch business days, and stops at `as_of`: its state is simply how far it
got, so the timeline, the state and the dates agree by construction (and earlier plateaus are further along).

On PostgreSQL the rows go in with COPY (ids reserved from the tables' sequences first, so rows can refer to each
other before they are written); elsewhere (SQLite) with bulk_create. Foreign keys are deferred to the commit.
"""

import datetime
import io
import unicodedata
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db import connection as database
from django.db import models

from connections.models import (
    HAPPY_PATH,
    Connection,
    ConnectionEvent,
    Contact,
    Customer,
    HtgNumberAllocation,
)
from connections.models import (
    ConnectionState as S,
)
from htg_migration.calendar import is_business_day

DEMO_AS_OF = datetime.date(2020, 5, 15)
TEAM_USERNAMES = tuple(f"team{number}" for number in range(1, 9))
EMAIL_DOMAIN = "demo.example"  # .example is reserved (RFC 2606): no demo e-mail can reach anyone
BATCH_ROWS = 100_000

# How likely a customer uses each flow (about 4 of the 6 on average); a flow added later in the admin gets 0.5.
FLOW_SHARE = {"AGS": 0.95, "NCTS": 0.8, "CID": 0.6, "EMCS": 0.5, "SW": 0.6, "NVWA": 0.55}
HUB_SHARE, SOFTWARE_SUPPLIER_SHARE, CLIENT_OF_HUB_SHARE = 0.03, 0.03, 0.3
INVITE_SPREAD_DAYS = 35  # the team invites a plateau's customers over its first weeks, most of them early
HOLD_SHARE, WITHDRAW_SHARE, RESCHEDULE_SHARE, SELF_STARTED_SHARE = 0.04, 0.015, 0.07, 0.03
# (transition, target, fixed gap, random gap in business days, waits on the customer): the happy path after invite.
STEPS = (
    ("receive_intake", S.INTAKE_RECEIVED, 2, 10, True),
    ("offer_slot", S.SLOT_OFFERED, 1, 4, False),
    ("book_slot", S.SLOT_BOOKED, 1, 6, True),
    ("send_technical_data", S.TECHNICAL_DATA_SENT, 2, 6, False),
    ("start_testing", S.TESTING, 1, 6, True),
    ("pass_test", S.TEST_PASSED, 2, 9, True),
    ("go_live", S.LIVE, 1, 4, False),
    ("close_digipoort", S.DIGIPOORT_CLOSED, 5, 10, False),
)
BOOK_STEP = 2
RANK = {state: rank for rank, state in enumerate(HAPPY_PATH)}

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

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@dataclass(frozen=True)
class DemoSeedResult:
    customers: int
    contacts: int
    connections: int
    events: int
    htg_numbers: int
    team_members_created: int
    connections_by_state: dict[str, int]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _slug(text: str) -> str:
    return "-".join(part for part in "".join(c if c.isalnum() else " " for c in _ascii(text)).split())


class _Calendar:
    """Dutch business days from the programme's set-up to `as_of`; a moment is (day index, minute of the day)."""

    def __init__(self, *, first: datetime.date, as_of: datetime.date, time_zone: str) -> None:
        days = [first + datetime.timedelta(days=n) for n in range(max((as_of - first).days + 1, 0))]
        self.days = [day for day in days if is_business_day(day)] or [as_of]
        self.zone = zoneinfo.ZoneInfo(time_zone)
        self._text: dict[int, str] = {}

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
        text = self._text.get(key)
        if text is None:
            text = self._text[key] = self.moment(key).isoformat(sep=" ")
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
    ),  # fmt: skip
    ConnectionEvent: ("connection_id", "transition", "from_state", "to_state", "note", "created_at"),
}


class _RowSink:
    """Collects rows per table and writes them in batches: COPY on PostgreSQL, bulk_create elsewhere."""

    def __init__(self, *, calendar: _Calendar) -> None:
        self.calendar = calendar
        self.copy = database.vendor == "postgresql"
        self.rows: dict[type[models.Model], list[tuple[Any, ...]]] = {model: [] for model in COLUMNS}
        self.moment_positions = {
            model: [i for i, name in enumerate(columns) if name.endswith("_at")] for model, columns in COLUMNS.items()
        }

    def add(self, model: type[models.Model], row: tuple[Any, ...]) -> None:
        rows = self.rows[model]
        rows.append(row)
        if len(rows) >= BATCH_ROWS:
            self.flush(model)

    def flush(self, model: type[models.Model]) -> None:
        rows, self.rows[model] = self.rows[model], []
        if not rows:
            return
        columns, moments = COLUMNS[model], self.moment_positions[model]
        if not self.copy:
            for row in rows:
                values = list(row)
                for position in moments:
                    values[position] = self.calendar.moment(values[position])
                self._pending.append(model(**dict(zip(columns, values, strict=True))))
            model._default_manager.bulk_create(self._pending, batch_size=2000)
            self._pending.clear()
            return
        text = self.calendar.text
        buffer = io.StringIO()
        for row in rows:
            values = [
                "\\N" if value is None else str(value).translate(_COPY_ESCAPES) if type(value) is str else str(value)
                for value in row
            ]
            for position in moments:
                values[position] = text(row[position])
            buffer.write("\t".join(values))
            buffer.write("\n")
        buffer.seek(0)
        with database.cursor() as cursor:
            cursor.copy_expert(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN", buffer)

    _pending: list[models.Model] = []

    def flush_all(self) -> None:
        for model in COLUMNS:
            self.flush(model)


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Ids for rows not written yet, so that rows can refer to each other before they go in."""
    if count == 0:
        return []
    table = model._meta.db_table
    with database.cursor() as cursor:
        if database.vendor == "postgresql":
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [count]
            )
            return [row[0] for row in cursor.fetchall()]
        # Elsewhere (SQLite) the transaction holds the write lock; SQLite's AUTOINCREMENT moves past explicit ids.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        highest = cursor.fetchone()[0]
        if database.vendor == "sqlite":
            cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s", [table])
            highest = max(highest, cursor.fetchone()[0])
    return list(range(highest + 1, highest + 1 + count))

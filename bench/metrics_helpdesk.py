"""Budgets of the helpdesk (issue 4): the lookup by HTG number, by a misspelt name and by part of a phone number, as
whole requests."""

import functools
import random
import statistics
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from bench.run import BenchContext, Metric

HTG_SAMPLES = 100
NAME_SAMPLES = 50
PHONE_SAMPLES = 50
SAMPLE_SEED = 4  # the number: the same customers at every run and every size
URL = "/helpdesk/"


def p95(timings: list[float]) -> float:
    """The 95th percentile (inclusive method: interpolated between the samples, never beyond the slowest)."""
    return statistics.quantiles(timings, n=20, method="inclusive")[-1]


def misspell(name: str, rng: random.Random) -> str:
    """The name with two adjacent, different letters swapped ("Van Dam" -> "Van Dma"), at a position `rng` picks."""
    positions = [
        index
        for index in range(len(name) - 1)
        if name[index].isalpha() and name[index + 1].isalpha() and name[index].lower() != name[index + 1].lower()
    ]
    if not positions:
        return name
    index = rng.choice(positions)
    return name[:index] + name[index + 1] + name[index] + name[index + 2 :]


def htg_samples(size: int = HTG_SAMPLES) -> list[str]:
    """HTG numbers of seeded customers, drawn at random with a fixed seed from those in id order."""
    from connections.models import Customer

    numbers = [
        number
        for number in Customer.objects.filter(htg_number__isnull=False)
        .order_by("id")
        .values_list("htg_number", flat=True)
        if number
    ]
    return random.Random(SAMPLE_SEED).sample(numbers, min(size, len(numbers)))


def name_samples(size: int = NAME_SAMPLES) -> list[str]:
    """Legal names of seeded customers (distinct, drawn with a fixed seed), each with two adjacent letters swapped."""
    from connections.models import Customer

    rows = list(Customer.objects.order_by("id").values_list("id", "legal_name"))
    rng = random.Random(SAMPLE_SEED)
    names: list[str] = []
    seen: set[str] = set()
    for _customer_id, name in rng.sample(rows, min(len(rows), size * 4)):
        typo = misspell(name, rng)
        if typo == name or name in seen:
            continue
        seen.add(name)
        names.append(typo)
        if len(names) == size:
            break
    return names


def phone_samples(size: int = PHONE_SAMPLES) -> list[str]:
    """Parts of seeded contacts' phone numbers as a caller reads them out: the last seven digits, "123 45 67"
    (drawn with a fixed seed from the contacts with a phone number, in id order)."""
    from connections.models import Contact

    phones = list(Contact.objects.exclude(phone="").order_by("id").values_list("phone_digits", flat=True))
    rng = random.Random(SAMPLE_SEED)
    return [f"{digits[-7:-4]} {digits[-4:-2]} {digits[-2:]}" for digits in rng.sample(phones, min(size, len(phones)))]


class _LookupPage:
    """The lookup page through Django's test client, logged in as the first active team member."""

    def __init__(self) -> None:
        from bench.run import team_client
        from connections.models import LookupAudit

        self.client, self.user = team_client()
        # The page writes a LookupAudit row per search (part of the work measured); they are removed afterwards.
        self.audit_before = LookupAudit.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def get(self, query: str) -> int:
        response = self.client.get(URL, {"q": query})
        if response.status_code not in {200, 302}:
            raise RuntimeError(f"{URL}?q={query} answered {response.status_code}")
        return response.status_code

    def close(self) -> None:
        from connections.models import LookupAudit

        LookupAudit.objects.filter(id__gt=self.audit_before, user=self.user).delete()
        self.client.logout()


def _htg_floor(connection: "BaseDatabaseWrapper", user_id: int, numbers: list[str]) -> list[float]:
    """Per number, what a lookup must do and nothing else: the customer by its unique `htg_number` index, then its
    audit row INSERTed into the same table the page writes, then a synchronous COMMIT (the row is durable), through
    its own psycopg2 connection to the same database. The rows it wrote are removed afterwards."""
    import psycopg2

    from bench.run import timed_ms
    from connections.models import Customer, LookupAudit
    from htg_migration import clock

    customer_sql, _params = Customer.objects.filter(htg_number="x").values_list("id").query.sql_with_params()
    audit = LookupAudit._meta.db_table
    audit_sql = (
        f"INSERT INTO {audit} (user_id, kind, query, result_count, customer_id, created_at) "  # noqa: S608 - a table name
        "VALUES (%s, %s, %s, 1, %s, %s) RETURNING id"
    )
    database = connection.settings_dict
    raw_connection = psycopg2.connect(
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"],
        host=database["HOST"],
        port=database["PORT"] or None,
    )
    written: list[int] = []
    timings = []
    try:
        with raw_connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            if cursor.fetchone()[0] == "off":
                raise RuntimeError("synchronous_commit is off: the floor would not be durable")

            def raw(number: str) -> None:
                cursor.execute(customer_sql, [number])
                row = cursor.fetchone()
                if row is None:
                    raise RuntimeError(f"no customer has {number}")
                cursor.execute(audit_sql, [user_id, LookupAudit.Kind.SEARCH, number, row[0], clock.now()])
                written.append(cursor.fetchone()[0])
                raw_connection.commit()

            raw(numbers[0])  # warm up: plans, buffers
            for number in numbers:
                timings.append(timed_ms(functools.partial(raw, number)))
            cursor.execute(f"DELETE FROM {audit} WHERE id = ANY(%s)", [written])  # noqa: S608 - a table name
            raw_connection.commit()
    finally:
        raw_connection.close()
    return timings


def _captured_lookup_sql(connection: "BaseDatabaseWrapper", text: str) -> list[str]:
    """The SQL `customer_lookup` runs for the text (its rows, then their connections), as executed."""
    from django.test.utils import CaptureQueriesContext

    from helpdesk.selectors import customer_lookup

    with CaptureQueriesContext(connection) as captured:
        customer_lookup(text=text)
    return [query["sql"] for query in captured.captured_queries]


def _raw_floor(connection: "BaseDatabaseWrapper", statements: list[list[str]]) -> list[float]:
    """Per input: its statements executed raw (no parameters: they are captured with their values), rows fetched."""
    from bench.run import timed_ms

    timings = []
    with connection.cursor() as cursor:

        def raw(sqls: list[str]) -> None:
            for sql in sqls:
                cursor.execute(sql)
                cursor.fetchall()

        raw(statements[0])  # warm up
        for sqls in statements:
            timings.append(timed_ms(functools.partial(raw, sqls)))
    return timings


def metric_helpdesk_lookup(context: "BenchContext") -> list["Metric"]:
    """`lookup_htg_p95_ms`: the helpdesk lookup page (/helpdesk/?q=...) as a whole request through Django's test
    client, logged in as a team member (session, permissions, `customer_lookup`, the LookupAudit row it writes, the
    redirect of an exact single hit or the result page), for 100 different HTG numbers of seeded customers (fixed
    sample), each once: the 95th percentile. Floor: what such a lookup must do, run raw through its own psycopg2
    connection for the same numbers: the indexed SELECT of the customer by `htg_number`, the INSERT of its audit row
    into the same LookupAudit table and the synchronous COMMIT that makes the row durable (p95). Goal: at most 3 times
    that floor. `lookup_name_p95_ms`: the same page for 50 seeded
    legal names with two adjacent letters swapped (fixed sample): p95. Floor: the queries `customer_lookup` runs
    for each of those names (the trigram-similarity search and the prefetch of the connections), captured and
    executed again as raw SQL (p95). `lookup_phone_p95_ms`: the same page for the last seven digits of 50 seeded
    contacts' phone numbers, typed "123 45 67" (fixed sample): p95; floor: its captured queries run raw, as for names.
    Sessions are read from Redis when the bench has it, as in production (docker-compose.yml). The audit rows are
    removed afterwards."""
    from bench.run import metric, timed_ms

    numbers = htg_samples()
    names = name_samples()
    phones = phone_samples()
    page = _LookupPage()
    try:
        page.get(numbers[-1])  # warm up: templates, plans, the redirect
        page.get(names[-1])
        page.get(phones[-1])
        htg_timings = [timed_ms(functools.partial(page.get, number)) for number in numbers]
        name_timings = [timed_ms(functools.partial(page.get, name)) for name in names]
        phone_timings = [timed_ms(functools.partial(page.get, phone)) for phone in phones]
    finally:
        page.close()

    htg_floor = _htg_floor(context.connection, page.user.pk, numbers)
    name_floor = _raw_floor(context.connection, [_captured_lookup_sql(context.connection, name) for name in names])
    phone_floor = _raw_floor(context.connection, [_captured_lookup_sql(context.connection, phone) for phone in phones])
    return [
        metric("lookup_htg_p95_ms", context.size, p95(htg_timings), "ms", p95(htg_floor)),
        metric("lookup_name_p95_ms", context.size, p95(name_timings), "ms", p95(name_floor)),
        metric("lookup_phone_p95_ms", context.size, p95(phone_timings), "ms", p95(phone_floor)),
    ]

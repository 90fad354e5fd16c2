"""Demo data: the services (seed, reset, team), simulating every customer's connections into the row sink."""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection as database
from django.db import transaction

from connections import permissions
from connections.models import Channel, Connection, ConnectionEvent, Contact, Customer, HtgNumberAllocation, TlsVersion
from connections.models import ConnectionState as S
from connections.services.demo.customers import CustomerPlan, contact_rows, plan_customers
from connections.services.demo.names import EMAIL_DOMAIN, VPN_DETAILS, VPN_PREFIXES
from connections.services.demo.timeline import RANK, Calendar, DueDates, Flow, simulate
from connections.services.demo.writer import RowSink, reserve_ids
from connections.services.htg_numbers import htg_number_format
from connections.services.snapshots import snapshots_discard
from htg_migration.errors import ApplicationError
from plateaus.models import MessageFlow

DEMO_AS_OF = datetime.date(2020, 5, 15)
TEAM_USERNAMES = tuple(f"team{number}" for number in range(1, 9))

# How likely a customer uses each flow (about 4 of the 6 on average); a flow added later in the admin gets 0.5.
FLOW_SHARE = {"AGS": 0.95, "NCTS": 0.8, "CID": 0.6, "EMCS": 0.5, "SW": 0.6, "NVWA": 0.55}
INVITE_SPREAD_DAYS = 60  # the team invites a plateau's customers over its first weeks, most of them early
SELF_STARTED_SHARE = 0.03


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
        # CASCADE: rows of later features that point at customers or connections (bookings, ...) go too.
        # TRUNCATE refuses while deferred foreign key checks are pending in this transaction: run them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    snapshots_discard()


def _write_rows(
    rng: random.Random,
    sink: RowSink,
    *,
    plans: list[CustomerPlan],
    team_ids: list[int],
    last: int,
    due_dates: DueDates,
) -> tuple[dict[str, int], dict[str, int]]:
    """Simulate every customer's connections and hand all rows to the sink; the row counts and states."""
    connection_ids = iter(reserve_ids(Connection, sum(len(plan.flows) for plan in plans)))
    by_state = dict.fromkeys(S.values, 0)
    first_intakes: list[tuple[int, int]] = []
    counts = {"contacts": 0, "connections": 0, "events": 0}
    intake_rank = RANK[S.INTAKE_RECEIVED]
    for index, plan in enumerate(plans):
        plan.created = min(plan.created, last * 1440 + 540)
        for contact in contact_rows(rng, plan):
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
            events = simulate(rng, flow, invited=invited, self_started=self_started, slowness=plan.slowness, last=last)
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
                    due_dates.due_on(state, events[-1][0]) if events else None,
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
    allocation_ids = reserve_ids(HtgNumberAllocation, len(first_intakes))
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
    snapshots_discard()  # the rows below bypass the services that keep today's snapshot current
    flow_rows = list(MessageFlow.objects.select_related("plateau__programme").order_by("plateau__number", "code"))
    if not flow_rows:
        raise ApplicationError("Load the programme's reference data first (migrate). Nothing was changed.")
    starts = [row.plateau.actual_start or row.plateau.planned_start for row in flow_rows]
    setup_end = min(starts) - datetime.timedelta(days=21)
    calendar = Calendar(
        first=setup_end - datetime.timedelta(days=70), as_of=as_of, time_zone=flow_rows[0].plateau.programme.time_zone
    )
    last = len(calendar.days) - 1
    flows = []
    for row in flow_rows:
        deadline = row.plateau.programme.deadline
        missed = calendar.index_from(deadline + datetime.timedelta(days=1))
        production = calendar.index_from(row.plateau.production_start) if row.plateau.production_start else None
        flows.append(
            Flow(
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
    plans, _ids = plan_customers(rng, count=customers, flows=flows, setup_days=max(calendar.index_until(setup_end), 1))
    with RowSink(calendar=calendar) as sink:
        counts, by_state = _write_rows(
            rng, sink, plans=plans, team_ids=team_ids, last=last, due_dates=DueDates(calendar)
        )
    return DemoSeedResult(
        customers=customers,
        contacts=counts["contacts"],
        connections=counts["connections"],
        events=counts["events"],
        htg_numbers=counts["htg_numbers"],
        team_members_created=team_created,
        connections_by_state={state: count for state, count in by_state.items() if count},
    )

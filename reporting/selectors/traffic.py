"""The dashboard's traffic figures: the share of the production message volume on HTG per day, plateau and flow
(from the daily rollup, TrafficDaily, so the cost does not grow with the counts), the top senders still on
Digipoort, the Digipoort senders without a connection, and the connections live but still on Digipoort.

The share follows the dashboard's day (`as_of`); the sender lists show the senders as they are now (the gateways'
identities and their totals are not kept per day)."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, QuerySet, Window
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from connections.models import ConnectionState, TrafficEvidence
from connections.selectors.traffic import DAY as DAY_FORMAT
from connections.selectors.traffic import digipoort_recent_since
from htg_migration.dates import date_text
from plateaus.models import MessageFlow
from reporting.selectors.figures import RiskRow
from traffic.models import Environment, Gateway, TrafficDaily, TrafficSender

WINDOW_DAYS = 182  # six months of days in the chart and its table
LISTED = 10
# In the risk list, a connection live but still sending via Digipoort weighs as an open escalation does: its messages
# stop the day Digipoort is switched off.
STILL_ON_DIGIPOORT_RISK = 3


@dataclass(frozen=True)
class Volume:
    htg: int
    digipoort: int

    @property
    def total(self) -> int:
        return self.htg + self.digipoort

    @property
    def share(self) -> float | None:
        """The percentage of the volume on HTG; None without any volume."""
        return 100 * self.htg / self.total if self.total else None


@dataclass(frozen=True)
class PlateauShare:
    id: int
    number: int
    name: str
    days: list[tuple[datetime.date, Volume]]

    @property
    def latest(self) -> Volume:
        return self.days[-1][1] if self.days else Volume(0, 0)


@dataclass(frozen=True)
class FlowShare:
    code: str
    name: str
    plateau_number: int
    last_day: Volume
    last_week: Volume
    window: Volume


@dataclass(frozen=True)
class SenderRow:
    identity: str
    scheme: str
    customer_id: int | None
    customer: str
    messages: int
    last_seen: datetime.date


@dataclass(frozen=True)
class EvidenceRow:
    customer_id: int
    customer: str
    flow_code: str
    connection_id: int | None
    messages: int
    last_seen: datetime.date | None
    live_on: datetime.date | None


@dataclass(frozen=True)
class TrafficFigures:
    as_of: datetime.date
    first_day: datetime.date
    recent_since: datetime.date
    days: list[datetime.date]
    plateaus: list[PlateauShare]
    flows: list[FlowShare]
    top_digipoort: list[SenderRow]
    unknown_senders: list[SenderRow]
    unknown_senders_count: int
    without_connection: list[EvidenceRow]
    without_connection_count: int
    live_on_digipoort: list[EvidenceRow]
    live_on_digipoort_count: int

    @property
    def has_traffic(self) -> bool:
        return bool(self.days)

    @property
    def table(self) -> list[tuple[datetime.date, list[Volume]]]:
        """The chart's numbers: per day, each plateau's volumes (every plateau has a volume for every day)."""
        return [(day, [plateau.days[index][1] for plateau in self.plateaus]) for index, day in enumerate(self.days)]

    @property
    def latest(self) -> Volume:
        return Volume(
            sum(plateau.latest.htg for plateau in self.plateaus),
            sum(plateau.latest.digipoort for plateau in self.plateaus),
        )


def traffic_share_rows(
    *, first_day: datetime.date, last_day: datetime.date
) -> list[tuple[datetime.date, int, str, int]]:
    """(day, flow id, gateway, messages) of production traffic from the rollup: the share's one read."""
    # One rollup row per day, gateway, environment and flow (its unique constraint): nothing to add up in SQL.
    return list(
        TrafficDaily.objects.filter(environment=Environment.PRODUCTION, day__range=(first_day, last_day))
        .order_by("day", "flow_id", "gateway")
        .values_list("day", "flow_id", "gateway", "messages")
    )


def _volumes(
    rows: list[tuple[datetime.date, int, str, int]], keys: dict[int, int]
) -> dict[tuple[int, datetime.date], list[int]]:
    """{(key, day): [htg, digipoort]} with each flow's messages summed into its key (its plateau or itself)."""
    volumes: dict[tuple[int, datetime.date], list[int]] = {}
    for day, flow_id, gateway, messages in rows:
        if flow_id not in keys:
            continue
        slot = volumes.setdefault((keys[flow_id], day), [0, 0])
        slot[0 if gateway == Gateway.HTG else 1] += messages
    return volumes


def _sum(volumes: dict[tuple[int, datetime.date], list[int]], key: int, days: list[datetime.date]) -> Volume:
    pairs = [volumes.get((key, day), [0, 0]) for day in days]
    return Volume(sum(pair[0] for pair in pairs), sum(pair[1] for pair in pairs))


def _sender_rows(queryset: object) -> list[SenderRow]:
    return [
        SenderRow(
            identity=sender.identity,
            scheme=sender.get_scheme_display(),
            customer_id=sender.customer_id,
            customer=sender.customer.legal_name if sender.customer else "",
            messages=sender.messages_total,
            last_seen=sender.last_seen,
        )
        for sender in queryset  # type: ignore[attr-defined]
    ]


def _evidence_rows(queryset: object) -> list[EvidenceRow]:
    return [
        EvidenceRow(
            customer_id=evidence.customer_id,
            customer=evidence.customer.legal_name,
            flow_code=evidence.flow.code,
            connection_id=evidence.connection_id,
            messages=evidence.digipoort_since_live
            if evidence.connection_id
            else evidence.digipoort_production_messages,
            last_seen=evidence.last_digipoort_production_on,
            live_on=evidence.live_on,
        )
        for evidence in queryset  # type: ignore[attr-defined]
    ]


@dataclass(frozen=True)
class TrafficShare:
    days: list[datetime.date]
    plateaus: list[PlateauShare]
    flows: list[FlowShare]


def traffic_share(*, first_day: datetime.date, last_day: datetime.date) -> TrafficShare:
    """The share of the production volume on HTG per plateau and day and per flow, from the rollup (two queries)."""
    flows = list(MessageFlow.objects.select_related("plateau").order_by("plateau__number", "code"))
    rows = traffic_share_rows(first_day=first_day, last_day=last_day)
    days = sorted({row[0] for row in rows})
    by_plateau = _volumes(rows, {flow.pk: flow.plateau_id for flow in flows})
    by_flow = _volumes(rows, {flow.pk: flow.pk for flow in flows})
    plateaus = {flow.plateau_id: flow.plateau for flow in flows}
    last_week = [day for day in days if day > (days[-1] if days else last_day) - datetime.timedelta(days=7)]
    return TrafficShare(
        days=days,
        plateaus=[
            PlateauShare(
                id=plateau.pk,
                number=plateau.number,
                name=plateau.name,
                days=[(day, _sum(by_plateau, plateau.pk, [day])) for day in days],
            )
            for plateau in sorted(plateaus.values(), key=lambda plateau: plateau.number)
        ],
        flows=[
            FlowShare(
                code=flow.code,
                name=flow.name,
                plateau_number=flow.plateau.number,
                last_day=_sum(by_flow, flow.pk, days[-1:]),
                last_week=_sum(by_flow, flow.pk, last_week),
                window=_sum(by_flow, flow.pk, days),
            )
            for flow in flows
        ],
    )


def live_still_on_digipoort(*, as_of: datetime.date) -> QuerySet[TrafficEvidence]:
    """The evidence of live connections whose flow still sent production messages via Digipoort after going live,
    recently (within the business days after which closing the route is proposed)."""
    return TrafficEvidence.objects.filter(
        digipoort_since_live__gt=0,  # its index: the few rows with a volume after going live
        connection__state=ConnectionState.LIVE,
        live_on__isnull=False,
        last_digipoort_production_on__gt=F("live_on"),
        last_digipoort_on__gte=digipoort_recent_since(as_of),
    )


def traffic_risks(*, as_of: datetime.date, limit: int) -> tuple[list[RiskRow], int]:
    """The risk list's rows for the connections live but still on Digipoort (the most volume first, at most `limit`)
    and how many there are, in one query. The traffic evidence is what is known now, so the dashboard adds these for
    today only."""
    rows = list(
        live_still_on_digipoort(as_of=as_of)
        .select_related("customer", "flow", "connection")
        .annotate(total=Window(Count("id")))  # all of them, counted before the cut: one query
        .order_by("-digipoort_since_live", "id")[:limit]
    )
    risks = [
        RiskRow(
            connection_id=evidence.connection.pk,
            customer=evidence.customer.legal_name,
            htg_number=evidence.customer.htg_number,
            flow_code=evidence.flow.code,
            state=evidence.connection.state,
            entered_at=evidence.connection.state_changed_at,
            score=STILL_ON_DIGIPOORT_RISK,
            reasons=[
                _("Still sending via Digipoort: %(count)s production messages after going live, the last on %(last)s.")
                % {
                    "count": number_format(evidence.digipoort_since_live, force_grouping=True),
                    "last": date_text(evidence.last_digipoort_production_on, DAY_FORMAT),  # type: ignore[arg-type]
                }
            ],
        )
        for evidence in rows
        if evidence.connection is not None
    ]
    return risks, rows[0].total if rows else 0


def dashboard_traffic(*, as_of: datetime.date) -> TrafficFigures:
    """The traffic section of the dashboard for `as_of` (nine queries, whatever the traffic's size)."""
    first_day = as_of - datetime.timedelta(days=WINDOW_DAYS - 1)
    share = traffic_share(first_day=first_day, last_day=as_of)
    # "Still" on Digipoort: seen within the business days after which closing the route is proposed.
    recent = digipoort_recent_since(as_of)
    digipoort = TrafficSender.objects.filter(gateway=Gateway.DIGIPOORT, last_seen__gte=recent).select_related(
        "customer"
    )
    unknown = digipoort.filter(customer__isnull=True)
    evidence = TrafficEvidence.objects.select_related("customer", "flow")
    without = evidence.filter(connection__isnull=True, last_digipoort_production_on__gte=recent)
    still = live_still_on_digipoort(as_of=as_of)
    return TrafficFigures(
        as_of=as_of,
        first_day=first_day,
        recent_since=recent,
        days=share.days,
        plateaus=share.plateaus,
        flows=share.flows,
        top_digipoort=_sender_rows(digipoort.order_by("-messages_total", "id")[:LISTED]),
        unknown_senders=_sender_rows(unknown.order_by("-messages_total", "id")[:LISTED]),
        unknown_senders_count=unknown.count(),
        without_connection=_evidence_rows(without.order_by("-digipoort_production_messages", "id")[:LISTED]),
        without_connection_count=without.count(),
        # The ten first (a subquery), then their companies and flows: joined before the sort, thousands would be.
        live_on_digipoort=_evidence_rows(
            evidence.filter(id__in=still.order_by("-digipoort_since_live", "id").values("id")[:LISTED]).order_by(
                "-digipoort_since_live", "id"
            )
        ),
        live_on_digipoort_count=still.count(),
    )

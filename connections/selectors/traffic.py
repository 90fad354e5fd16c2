"""What a connection's traffic evidence (connections.models.TrafficEvidence) means for the team and the company: the
notices on the connection page, the helpdesk card and the portal. The facts come from the gateways' counts; the
rules that turn them into a suggested step or an alert live here, once."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from connections.models import Connection, ConnectionState, TrafficEvidence
from htg_migration.calendar import business_days_between, is_business_day, subtract_business_days
from htg_migration.dates import date_text

S = ConnectionState
DAY = "j F Y"


@dataclass(frozen=True)
class TrafficNotice:
    """One thing the traffic says about a connection. `step` is the transition it suggests (the team takes it with
    one click through the transition service); `is_alert` marks what needs action now."""

    kind: str
    text: str
    step: str = ""
    is_alert: bool = False


def connection_evidence(connection: Connection) -> TrafficEvidence | None:
    """The connection's evidence, loaded with it (`select_related("traffic_evidence")`): no query here."""
    try:
        return connection.traffic_evidence
    except ObjectDoesNotExist:
        return None


def connection_live_day(connection: Connection) -> datetime.date | None:
    """The day a live connection went live (its last state change), in the programme's time zone."""
    if connection.state != S.LIVE:
        return None
    return timezone.localtime(connection.state_changed_at).date()


def digipoort_quiet_business_days(*, evidence: TrafficEvidence, live_day: datetime.date, today: datetime.date) -> int:
    """Business days without Digipoort traffic since the connection went live: after the later of the live day and
    the last Digipoort day, up to and including yesterday (the last day a gateway's file can report)."""
    last_activity = max(live_day, evidence.last_digipoort_on or live_day)
    return business_days_between(last_activity, today - datetime.timedelta(days=1))


def digipoort_recent_since(today: datetime.date) -> datetime.date:
    """The earliest last Digipoort day that is still recent: fewer than HTG_TRAFFIC_CLOSED_AFTER_DAYS business days
    have passed since (through yesterday). The same cut-off as digipoort_quiet_business_days, as a date for queries."""
    needed: int = settings.HTG_TRAFFIC_CLOSED_AFTER_DAYS
    yesterday = today - datetime.timedelta(days=1)
    return subtract_business_days(yesterday, needed - 1 if is_business_day(yesterday) else needed)


def still_on_digipoort(*, connection: Connection, evidence: TrafficEvidence | None, today: datetime.date) -> bool:
    """Live, production messages of this flow came through Digipoort after the day it went live, and recently: until
    HTG_TRAFFIC_CLOSED_AFTER_DAYS business days have passed without Digipoort traffic (then closing is proposed)."""
    live_day = connection_live_day(connection)
    return bool(
        evidence is not None
        and live_day is not None
        and evidence.last_digipoort_production_on is not None
        and evidence.last_digipoort_production_on > live_day
        and digipoort_quiet_business_days(evidence=evidence, live_day=live_day, today=today)
        < settings.HTG_TRAFFIC_CLOSED_AFTER_DAYS
    )


def _volume_since_live(connection: Connection, evidence: TrafficEvidence) -> int | None:
    """The Digipoort production volume after going live, when the facts were derived for this live day."""
    return evidence.digipoort_since_live if evidence.live_on == connection_live_day(connection) else None


def _still_on_digipoort_text(connection: Connection, evidence: TrafficEvidence) -> str:
    volume = _volume_since_live(connection, evidence)
    values = {
        "last": date_text(evidence.last_digipoort_production_on, DAY),  # type: ignore[arg-type]
        "count": number_format(volume or 0, force_grouping=True),
    }
    if volume is None:
        return _("Still sending via Digipoort: production messages until %(last)s, after going live.") % values
    return (
        _("Still sending via Digipoort: %(count)s production messages after going live, the last on %(last)s.") % values
    )


def traffic_notices(*, connection: Connection, today: datetime.date) -> list[TrafficNotice]:
    """The team's notices for one connection (its evidence loaded with it), most urgent first."""
    evidence = connection_evidence(connection)
    if evidence is None:
        return []
    notices: list[TrafficNotice] = []
    state = connection.state
    live_day = connection_live_day(connection)
    if still_on_digipoort(connection=connection, evidence=evidence, today=today):
        notices.append(TrafficNotice("still_on_digipoort", _still_on_digipoort_text(connection, evidence), "", True))
    elif live_day is not None:
        quiet = digipoort_quiet_business_days(evidence=evidence, live_day=live_day, today=today)
        needed: int = settings.HTG_TRAFFIC_CLOSED_AFTER_DAYS
        if quiet >= needed:
            notices.append(
                TrafficNotice(
                    "propose_closed",
                    _("No Digipoort traffic for %(days)s business days since going live: close the Digipoort route.")
                    % {"days": quiet},
                    "close_digipoort",
                )
            )
    if evidence.first_htg_production_on is not None:
        seen = _("First production message via HTG on %(day)s.") % {
            "day": date_text(evidence.first_htg_production_on, DAY)
        }
        if state == S.TEST_PASSED:
            notices.append(TrafficNotice("propose_live", seen + " " + _("Proposed: go live."), "go_live"))
        elif state == S.TESTING:
            notices.append(
                TrafficNotice("htg_production", seen + " " + _("Proposed: pass the test, then go live."), "pass_test")
            )
        else:
            notices.append(TrafficNotice("htg_production", seen))
    if evidence.first_htg_test_on is not None:
        seen = _("First test message via HTG on %(day)s.") % {"day": date_text(evidence.first_htg_test_on, DAY)}
        if state == S.TECHNICAL_DATA_SENT:
            notices.append(
                TrafficNotice(
                    "htg_test", seen + " " + _("Proposed: the company is testing, start testing."), "start_testing"
                )
            )
        elif state == S.TESTING and evidence.first_htg_production_on is None:
            notices.append(
                TrafficNotice(
                    "htg_test", seen + " " + _("Proposed: check the test messages and pass the test."), "pass_test"
                )
            )
        else:
            notices.append(TrafficNotice("htg_test", seen))
    return notices


def company_traffic_alert(*, connection: Connection, today: datetime.date) -> str:
    """For the portal, in the company's language: what to change when production messages still go via Digipoort
    after going live ("" otherwise)."""
    evidence = connection_evidence(connection)
    if evidence is None or not still_on_digipoort(connection=connection, evidence=evidence, today=today):
        return ""
    volume = _volume_since_live(connection, evidence)
    values = {
        "flow": connection.flow.code,
        "last": date_text(evidence.last_digipoort_production_on, DAY),  # type: ignore[arg-type]
        "count": number_format(volume or 0, force_grouping=True),
    }
    sent = (
        _("Your %(flow)s production messages still arrive via Digipoort (the last on %(last)s).") % values
        if volume is None
        else _(
            "%(count)s of your %(flow)s production messages still arrived via Digipoort after you went live on HTG, "
            "the last on %(last)s."
        )
        % values
    )
    return (
        sent
        + " "
        + _(
            "Change the sending address in your software (or ask your service provider to) from Digipoort to HTG, "
            "as in the technical data you received. Digipoort closes at the end of the programme: messages sent "
            "there are then lost."
        )
    )

"""An assignment is a timeline event that changes no state (issue 14 item 11): a past day's dashboard, read from the
timeline, still sees each connection's last state change, and a connection given to someone while live is not a
second go-live in the burn-up."""

import datetime

import pytest

from connections.models import Connection, ConnectionEvent
from connections.services.connections import connection_assign
from connections.services.demo import demo_seed
from connections.services.staff import staff_groups_sync
from reporting.selectors import dashboard_build
from tests.connections.factories import team_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SEED_DAY = datetime.date(2020, 5, 15)


def _burnup(dashboard):
    return [(plateau.number, [(point.day, point.live) for point in plateau.series]) for plateau in dashboard.plateaus]


def test_assignments_change_neither_a_past_days_states_nor_its_burn_up(settings):
    # given: the seed, and a dashboard of today read from the states (the truth)
    settings.HTG_CLOCK_DATE = SEED_DAY
    demo_seed(customers=80, seed=11, as_of=SEED_DAY)
    staff_groups_sync()
    from_states = dashboard_build(as_of=SEED_DAY, today=SEED_DAY)

    # when: today, a team member is given every live connection and every waiting one
    member = team_member()
    chosen = Connection.objects.filter(state__in=["live", "invited", "slot_offered", "testing"]).values_list(
        "pk", flat=True
    )
    for connection_id in chosen:
        connection_assign(connection_id=connection_id, assignee_id=member.pk, actor=member)
    assert ConnectionEvent.objects.filter(transition="assign").count() == len(chosen) > 0

    # then: the same day read from the timeline (as a later "today" does) sees the same states, risks and burn-up
    from_timeline = dashboard_build(as_of=SEED_DAY, today=SEED_DAY + datetime.timedelta(days=1))
    assert from_timeline.live == from_states.live
    assert _burnup(from_timeline) == _burnup(from_states)
    assert [(risk.connection_id, risk.entered_at, risk.score) for risk in from_timeline.risks] == [
        (risk.connection_id, risk.entered_at, risk.score) for risk in from_states.risks
    ]

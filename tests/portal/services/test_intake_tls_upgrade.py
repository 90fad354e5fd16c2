"""A company still on TLS 1.1 submits its intake with "upgrading: expected by <date>" (issue 14 item 5): it gets its
HTG number, and the connection waits in "awaiting_tls" until the company confirms TLS 1.2."""

import copy
import datetime

import pytest
from django.core.exceptions import ValidationError

from connections.models import Connection, ConnectionEvent, ConnectionState, Customer, HtgNumberAllocation
from connections.services.transitions import connection_transition
from htg_migration.errors import ConflictError
from notifications.models import OutboxEmail
from portal.selectors.intake import intake_context
from portal.services.intake import customer_intake_submit, intake_errors
from portal.services.tls_upgrade import connection_tls_confirm
from tests.connections.factories import ConnectionFactory, UserFactory, walk_to
from tests.connections.portal_factories import company_contact
from tests.portal.services.test_intake import EMAIL, valid_intake

pytestmark = pytest.mark.django_db
S = ConnectionState


@pytest.fixture(autouse=True)
def pinned_clock(settings):
    settings.HTG_CLOCK_DATE = datetime.date(2020, 5, 15)


def _upgrading(expected_on="2020-06-01", version="1.1"):
    data = copy.deepcopy(valid_intake())
    data["flows"]["AGS"].update(tls_version=version, tls_upgrade_on=expected_on)
    return data


def test_a_company_on_tls_1_1_submits_with_its_upgrade_date_gets_its_htg_number_and_its_connection_waits(
    programme_flows,
):
    # when
    result = customer_intake_submit(email=EMAIL, data=_upgrading())

    # then: the HTG number, issued and e-mailed
    customer = Customer.objects.get()
    assert customer.htg_number == result.htg_number
    assert OutboxEmail.objects.filter(template_key="customer.htg_number_issued").count() == 1
    # AGS waits for TLS 1.2 with the company's date and no channel HTG would refuse; NCTS goes on as usual
    ags = Connection.objects.get(customer=customer, flow__code="AGS")
    assert (ags.state, ags.channel, ags.tls_version, ags.tls_upgrade_on) == (
        S.AWAITING_TLS,
        "",
        "",
        datetime.date(2020, 6, 1),
    )
    assert Connection.objects.get(customer=customer, flow__code="NCTS").state == S.INTAKE_RECEIVED
    # through the state machine, in the timeline, by the company itself
    event = ConnectionEvent.objects.get(connection=ags)
    assert (event.transition, event.from_state, event.to_state, event.actor_id) == (
        "receive_intake_awaiting_tls",
        S.PLANNED,
        S.AWAITING_TLS,
        result.user.pk,
    )


@pytest.mark.parametrize(
    ("expected_on", "message"),
    [
        ("", "TLS 1.1 is no longer allowed for AGS"),
        ("next week", "Enter the date by which AGS will use TLS 1.2 as a date"),
        ("2020-05-14", "The date by which AGS will use TLS 1.2 cannot be in the past."),
        ("2020-07-01", "AGS must use TLS 1.2 before the deadline: enter a date no later than 30 June 2020."),
    ],
)
def test_an_upgrade_without_a_good_date_is_refused_naming_its_flow_and_nothing_is_written(
    programme_flows, expected_on, message
):
    # when
    with pytest.raises(ValidationError) as refused:
        customer_intake_submit(email=EMAIL, data=_upgrading(expected_on=expected_on))

    # then
    [texts] = refused.value.message_dict.values()
    assert message in texts[0]
    assert Customer.objects.count() == Connection.objects.count() == HtgNumberAllocation.objects.count() == 0


def test_the_company_confirms_tls_1_2_and_the_connection_moves_on_in_the_timeline(programme_flows):
    # given
    result = customer_intake_submit(email=EMAIL, data=_upgrading())
    ags = Connection.objects.get(flow__code="AGS")

    # when
    connection = connection_tls_confirm(connection_id=ags.pk, tls_version="1.2", actor=result.user)

    # then
    assert (connection.state, connection.channel, connection.tls_version) == (S.INTAKE_RECEIVED, "smtp_msa_pop3", "1.2")
    assert list(ConnectionEvent.objects.filter(connection=ags).values_list("transition", "actor")) == [
        ("receive_intake_awaiting_tls", result.user.pk),
        ("confirm_tls", result.user.pk),
    ]


def test_confirming_an_old_version_or_out_of_state_or_for_another_company_is_refused_and_nothing_changes(
    programme_flows,
):
    # given
    result = customer_intake_submit(email=EMAIL, data=_upgrading())
    ags = Connection.objects.get(flow__code="AGS")
    ncts = Connection.objects.get(flow__code="NCTS")
    stranger = company_contact()
    events = ConnectionEvent.objects.count()

    # then: TLS 1.1 is still not enough
    with pytest.raises(ValidationError) as refused:
        connection_tls_confirm(connection_id=ags.pk, tls_version="1.1", actor=result.user)
    assert "TLS 1.1 is no longer allowed" in refused.value.message_dict["tls_version"][0]
    # a connection that is not waiting for TLS
    with pytest.raises(ConflictError):
        connection_tls_confirm(connection_id=ncts.pk, tls_version="1.2", actor=result.user)
    # another company
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        connection_tls_confirm(connection_id=ags.pk, tls_version="1.2", actor=stranger.user)
    ags.refresh_from_db()
    assert (ags.state, ags.channel, ags.tls_version) == (S.AWAITING_TLS, "", "")
    assert ConnectionEvent.objects.count() == events


def test_the_team_confirms_tls_only_once_the_channel_is_recorded_and_may_hold_or_withdraw_the_waiting_connection():
    # given
    walker = UserFactory(is_superuser=True)
    connection = ConnectionFactory()
    connection = connection_transition(
        connection_id=connection.pk, transition="receive_intake_awaiting_tls", actor=walker
    )
    assert connection.state == S.AWAITING_TLS

    # then: no channel, no confirmation
    from htg_migration.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        connection_transition(connection_id=connection.pk, transition="confirm_tls", actor=walker)
    assert "Record the channel first" in refused.value.message
    # on hold and back to where it was
    connection_transition(connection_id=connection.pk, transition="hold", actor=walker)
    resumed = connection_transition(connection_id=connection.pk, transition="resume", actor=walker)
    assert resumed.state == S.AWAITING_TLS


def test_each_flow_error_names_its_flow(programme_flows):
    # given: two flows without a channel
    data = copy.deepcopy(valid_intake())
    data["flows"]["AGS"].update(channel="")
    data["flows"]["NCTS"].update(channel="")

    # when
    errors = intake_errors(data=data, context=intake_context(email=EMAIL, customer=None), step="flows")

    # then
    assert errors == {
        "flow-AGS-channel": ["Choose the channel for AGS: SMTP-MSA/POP3 (TLS) or SMTP-MTA (IPsec VPN)."],
        "flow-NCTS-channel": ["Choose the channel for NCTS: SMTP-MSA/POP3 (TLS) or SMTP-MTA (IPsec VPN)."],
    }


def test_a_walk_to_the_waiting_state_keeps_the_oracles_path():
    walker = UserFactory(is_superuser=True)
    connection = walk_to(ConnectionFactory(), "awaiting_tls", walker)
    assert connection.state == S.AWAITING_TLS


def test_the_team_sees_the_expected_date_on_the_connection_page(client, programme_flows):
    # given
    from django.urls import reverse

    from tests.connections.factories import team_member

    customer_intake_submit(email=EMAIL, data=_upgrading())
    ags = Connection.objects.get(flow__code="AGS")
    client.force_login(team_member())

    # when
    html = client.get(reverse("connections:connection_detail", args=[ags.pk])).content.decode()

    # then: the state, the company's date, and the step the team may take for the company once the channel is known
    assert "Intake received, waiting for TLS 1.2" in html
    assert "TLS 1.2 expected by" in html and "1 June 2020" in html


def test_the_dashboard_counts_a_connection_waiting_for_tls_as_pending_and_still_needing_a_slot():
    from reporting.selectors.queries import NEEDS_SLOT_STATES, PENDING_STATES, STEPS_LEFT

    assert S.AWAITING_TLS.value in PENDING_STATES and S.AWAITING_TLS.value in NEEDS_SLOT_STATES
    assert STEPS_LEFT[S.AWAITING_TLS.value] == STEPS_LEFT[S.INTAKE_RECEIVED.value] + 1

"""Creating connections, recording their channel and assigning them."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_ipv46_address
from django.db import transaction
from django.utils.translation import gettext as _

from connections.models import ASSIGN_EVENT, Channel, Connection, ConnectionEvent, Customer, TlsVersion
from connections.permissions import CONNECTION_TEAM, CORE_TEAM, is_team_member
from connections.services.snapshots import readiness_refresh, snapshot_counts_add
from htg_migration import clock
from htg_migration.errors import ApplicationError
from plateaus.models import MessageFlow

KNOWN_OLD_TLS_VERSIONS = {"1.0", "1.1", "SSL3", "SSLV3"}
TEAM_GROUPS = (CONNECTION_TEAM, CORE_TEAM)


@transaction.atomic
def connection_create(*, customer: Customer, flow: MessageFlow) -> Connection:
    """A planned connection of the customer for the flow; one per customer and flow."""
    if Connection.objects.filter(customer=customer, flow=flow).exists():
        raise ApplicationError(
            _("%(customer)s already has a connection for %(flow)s.")
            % {"customer": customer.legal_name, "flow": flow.code}
        )
    connection = Connection.objects.create(customer=customer, flow=flow)
    snapshot_counts_add(changes=[(flow.pk, connection.state, 1)])
    readiness_refresh(customer_ids=[customer.pk])
    return connection


def channel_validate(*, channel: str, tls_version: str = "", vpn_peer_address: str = "") -> dict[str, Any]:
    """The channel fields to store, or ValidationError with a message per field."""
    tls_version = (tls_version or "").strip().upper().removeprefix("TLS").strip()
    vpn_peer_address = (vpn_peer_address or "").strip()
    if channel == Channel.SMTP_MSA_POP3:
        if not tls_version:
            raise ValidationError(
                {"tls_version": [_("SMTP-MSA/POP3 needs TLS: state the TLS version (1.2 or later).")]}
            )
        if tls_version not in TlsVersion.values:
            if tls_version in KNOWN_OLD_TLS_VERSIONS:
                message = _(
                    "TLS %(version)s is no longer allowed: HTG accepts SMTP-MSA/POP3 only over TLS 1.2 or later. "
                    "Ask your IT supplier to enable TLS 1.2 or 1.3."
                ) % {"version": tls_version}
            else:
                message = _("Unknown TLS version %(version)s: choose TLS 1.2 or TLS 1.3.") % {"version": tls_version}
            raise ValidationError({"tls_version": [message]})
        return {"channel": channel, "tls_version": tls_version, "vpn_peer_address": None}
    if channel == Channel.SMTP_MTA_IPSEC:
        try:
            validate_ipv46_address(vpn_peer_address)
        except ValidationError:
            raise ValidationError(
                {"vpn_peer_address": [_("SMTP-MTA needs an IPsec VPN: enter the public IP address of your VPN peer.")]}
            ) from None
        return {"channel": channel, "tls_version": "", "vpn_peer_address": vpn_peer_address}
    raise ValidationError({"channel": [_("Choose SMTP-MSA/POP3 (TLS) or SMTP-MTA (IPsec VPN).")]})


NO_CHANNEL: dict[str, Any] = {"channel": "", "tls_version": "", "vpn_peer_address": None}


def _channel_apply(connection: Connection, values: dict[str, Any], vpn_details: str) -> list[str]:
    """Put validated channel values (channel_validate, or NO_CHANNEL) on the connection; the fields to save."""
    for name, value in values.items():
        setattr(connection, name, value)
    connection.vpn_details = vpn_details.strip() if values["channel"] == Channel.SMTP_MTA_IPSEC else ""
    return [*values.keys(), "vpn_details"]


@transaction.atomic
def connection_channel_set(
    *, connection_id: int, channel: str, tls_version: str = "", vpn_peer_address: str = "", vpn_details: str = ""
) -> Connection:
    values = channel_validate(channel=channel, tls_version=tls_version, vpn_peer_address=vpn_peer_address)
    connection = Connection.objects.select_for_update().get(pk=connection_id)
    connection.save(update_fields=_channel_apply(connection, values, vpn_details))
    return connection


@transaction.atomic
def connection_tls_upgrade_record(*, connection_id: int, expected_on: Any) -> Connection:
    """The company still uses TLS 1.1 or older and expects TLS 1.2 by `expected_on`: no channel is recorded yet (HTG
    takes none older than TLS 1.2), only the date; the connection waits in "awaiting_tls" until it confirms."""
    connection = Connection.objects.select_for_update().get(pk=connection_id)
    fields = _channel_apply(connection, NO_CHANNEL, "")
    connection.tls_upgrade_on = expected_on
    connection.save(update_fields=[*fields, "tls_upgrade_on"])
    return connection


def assignee_validate(*, assignee_id: int | None) -> None:
    """A connection is given to an active member of the connection team or core team, or to nobody (None)."""
    if assignee_id is None:
        return
    # A member of the groups (the people the pages offer), not any account that passes the permission check: an
    # administrator is no team member to give work to.
    if not get_user_model().objects.filter(pk=assignee_id, is_active=True, groups__name__in=TEAM_GROUPS).exists():
        raise ValidationError({"assignee": [_("Choose a member of the connection team.")]})


@transaction.atomic
def connection_details_update(
    *,
    connection_id: int,
    channel: str,
    tls_version: str = "",
    vpn_peer_address: str = "",
    vpn_details: str = "",
) -> Connection:
    """The team records a connection's channel (or clears it: `channel` "") on the connection's page. Not a state
    change, so no transition; any invalid field raises ValidationError and writes nothing. (Who works on it is
    `connection_assign`: a timeline event.)"""
    values = NO_CHANNEL
    if channel:
        values = channel_validate(channel=channel, tls_version=tls_version, vpn_peer_address=vpn_peer_address)
    connection = Connection.objects.select_for_update().filter(pk=connection_id).first()
    if connection is None:
        raise ApplicationError(_("This connection does not exist (any more)."))
    connection.save(update_fields=_channel_apply(connection, values, vpn_details))
    return connection


@transaction.atomic
def connection_assign(*, connection_id: int, assignee_id: int | None, actor: Any, note: str = "") -> Connection:
    """Give a connection to a team member (or to nobody: None) under a row lock, and record it in the timeline: who
    gave it to whom, when, and why. Not a state change, so no transition; the event's state before and after are
    the same. Giving it to whoever has it already changes and records nothing. `actor` None is the system."""
    if actor is not None and not is_team_member(actor):
        raise PermissionDenied(_("Only the connection team assigns connections."))
    assignee_validate(assignee_id=assignee_id)
    connection = Connection.objects.select_for_update(of=("self",)).filter(pk=connection_id).first()
    if connection is None:
        raise ApplicationError(_("This connection does not exist (any more)."))
    if connection.assigned_to_id == assignee_id:
        return connection
    connection.assigned_to_id = assignee_id
    connection.save(update_fields=["assigned_to"])
    ConnectionEvent.objects.create(
        connection=connection,
        transition=ASSIGN_EVENT,
        from_state=connection.state,
        to_state=connection.state,
        actor=actor,
        assignee_id=assignee_id,
        note=note.strip()[:2000],
        created_at=clock.now(),
    )
    return connection

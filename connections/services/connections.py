"""Creating connections, recording their channel and assigning them."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import transaction
from django.utils.translation import gettext as _

from connections.models import Channel, Connection, Customer, TlsVersion
from connections.permissions import is_team_member
from htg_migration.errors import ApplicationError
from plateaus.models import MessageFlow

KNOWN_OLD_TLS_VERSIONS = {"1.0", "1.1", "SSL3", "SSLV3"}


@transaction.atomic
def connection_create(*, customer: Customer, flow: MessageFlow) -> Connection:
    """A planned connection of the customer for the flow; one per customer and flow."""
    if Connection.objects.filter(customer=customer, flow=flow).exists():
        raise ApplicationError(
            _("%(customer)s already has a connection for %(flow)s.")
            % {"customer": customer.legal_name, "flow": flow.code}
        )
    return Connection.objects.create(customer=customer, flow=flow)


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
    assignee = get_user_model().objects.filter(pk=assignee_id, is_active=True).first()
    if assignee is None or not is_team_member(assignee):
        raise ValidationError({"assignee": [_("Choose a member of the connection team.")]})


@transaction.atomic
def connection_details_update(
    *,
    connection_id: int,
    channel: str,
    tls_version: str = "",
    vpn_peer_address: str = "",
    vpn_details: str = "",
    assignee_id: int | None,
) -> Connection:
    """The team records a connection's channel (or clears it: `channel` "") and who works on it, on the
    connection's page. Not a state change, so no transition; any invalid field raises ValidationError and writes
    nothing."""
    errors: dict[str, list[str]] = {}
    values = NO_CHANNEL
    if channel:
        try:
            values = channel_validate(channel=channel, tls_version=tls_version, vpn_peer_address=vpn_peer_address)
        except ValidationError as error:
            errors.update(error.message_dict)
    try:
        assignee_validate(assignee_id=assignee_id)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    connection = Connection.objects.select_for_update().filter(pk=connection_id).first()
    if connection is None:
        raise ApplicationError(_("This connection does not exist (any more)."))
    fields = _channel_apply(connection, values, vpn_details)
    connection.assigned_to_id = assignee_id
    connection.save(update_fields=[*fields, "assigned_to"])
    return connection


@transaction.atomic
def connection_assign(*, connection_id: int, assignee_id: int | None) -> Connection:
    """Give a connection to a team member (or to nobody). Not a state change, so no transition."""
    updated = Connection.objects.filter(pk=connection_id).update(assigned_to_id=assignee_id)
    if not updated:
        raise ApplicationError(_("This connection does not exist (any more)."))
    return Connection.objects.get(pk=connection_id)

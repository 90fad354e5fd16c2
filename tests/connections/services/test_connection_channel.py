import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from connections.models import Connection
from connections.services.connections import connection_channel_set, connection_create
from htg_migration.errors import ApplicationError
from tests.connections.factories import ConnectionFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("version", ["1.2", "1.3", "TLS 1.3", "tls1.2"])
def test_msa_with_tls_1_2_or_later_is_recorded(version):
    connection = connection_channel_set(
        connection_id=ConnectionFactory().pk, channel="smtp_msa_pop3", tls_version=version
    )
    connection.refresh_from_db()
    assert connection.channel == "smtp_msa_pop3"
    assert connection.tls_version == version.upper().removeprefix("TLS").strip()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"channel": "smtp_msa_pop3", "tls_version": "1.1"}, "tls_version", "TLS 1.1 is no longer allowed"),
        ({"channel": "smtp_msa_pop3", "tls_version": "1.0"}, "tls_version", "TLS 1.0 is no longer allowed"),
        ({"channel": "smtp_msa_pop3", "tls_version": ""}, "tls_version", "SMTP-MSA/POP3 needs TLS"),
        ({"channel": "smtp_msa_pop3", "tls_version": "2.0"}, "tls_version", "Unknown TLS version 2.0"),
        ({"channel": "smtp_mta_ipsec", "vpn_peer_address": ""}, "vpn_peer_address", "needs an IPsec VPN"),
        ({"channel": "smtp_mta_ipsec", "vpn_peer_address": "999.1.1.1"}, "vpn_peer_address", "needs an IPsec VPN"),
        ({"channel": "fax"}, "channel", "Choose SMTP-MSA/POP3"),
    ],
)
def test_a_bad_channel_is_refused_with_a_clear_message_and_nothing_changes(values, field, message):
    # given
    connection = ConnectionFactory()

    # when
    with pytest.raises(ValidationError) as error:
        connection_channel_set(connection_id=connection.pk, **values)

    # then
    assert message in error.value.message_dict[field][0]
    connection.refresh_from_db()
    assert (connection.channel, connection.tls_version, connection.vpn_peer_address) == ("", "", None)


def test_the_database_refuses_an_msa_channel_without_modern_tls_even_past_the_service():
    connection = ConnectionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.filter(pk=connection.pk).update(channel="smtp_msa_pop3", tls_version="1.1")


def test_mta_records_the_vpn_peer_and_clears_tls():
    connection = ConnectionFactory()
    connection_channel_set(connection_id=connection.pk, channel="smtp_msa_pop3", tls_version="1.3")
    connection = connection_channel_set(
        connection_id=connection.pk, channel="smtp_mta_ipsec", vpn_peer_address="192.0.2.10", vpn_details="IKEv2"
    )
    connection.refresh_from_db()
    assert (connection.channel, connection.tls_version, connection.vpn_peer_address, connection.vpn_details) == (
        "smtp_mta_ipsec",
        "",
        "192.0.2.10",
        "IKEv2",
    )


def test_one_connection_per_customer_and_flow(programme_flows):
    customer = CustomerFactory()
    connection_create(customer=customer, flow=programme_flows["AGS"])
    with pytest.raises(ApplicationError, match="already has a connection for AGS"):
        connection_create(customer=customer, flow=programme_flows["AGS"])
    assert Connection.objects.count() == 1


@pytest.mark.parametrize(
    "values",
    [
        {"channel": "", "tls_version": "1.2"},
        {"channel": "smtp_msa_pop3", "tls_version": "1.3", "vpn_peer_address": "192.0.2.1"},
        {"channel": "smtp_mta_ipsec", "tls_version": "1.2", "vpn_peer_address": "192.0.2.1"},
    ],
)
def test_the_database_refuses_leftover_channel_values(values):
    connection = ConnectionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.filter(pk=connection.pk).update(**values)

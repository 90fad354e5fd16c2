"""The client's address: X-Forwarded-For counts only when a trusted proxy sent the request."""

import pytest
from django.test import RequestFactory, override_settings

from htg_migration.client_ip import client_ip


def _request(peer: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "expected"),
    [
        # no trusted proxy configured: the header is whatever the client says, and is ignored
        ([], "198.51.100.7", "203.0.113.9", "198.51.100.7"),
        # a trusted proxy's request: the address it forwarded
        (["10.0.0.5"], "10.0.0.5", "203.0.113.9", "203.0.113.9"),
        # a client that forged a first hop: the rightmost address no trusted proxy vouches for
        (["10.0.0.0/8"], "10.0.0.5", "1.2.3.4, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        # the request did not come from a trusted proxy: its header is not read
        (["10.0.0.5"], "198.51.100.7", "203.0.113.9", "198.51.100.7"),
        # not a list of addresses: nothing in it is trusted
        (["10.0.0.5"], "10.0.0.5", "203.0.113.9, <script>", "10.0.0.5"),
        (["10.0.0.5"], "10.0.0.5", "", "10.0.0.5"),
        # IPv6 too
        (["2001:db8::/32"], "2001:db8::1", "2001:db8:ffff::2, 2a00:1450::5", "2a00:1450::5"),
    ],
)
def test_the_client_address_behind_trusted_proxies_only(trusted, peer, forwarded, expected):
    with override_settings(HTG_TRUSTED_PROXIES=trusted):
        assert client_ip(_request(peer, forwarded)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("trusted", "recorded"), [(["10.0.0.5"], "203.0.113.9"), ([], "10.0.0.5")])
def test_a_sign_in_link_request_records_the_client_behind_a_trusted_proxy_only(client, trusted, recorded):
    from django.urls import reverse

    from portal.models import PortalSignInLink

    with override_settings(HTG_TRUSTED_PROXIES=trusted):
        client.post(
            reverse("portal:sign_in"),
            {"email": "anna@vandam.example"},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    assert PortalSignInLink.objects.get().requested_ip == recorded

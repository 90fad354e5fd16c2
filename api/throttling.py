"""Throttling per API token (DRF's throttles over the cache): a request with a token counts against that token, a
signed-in session against its user, anyone else against the client address. Past the rate: 429 with Retry-After."""

from typing import TYPE_CHECKING, Any

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from htg_migration.client_ip import client_ip

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ApiTokenRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self) -> str | None:
        # Read when asked, not when the class was defined: a changed setting (override_settings) takes effect.
        rates: dict[str, str | None] = api_settings.DEFAULT_THROTTLE_RATES
        return rates.get(self.scope)

    def get_cache_key(self, request: "Request", view: "APIView") -> str | None:
        token: Any = getattr(request, "auth", None)
        token_id = getattr(token, "pk", None)
        if token_id is not None:
            ident = f"token-{token_id}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{client_ip(request._request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

"""The portal speaks Dutch unless the visitor chose English.

Django's LocaleMiddleware takes the language from the language cookie (set by the switch in every page header),
then from the browser's Accept-Language, then LANGUAGE_CODE (nl). Companies use the portal once or twice, and it
is a Dutch government service: Dutch by default, English when they press "English". So on portal pages the
browser's Accept-Language is set aside and only a choice the visitor made counts. Staff pages keep the browser's
language.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PORTAL_PREFIX = "/portal/"


class PortalDutchByDefaultMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(PORTAL_PREFIX) and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)

"""Django's 404 for a path under /api/ that matches no route (a path parameter that is not a number, a typo): the
API's problem details, in the request's language, instead of the site's HTML page. Any other path gets Django's
own page (django.views.defaults.page_not_found), as before."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found

from api.problems import PROBLEM_CONTENT_TYPE, problem_body


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not request.path.startswith("/api/"):
        return page_not_found(request, exception)
    body = problem_body(status_code=404, detail=_("The API has no such address."))
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)

"""The error pages (400, 403, 404, 500 and a refused form's CSRF check) are the app's own, in Dutch and English, with
DEBUG off as in production; the 500 page renders without the request's context or the database."""

import pytest
from django.db import connection as database
from django.template import loader
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.connections.factories import team_member

pytestmark = pytest.mark.django_db

# (status, English heading, Dutch heading) for each way to reach a page
CASES = {
    "/test-errors/400/": (400, "The request could not be read", "Het verzoek kon niet worden gelezen"),
    "/test-errors/403/": (403, "You are not allowed to open this page", "U mag deze pagina niet openen"),
    "/no-such-page/": (404, "Page not found", "Pagina niet gevonden"),
    "/test-errors/500/": (500, "Something went wrong on our side", "Er ging bij ons iets mis"),
}


@pytest.fixture
def production_like(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.htg_migration.error_urls"


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("url", sorted(CASES))
def test_each_error_page_is_the_apps_own_in_the_readers_language(production_like, url, language):
    # given
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    status, english, dutch = CASES[url]

    # when
    response = client.get(url)

    # then
    page = response.content.decode()
    assert response.status_code == status
    assert f'<html lang="{language}">' in page
    assert f"<h1>{english if language == 'en' else dutch}</h1>" in page
    assert (dutch if language == "en" else english) not in page
    assert "/static/css/app.css" in page
    assert "Traceback" not in page and "a bug" not in page


def test_the_500_page_renders_without_the_request_and_asks_nothing_of_the_database(production_like):
    # Django renders it with an empty context: no context processors, no user, and the database may be what failed
    with CaptureQueriesContext(database) as queries, translation.override("nl"):
        page = loader.get_template("500.html").render()

    assert "<h1>Er ging bij ons iets mis</h1>" in page
    assert queries.captured_queries == []


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_form_refused_by_the_csrf_check_gets_the_apps_page(production_like, language):
    # given: a signed-in team member's form sent without its CSRF token (an expired page, a forged request)
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(team_member())

    # when
    response = client.post(reverse("connections:bulk_job_create"), {"action": "assign"})

    # then
    page = response.content.decode()
    heading = "The form could not be accepted" if language == "en" else "Het formulier kon niet worden aanvaard"
    assert response.status_code == 403
    assert f"<h1>{heading}</h1>" in page
    assert "CSRF verification failed" not in page


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_company_account_on_a_team_page_is_sent_to_its_own_pages(settings, language):
    from tests.connections.factories import helpdesk_member
    from tests.connections.portal_factories import company_contact

    # given: DEBUG off, the app's own URLs; a company contact, and a helpdesk member (staff without the team's role)
    settings.DEBUG = False
    company, helpdesk = Client(HTTP_ACCEPT_LANGUAGE=language), Client(HTTP_ACCEPT_LANGUAGE=language)
    company.force_login(company_contact().user)
    helpdesk.force_login(helpdesk_member())

    # when: both open the team's dashboard
    to_company = company.get(reverse("reporting:dashboard"))
    to_staff = helpdesk.get(reverse("reporting:dashboard"))

    # then: the company is pointed at the portal, the staff member at the core team
    with translation.override(language):
        # ({% translate %} puts a translation in the page as it is)
        portal = translation.gettext(
            "This page is for the programme's team. Nothing was changed. Your company's pages are in the portal."
        )
        core_team = translation.gettext(
            "Your account does not give access to this page. Nothing was changed. If you need it for your work, "
            "ask a colleague of the core team."
        )
    assert (to_company.status_code, to_staff.status_code) == (403, 403)
    assert portal in to_company.content.decode() and reverse("portal:status") in to_company.content.decode()
    assert core_team not in to_company.content.decode()
    assert core_team in to_staff.content.decode() and portal not in to_staff.content.decode()

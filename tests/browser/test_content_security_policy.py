"""The Content-Security-Policy holds in a real browser: every main page of each role (team, core team, helpdesk,
administrator, company, hub, visitor) loads and is used without a single violation, Chromium's own verdict.

Violations are caught two ways: the `securitypolicyviolation` event in every frame (a listener put in before any
page script runs), and Chromium's console messages about the policy. The first test shows that the watcher sees a
violation of each kind, so that the walks cannot pass because nothing was watching."""

import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from connections.models import Connection, Customer
from connections.services.demo import demo_seed
from connections.services.staff import staff_groups_sync
from notifications.models import EmailTemplate
from plateaus.models import Plateau
from tests.browser.conftest import sign_in, sign_in_to_admin, staff_user
from tests.connections.factories import (
    ConnectionFactory,
    UserFactory,
    core_team_member,
    helpdesk_member,
    walk_to,
)
from tests.connections.portal_factories import company_contact, hub_with_client

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "correct horse battery staple"
SEED_DAY = datetime.date(2020, 5, 15)

LISTENER = """
window.__htgCspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__htgCspViolations.push(
    event.effectiveDirective + " blocked " + (event.blockedURI || "inline") + " at " + event.sourceFile + ":" +
    event.lineNumber + " " + (event.sample || "")
  );
});
"""


class PolicyWatch:
    """Every Content-Security-Policy violation on a page, from the event in each frame and from the console."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        page.context.add_init_script(LISTENER)
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def violations(self) -> list[str]:
        events = []
        for frame in self.page.frames:
            events += frame.evaluate("window.__htgCspViolations || []") if _scripts_run(frame) else []
        found, self.console = [*events, *self.console], []
        return found

    def signed_in(self) -> list[str]:
        """After pressing "Sign in": wait until the page it leads to has loaded, then its violations."""
        expect(self.page).not_to_have_url(re.compile(r"/login/"))
        self.page.wait_for_load_state("load")
        return self.violations()

    def visit(self, url: str) -> list[str]:
        """Open the page and return the violations it caused, each with the page's address."""
        response = self.page.goto(url)
        assert response is not None and response.status < 400, f"{url}: {response and response.status}"
        assert "content-security-policy" in response.headers, f"{url}: no Content-Security-Policy"
        self.page.wait_for_load_state("load")
        return [f"{url}: {violation}" for violation in self.violations()]


def _scripts_run(frame) -> bool:
    # A sandboxed frame without scripts (the admin's e-mail preview) runs no listener; its violations reach the
    # console all the same.
    try:
        return frame.evaluate("true")
    except Exception:
        return False


def test_the_watch_sees_each_kind_of_violation(page, live_server):
    # given: a page of the site's own address that breaks the policy four ways
    watch = PolicyWatch(page)
    page.route(
        f"{live_server.url}/csp-probe/",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'"},
            body=(
                "<!DOCTYPE html><html lang='en'><head><title>probe</title><style>p{color:red}</style></head>"
                "<body><p style='color:blue'>x</p><button onclick='void 0'>b</button>"
                "<script>document.title='ran'</script></body></html>"
            ),
        ),
    )

    # when
    found = watch.visit(f"{live_server.url}/csp-probe/")
    page.get_by_role("button", name="b").click()
    found += watch.violations()

    # then: the style element, the style attribute, the inline script and the handler are each reported
    assert page.title() == "probe"  # the inline script did not run
    reported = "\n".join(found)
    assert reported.count("style-src-elem") >= 1, reported
    assert reported.count("style-src-attr") >= 1, reported
    assert reported.count("script-src-elem") >= 1, reported
    assert reported.count("script-src-attr") >= 1, reported


@pytest.fixture
def programme(db, settings):
    settings.HTG_CLOCK_DATE = SEED_DAY
    staff_groups_sync()
    demo_seed(customers=30, seed=8, as_of=SEED_DAY)


def _walk(watch, live_server, paths) -> list[str]:
    found: list[str] = []
    for path in paths:
        found += watch.visit(f"{live_server.url}{path}")
    return found


def test_the_team_and_the_core_team_pages_keep_the_policy(page, live_server, programme):
    # given
    staff_user(core_team_member, "cora")
    connection = Connection.objects.order_by("id").first()
    watch = PolicyWatch(page)

    # when: the core team's day (it sees everything the team does, and the escalations)
    sign_in(page, live_server, "cora", PASSWORD)
    found = watch.signed_in()
    found += _walk(
        watch,
        live_server,
        [
            "/team/dashboard/",  # the burn-up charts (inline SVG), the what-if form
            "/team/dashboard/?as_of=2020-03-16",
            "/team/connections/",
            "/team/connections/?flow=AGS&state=invited",
            f"/team/connections/{connection.pk}/",
            f"/team/customers/{connection.customer_id}/contacts/",
            "/team/slots/",
            "/team/imports/",
            "/team/callbacks/",
            "/team/news/",
            "/team/documents/",
            "/team/escalations/",
            "/helpdesk/",
            f"/helpdesk/customers/{connection.customer_id}/",
        ],
    )
    # the bulk selection's "select all" and a step's confirmation run the app's script
    page.goto(f"{live_server.url}/team/connections/")
    page.locator("[data-select-all]").first.check()
    found += watch.violations()

    # then
    assert found == []


def test_the_helpdesk_pages_keep_the_policy(page, live_server, programme):
    staff_user(helpdesk_member, "hanna")
    customer = Customer.objects.order_by("id").first()
    watch = PolicyWatch(page)

    sign_in(page, live_server, "hanna", PASSWORD)
    found = watch.signed_in()
    page.get_by_role("searchbox").fill(customer.legal_name)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    found += watch.violations()
    found += _walk(watch, live_server, ["/helpdesk/", f"/helpdesk/customers/{customer.pk}/"])

    assert found == []


def test_the_admin_keeps_the_policy_and_its_preview_shows_an_emails_inline_styles(page, live_server, programme):
    # given: an administrator, and an e-mail template whose HTML is styled inline (as e-mail HTML is)
    admin = staff_user(UserFactory, "ada", is_superuser=True)
    template = EmailTemplate.objects.get(key="connection.live", language="en")
    template.body_html = '<p style="color: #00508c; font-weight: bold">Your connection is live.</p>'
    template.save(update_fields=["body_html"])
    connection = Connection.objects.order_by("id").first()
    plateau = Plateau.objects.order_by("number").first()
    watch = PolicyWatch(page)

    # when
    sign_in_to_admin(page, live_server, "ada", PASSWORD)
    found = watch.signed_in()
    found += _walk(
        watch,
        live_server,
        [
            "/admin/",
            "/admin/connections/",
            "/admin/connections/connection/",
            f"/admin/connections/connection/{connection.pk}/change/",
            "/admin/connections/customer/?q=B.V.",
            f"/admin/auth/user/{admin.pk}/change/",  # the groups' two-list selector (SelectFilter2)
            "/admin/auth/user/add/",
            f"/admin/plateaus/plateau/{plateau.pk}/change/",  # date fields with their calendar shortcuts
            "/admin/notifications/emailtemplate/",
            f"/admin/notifications/emailtemplate/{template.pk}/change/",
            "/admin/notifications/outboxemail/",
            "/admin/notifications/inboundbounce/",
            "/admin/axes/accessattempt/",
            f"/admin/connections/connection/{connection.pk}/delete/",
        ],
    )
    page.goto(f"{live_server.url}/admin/plateaus/plateau/{plateau.pk}/change/")
    page.get_by_role("link", name="Choose a Date").first.click()
    found += watch.violations()
    preview = watch.visit(f"{live_server.url}/admin/notifications/emailtemplate/{template.pk}/preview/")

    # then: nothing blocked, and the e-mail's HTML is shown with its own style
    assert found == []
    assert preview == []
    frame = page.frame_locator("[data-testid=preview-html]")
    expect(frame.get_by_text("Your connection is live.")).to_have_css("font-weight", "700")


def _sign_in_company(page, live_server, user) -> None:
    """A signed-in company session, as the e-mailed link leaves it (that journey is tests/browser/test_portal_*)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_the_portal_keeps_the_policy_for_a_visitor_a_company_and_a_hub(page, live_server, programme):
    # given
    walker = UserFactory(is_superuser=True)
    contact = company_contact(legal_name="Van Dam Logistiek B.V.")
    offered = walk_to(ConnectionFactory(customer=contact.customer), "slot_offered", walker)
    hub, client_customer = hub_with_client(legal_name="Klant B.V.")
    watch = PolicyWatch(page)

    # when: a visitor, then the company, then the hub
    found = _walk(watch, live_server, ["/portal/", "/portal/sign-in/", "/accounts/login/"])
    _sign_in_company(page, live_server, contact.user)
    found += _walk(
        watch,
        live_server,
        [
            "/portal/status/",
            f"/portal/connections/{offered.pk}/",
            f"/portal/connections/{offered.pk}/slot/",
            "/portal/intake/company/",
            "/portal/intake/contacts/",
            "/portal/intake/flows/",
            "/portal/intake/review/",
            "/portal/community/",
            "/portal/community/news/",
            "/portal/community/newsletters/",
            "/portal/community/documents/",
        ],
    )
    # the intake's company step shows a hub's client list only while "hub" is chosen (the app's script)
    page.goto(f"{live_server.url}/portal/intake/company/")
    page.get_by_role("radio").last.check()
    found += watch.violations()
    page.context.clear_cookies()
    _sign_in_company(page, live_server, hub.user)
    found += _walk(watch, live_server, ["/portal/clients/", "/portal/status/"])

    # then
    assert client_customer.hub_id == hub.customer_id
    assert found == []

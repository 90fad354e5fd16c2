"""Every sign-in begins a session with its limits (htg_migration/sessions.py): a company account's as a company's,
every other account's as staff's (the stricter limits).

Django's `user_logged_in` signal is the one place every sign-in passes through: the staff sign-in, the admin's, the
portal's e-mailed link and the test client's `force_login`. A new company that only verified its address has no
account; the portal begins its session itself (portal/views/account.py)."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from connections.selectors.company_access import portal_contact
from htg_migration.sessions import COMPANY, STAFF, session_begin


def session_begin_on_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    kind = COMPANY if portal_contact(user) is not None else STAFF
    session_begin(request.session, kind=kind, now=timezone.now())

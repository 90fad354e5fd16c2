"""Signing in to the companies' portal with a link sent by e-mail: no passwords for companies.

A link works once and for `HTG_PORTAL_LINK_MINUTES`; only a hash of its token is stored. Opening the link only
shows a confirm button (mail scanners that fetch links must not use them up); the POST signs in. Every request
writes a row, so the rate limits (per address and per IP address) are counted from the database and hold across
processes, and the answer to a request is the same whether the address is known or not: an unknown address gets a
link too, with which a new company verifies its address and starts the intake.
"""

import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from connections.models import Contact
from connections.permissions import may_be_company_account
from htg_migration.errors import ApplicationError
from htg_migration.rate_limits import RateLimit, rate_limit_check
from htg_migration.retention import rows_purge
from notifications.services import address_normalise, email_enqueue
from portal.models import PortalSignInLink

TOKEN_BYTES = 32
SIGN_IN_TEMPLATE = "portal.sign_in_link"

logger = logging.getLogger(__name__)


class SignInLinkInvalid(ApplicationError):
    """The link is unknown, already used or expired. `extra["email"]` is the address it was for, if known."""

    http_status = 410


@dataclass(frozen=True)
class SignInLinkRequest:
    sent: bool
    retry_after_minutes: int = 0


@dataclass(frozen=True)
class PortalSignIn:
    """A used link: the verified address, and the contact's account (None for a new company: no contact yet)."""

    email: str
    contact: Contact | None
    user: Any
    next_path: str


def sign_in_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def portal_email_normalise(email: str) -> str:
    return address_normalise(email or "")


def portal_next_path_clean(path: str) -> str:
    """A page of the portal to return to after signing in, or "" for anything else (no open redirects)."""
    path = (path or "").strip()
    if not path.startswith("/portal/") or "//" in path or "\\" in path or len(path) > 500:
        return ""
    return path


def portal_contact_for_email(email: str) -> Contact | None:
    """The contact an address signs in as: the primary one first when several companies list the address."""
    return (
        Contact.objects.filter(email__iexact=email)
        .select_related("customer", "user")
        .order_by("-is_primary", "id")
        .first()
    )


SIGN_IN_RATE_LIMIT_KIND = "portal-sign-in"


def _sign_in_rate_limit() -> RateLimit:
    return RateLimit(
        kind=SIGN_IN_RATE_LIMIT_KIND,
        window_minutes=settings.HTG_PORTAL_LINK_WINDOW_MINUTES,
        per_address=settings.HTG_PORTAL_LINKS_PER_ADDRESS,
        per_ip=settings.HTG_PORTAL_LINKS_PER_IP,
    )


@transaction.atomic
def portal_sign_in_link_request(
    *, email: str, requested_ip: str | None, language: str, next_path: str = ""
) -> SignInLinkRequest:
    """Send a sign-in link to the address, unless it or the IP address asked too often. Known and unknown
    addresses are treated alike (a row, a lookup and an e-mail each); the caller shows the same answer."""
    address = portal_email_normalise(email)
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": [_("Enter a valid e-mail address, for example name@company.nl.")]}) from None
    check = rate_limit_check(
        _sign_in_rate_limit(),
        rows=PortalSignInLink.objects.all(),
        address=address,
        requested_ip=requested_ip,
        counted={"rate_limited": False},
    )
    now = check.now
    if not check.allowed:
        PortalSignInLink.objects.create(
            email=address, requested_ip=requested_ip, rate_limited=True, created_at=now, expires_at=now
        )
        return SignInLinkRequest(sent=False, retry_after_minutes=check.retry_after_minutes)

    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = PortalSignInLink.objects.create(
        email=address,
        token_hash=sign_in_token_hash(token),
        requested_ip=requested_ip,
        next_path=portal_next_path_clean(next_path),
        created_at=now,
        expires_at=now + datetime.timedelta(minutes=settings.HTG_PORTAL_LINK_MINUTES),
    )
    contact = portal_contact_for_email(address)
    email_language = contact.language if contact else language
    email_enqueue(
        to_address=address,
        template_key=SIGN_IN_TEMPLATE,
        language=email_language if email_language in ("nl", "en") else "nl",
        context={
            "link": f"{settings.HTG_PORTAL_URL}sign-in/{token}/",
            "minutes": settings.HTG_PORTAL_LINK_MINUTES,
            "is_known": contact is not None,
            "contact_name": contact.name if contact else "",
            "company_name": contact.customer.legal_name if contact else "",
        },
        dedupe_key=f"portal-sign-in:{link.pk}",
    )
    return SignInLinkRequest(sent=True)


def _usable_link(link: PortalSignInLink | None, now: datetime.datetime) -> PortalSignInLink:
    if link is None:
        raise SignInLinkInvalid(_("This sign-in link is not valid. Ask for a new one below."))
    if link.used_at is not None:
        raise SignInLinkInvalid(
            _("This sign-in link has already been used: each link works once. Ask for a new one below."),
            {"email": link.email},
        )
    if link.expires_at <= now:
        raise SignInLinkInvalid(
            _("This sign-in link has expired: a link works for %(minutes)s minutes. Ask for a new one below.")
            % {"minutes": settings.HTG_PORTAL_LINK_MINUTES},
            {"email": link.email},
        )
    return link


def portal_sign_in_link_check(*, token: str) -> PortalSignInLink:
    """The link behind a token if it can still be used; reads only (opening the link must not use it up)."""
    link = PortalSignInLink.objects.filter(token_hash=sign_in_token_hash(token), rate_limited=False).first()
    return _usable_link(link, timezone.now())


class PortalAccountRefused(ApplicationError):
    """The account behind a contact may not sign in to the portal: it is blocked, or it is not a company account."""

    http_status = 403


def company_account_check(*, user: Any, contact: Contact) -> None:
    """Refuse an account that is blocked, or that is not a company account: staff, superuser or in any group.

    This is the one place where the portal decides whom it signs in (links and intake alike), so an account that a
    contact points at by mistake or by attack (an administrator's, say) is never signed in as that contact."""
    if not user.is_active:
        raise PortalAccountRefused(_("Your portal account is blocked. Please contact the National Customs Helpdesk."))
    if not may_be_company_account(user) or user.groups.exists():
        logger.warning("portal sign-in refused: contact %s points at a staff account (user %s)", contact.pk, user.pk)
        raise PortalAccountRefused(
            _("This address cannot be used to sign in to the portal. Please contact the National Customs Helpdesk.")
        )


def contact_user_ensure(*, contact: Contact) -> Any:
    """The contact's sign-in account, created on first sign-in: no password, not staff, in no group. An existing
    account is returned only if it is a company account (`company_account_check`); the portal never signs in any
    other. Only this function links an account to a contact: no form, admin or import can choose one."""
    contact = Contact.objects.select_for_update(of=("self",)).select_related("user").get(pk=contact.pk)
    if contact.user is not None:
        company_account_check(user=contact.user, contact=contact)
        return contact.user
    user = get_user_model()(
        username=f"portal-contact-{contact.pk}", email=contact.email, first_name=contact.name[:150], is_staff=False
    )
    user.set_unusable_password()
    user.save()
    contact.user = user
    contact.save(update_fields=["user"])
    return user


@transaction.atomic
def portal_sign_in_link_use(*, token: str) -> PortalSignIn:
    """Use the link (once: under a row lock) and return who signs in; SignInLinkInvalid if it cannot be used."""
    now = timezone.now()
    link = _usable_link(
        PortalSignInLink.objects.select_for_update()
        .filter(token_hash=sign_in_token_hash(token), rate_limited=False)
        .first(),
        now,
    )
    link.used_at = now
    link.save(update_fields=["used_at"])
    contact = portal_contact_for_email(link.email)
    user = contact_user_ensure(contact=contact) if contact is not None else None
    return PortalSignIn(email=link.email, contact=contact, user=user, next_path=link.next_path)


def portal_sign_in_links_purge(*, now: datetime.datetime, dry_run: bool = False) -> int:
    """Delete the sign-in link rows older than HTG_PORTAL_LINK_KEEP_DAYS (long past their use and the rate-limit
    window); returns how many (or, dry, would be). The retention step "sign_in_links", run nightly; running it twice
    deletes nothing more."""
    cutoff = now - datetime.timedelta(days=settings.HTG_PORTAL_LINK_KEEP_DAYS)
    return rows_purge(PortalSignInLink.objects.filter(created_at__lt=cutoff), dry_run=dry_run)

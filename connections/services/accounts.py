"""Staff accounts: the password reset. A staff member who forgot the password asks for a link by e-mail address;
the e-mail goes through the outbox like every other e-mail, and the request is rate-limited per address and per
client IP address (htg_migration/rate_limits.py). The answer is the same whether the address belongs to an account
or not. Company accounts have no password (they sign in with a link) and never get one this way."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from connections.models import Contact, StaffPasswordReset
from htg_migration.rate_limits import RateLimit, rate_limit_check
from notifications.services import address_normalise, email_enqueue

RESET_EMAIL_TEMPLATE = "staff.password_reset"


@dataclass(frozen=True)
class PasswordResetRequest:
    sent: bool
    retry_after_minutes: int = 0


def _password_reset_limit() -> RateLimit:
    return RateLimit(
        kind="staff-password-reset",
        window_minutes=settings.HTG_PASSWORD_RESET_WINDOW_MINUTES,
        per_address=settings.HTG_PASSWORD_RESETS_PER_ADDRESS,
        per_ip=settings.HTG_PASSWORD_RESETS_PER_IP,
    )


def staff_accounts_for_email(address: str) -> list:
    """The staff accounts a reset for this address reaches: active, with a password, and no company contact's."""
    return [
        user
        for user in get_user_model()
        .objects.filter(email__iexact=address, is_active=True)
        .exclude(pk__in=Contact.objects.filter(user__isnull=False).values("user_id"))
        if user.has_usable_password()
    ]


@transaction.atomic
def staff_password_reset_request(*, email: str, requested_ip: str | None, language: str) -> PasswordResetRequest:
    """Send a reset link to each staff account with this address, unless the address or the client IP address
    asked too often. Writes a row either way; the caller shows the same answer for known and unknown addresses."""
    address = address_normalise(email)
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": [_("Enter a valid e-mail address, for example name@company.nl.")]}) from None
    check = rate_limit_check(
        _password_reset_limit(),
        rows=StaffPasswordReset.objects.all(),
        address=address,
        requested_ip=requested_ip,
        counted={"rate_limited": False},
    )
    if not check.allowed:
        StaffPasswordReset.objects.create(
            email=address, requested_ip=requested_ip, rate_limited=True, created_at=check.now
        )
        return PasswordResetRequest(sent=False, retry_after_minutes=check.retry_after_minutes)
    users = staff_accounts_for_email(address)
    request_row = StaffPasswordReset.objects.create(
        email=address, requested_ip=requested_ip, accounts=len(users), created_at=check.now
    )
    base = settings.HTG_TEAM_URL.rstrip("/")
    for user in users:
        path = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        email_enqueue(
            to_address=user.email,
            template_key=RESET_EMAIL_TEMPLATE,
            language=language if language in ("nl", "en") else settings.HTG_TEAM_LANGUAGE,
            context={
                "user_name": user.get_username(),
                "link": base + path,
                "hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
            },
            dedupe_key=f"staff-password-reset:{request_row.pk}:{user.pk}",
        )
    return PasswordResetRequest(sent=True)

"""The outbox's services: writing e-mails (outbox), rendering them (rendering) and sending them (sending)."""

from notifications.selectors import address_normalise
from notifications.services.claims import CLAIM_LOCK_NAMESPACE, ClaimHolder, claim_holder_gone, claim_token
from notifications.services.outbox import (
    ERROR_MAX_LENGTH,
    EmailDraft,
    EnqueuedEmail,
    address_suppress,
    email_bounce_record,
    email_enqueue,
    email_enqueue_many,
    email_id_batches,
    outbox_email_id,
    outbox_message_id,
)
from notifications.services.rendering import email_template_render
from notifications.services.sending import (
    RecoverResult,
    email_claims_recover,
    email_send,
    email_sender,
    emails_send,
    emails_sweep,
)

__all__ = [
    "CLAIM_LOCK_NAMESPACE",
    "ERROR_MAX_LENGTH",
    "ClaimHolder",
    "EmailDraft",
    "EnqueuedEmail",
    "RecoverResult",
    "address_normalise",
    "address_suppress",
    "claim_holder_gone",
    "claim_token",
    "email_bounce_record",
    "email_claims_recover",
    "email_enqueue",
    "email_enqueue_many",
    "email_id_batches",
    "email_send",
    "email_sender",
    "email_template_render",
    "emails_send",
    "emails_sweep",
    "outbox_email_id",
    "outbox_message_id",
]

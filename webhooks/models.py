"""The event outbox and the webhooks that carry it to the companies' own systems (docs/architecture.md, "The event
outbox"). Knows nothing about connections' rules: callers give the company an event concerns, the companies that may
see it (the company and its hub), the connection, a kind and a payload."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    STATE_CHANGED = "connection.state_changed", _("a connection's state changed")
    SLOT_BOOKED = "slot.booked", _("a test slot was booked")
    SLOT_MOVED = "slot.moved", _("a test slot was moved")
    EMAIL_BOUNCED = "email.bounced", _("an e-mail to a contact bounced")
    ESCALATION_OPENED = "escalation.opened", _("an escalation was opened")


class Event(models.Model):
    """Something a company may want to know, written in the same transaction as the change (a transition, a booked
    or moved slot, a bounced e-mail, an opened escalation). Carries nothing the companies that may see it (the
    company, and its hub) may not see in the portal."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("kind"), max_length=40, choices=EventKind.choices)
    customer = models.ForeignKey("connections.Customer", on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(
        "connections.Connection", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(_("data"), default=dict)
    occurred_at = models.DateTimeField(_("occurred at"))
    # The event's place in the feed, given once its transaction has committed (`events_publish`), in the order of
    # those commits: a reader that asks `after` a position never misses an event that committed later.
    position = models.BigIntegerField(_("position"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [models.UniqueConstraint(fields=["position"], name="webhooks_event_position_unique")]
        indexes = [
            models.Index(fields=["customer", "position"], name="webhooks_event_customer"),
            models.Index(fields=["id"], name="webhooks_event_unpublished", condition=models.Q(position__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class WebhookEndpoint(models.Model):
    """An HTTPS address of a company's own system that receives the events it chooses, signed with its secret.

    The secret is shown once, when the endpoint is made; it is kept as it is (the signature needs it), never shown
    again. An endpoint whose deliveries keep failing is paused, and the contact who made it is e-mailed."""

    class State(models.TextChoices):
        ACTIVE = "active", _("active")
        PAUSED = "paused", _("paused after failing deliveries")

    customer = models.ForeignKey("connections.Customer", on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("address"), max_length=500)
    kinds = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=80, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    # Who is told when the endpoint is paused: the contact who made it, in their language, as they were then.
    owner_email = models.EmailField(_("owner's e-mail address"))
    owner_language = models.CharField(_("owner's language"), max_length=2, default="nl")
    created_at = models.DateTimeField(_("created"))
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        indexes = [models.Index(fields=["customer"], name="webhooks_endpoint_customer")]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint: written in the event's transaction (fan-out), sent by the worker at least once,
    in order per connection and endpoint, retried with doubling waits for HTG_WEBHOOK_RETRY_HOURS, then failed.

    A sender claims rows (status sending, claimed_by; committed before any request) exactly as the e-mail outbox does,
    and the sweep puts the rows of a sender that died back in the queue."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENDING = "sending", _("sending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The event's connection (or none): deliveries of one connection to one endpoint go in the order of their ids.
    connection_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"))
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    retry_until = models.DateTimeField(_("retried until"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last answer"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_by = models.CharField(max_length=64, blank=True, default="", db_default="")
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            # What a sender claims: unfinished rows, and the earlier unfinished row of the same connection.
            models.Index(
                fields=["endpoint", "connection_id", "id"],
                name="webhooks_delivery_unfinished",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            # The waiting rows in the order a claim takes them (it stops after a batch of them).
            models.Index(fields=["id"], name="webhooks_delivery_pending", condition=models.Q(status="pending")),
            models.Index(fields=["claimed_by"], name="webhooks_delivery_claimed", condition=~models.Q(claimed_by="")),
            models.Index(fields=["endpoint", "status", "id"], name="webhooks_delivery_endpoint"),
        ]

    def __str__(self) -> str:
        return f"event {self.event_id} → endpoint {self.endpoint_id} ({self.status})"

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from connections import permissions
from connections.models.customers import Customer
from plateaus.models import MessageFlow


class ConnectionState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    INVITED = "invited", _("Invited")
    # The intake is in, but the company's mail software still speaks TLS 1.1 or older: it upgrades first.
    AWAITING_TLS = "awaiting_tls", _("Intake received, waiting for TLS 1.2")
    INTAKE_RECEIVED = "intake_received", _("Intake received")
    SLOT_OFFERED = "slot_offered", _("Slot offered")
    SLOT_BOOKED = "slot_booked", _("Slot booked")
    TECHNICAL_DATA_SENT = "technical_data_sent", _("Technical data sent")
    TESTING = "testing", _("Testing")
    TEST_PASSED = "test_passed", _("Test passed")
    LIVE = "live", _("Live on HTG")
    DIGIPOORT_CLOSED = "digipoort_closed", _("Digipoort closed")
    ON_HOLD = "on_hold", _("On hold")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    MISSED = "missed", _("Missed the deadline")


S = ConnectionState
# The road to HTG in order; the side states (on hold, withdrawn, missed) are off it.
HAPPY_PATH = (
    S.PLANNED,
    S.INVITED,
    S.INTAKE_RECEIVED,
    S.SLOT_OFFERED,
    S.SLOT_BOOKED,
    S.TECHNICAL_DATA_SENT,
    S.TESTING,
    S.TEST_PASSED,
    S.LIVE,
    S.DIGIPOORT_CLOSED,
)
# Not yet live: may still be put on hold, withdrawn or missed (waiting for TLS 1.2 too: a side road of the intake).
OPEN_STATES = (*HAPPY_PATH[: HAPPY_PATH.index(S.LIVE)], S.AWAITING_TLS)
# Waiting on the customer: these steps have a due date, reminders and escalation.
WAITING_ON_CUSTOMER = (S.INVITED, S.SLOT_OFFERED, S.TESTING)
FINAL_STATES = (S.DIGIPOORT_CLOSED, S.WITHDRAWN, S.MISSED)


class Channel(models.TextChoices):
    SMTP_MSA_POP3 = "smtp_msa_pop3", _("SMTP-MSA/POP3 over TLS")
    SMTP_MTA_IPSEC = "smtp_mta_ipsec", _("SMTP-MTA over an IPsec VPN")


class TlsVersion(models.TextChoices):
    TLS_1_2 = "1.2", "TLS 1.2"
    TLS_1_3 = "1.3", "TLS 1.3"


def flow_is_open_for_migration(connection: Any) -> bool:
    return connection.flow.is_open_for_migration()


flow_is_open_for_migration.message = _(  # type: ignore[attr-defined]
    "This message flow is not open for migration yet: its government parties are not all connected to HTG."
)


def channel_is_configured(connection: Any) -> bool:
    return bool(connection.channel)


channel_is_configured.message = _(  # type: ignore[attr-defined]
    "Record the channel (SMTP-MSA/POP3 with TLS, or SMTP-MTA over IPsec) before sending the technical data."
)


def channel_is_recorded(connection: Any) -> bool:
    return bool(connection.channel)


channel_is_recorded.message = _(  # type: ignore[attr-defined]
    "Record the channel first: SMTP-MSA/POP3 over TLS 1.2 or later, or SMTP-MTA over an IPsec VPN."
)


def slot_is_reserved(connection: Any) -> bool:
    return bool(connection.bookings.filter(cancelled_at__isnull=True).exists())


slot_is_reserved.message = _(  # type: ignore[attr-defined]
    "Choose a free slot first: a connection is booked through slot planning."
)


class Connection(ConcurrentTransitionMixin, models.Model):
    """One customer's migration of one message flow to HTG. Its state changes only through transitions."""

    # No single-column indexes on the three foreign keys: the unique (customer, flow) and the (flow, state) and
    # (assigned_to, state) indexes start with them and serve the same lookups.
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="connections", db_index=False)
    flow = models.ForeignKey(MessageFlow, on_delete=models.PROTECT, related_name="connections", db_index=False)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    tls_version = models.CharField(_("TLS version"), max_length=3, choices=TlsVersion.choices, blank=True)
    vpn_peer_address = models.GenericIPAddressField(_("IPsec VPN peer address"), null=True, blank=True)
    vpn_details = models.TextField(_("IPsec VPN details"), blank=True)
    # The date the company expects to use TLS 1.2 or later, given at the intake while it still uses an older version
    # (state "awaiting_tls"); its channel is recorded when it confirms TLS 1.2.
    tls_upgrade_on = models.DateField(_("TLS 1.2 expected by"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_connections",
        verbose_name=_("team member"),
        db_index=False,
    )
    state = FSMField(_("state"), default=S.PLANNED, choices=ConnectionState.choices, protected=True, max_length=30)
    state_before_hold = models.CharField(max_length=30, blank=True, editable=False)
    state_changed_at = models.DateTimeField(_("state changed"), default=timezone.now)
    # Set on entering a step that waits on the customer (WAITING_ON_CUSTOMER), cleared on leaving it.
    due_on = models.DateField(_("due"), null=True, blank=True)
    # Reminders sent for the current due date's step (0..2); reset whenever due_on is set or cleared by a transition.
    reminder_count = models.PositiveSmallIntegerField(_("reminders sent"), default=0, db_default=0, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("connection")
        verbose_name_plural = _("connections")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "flow"], name="connection_one_per_customer_and_flow"),
            # Defence in depth for the service's checks: an MSA channel needs TLS 1.2+, an MTA one a VPN peer.
            models.CheckConstraint(
                condition=Q(channel="", tls_version="", vpn_peer_address__isnull=True)
                | Q(
                    channel=Channel.SMTP_MSA_POP3,
                    tls_version__in=[v.value for v in TlsVersion],
                    vpn_peer_address__isnull=True,
                )
                | Q(channel=Channel.SMTP_MTA_IPSEC, tls_version="", vpn_peer_address__isnull=False),
                name="connection_channel_consistent",
            ),
            models.CheckConstraint(
                condition=Q(reminder_count__gte=0, reminder_count__lte=2), name="connection_reminder_count_range"
            ),
        ]
        indexes = [
            # The list's default order (latest change first), alone and within a state.
            models.Index(fields=["state_changed_at", "id"], name="connection_changed_idx"),
            models.Index(fields=["state", "state_changed_at", "id"], name="connection_state_changed_idx"),
            # A flow's connections in a state, oldest change first: the dashboard's risk list reads the first few of
            # each (flow, state) and counts those past a due moment from the index alone.
            models.Index(fields=["flow", "state", "state_changed_at", "id"], name="connection_flow_state_idx"),
            models.Index(fields=["assigned_to", "state"], name="connection_assignee_state_idx"),
            # The list sorted by due date (either way, ids breaking ties), and the ladder's due rows. Each rung of
            # the ladder then adds an index entry: a job's cost, paid so that the page a person uses stays fast.
            models.Index(fields=["due_on", "id"], name="connection_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer.legal_name} · {self.flow.code}"

    # --- transitions: they change fields only; the service locks, saves, records and enqueues. ---

    @transition(
        field=state,
        source=S.PLANNED,
        target=S.INVITED,
        conditions=[flow_is_open_for_migration],
        permission=permissions.team_may,
        custom={"label": _("Invite")},
    )
    def invite(self) -> None:
        pass

    @transition(
        field=state,
        source=[S.PLANNED, S.INVITED],
        target=S.INTAKE_RECEIVED,
        conditions=[flow_is_open_for_migration],
        permission=permissions.company_or_team_may,
        custom={"label": _("Receive intake")},
    )
    def receive_intake(self) -> None:
        pass

    @transition(
        field=state,
        source=[S.PLANNED, S.INVITED],
        target=S.AWAITING_TLS,
        conditions=[flow_is_open_for_migration],
        permission=permissions.company_or_team_may,
        custom={"label": _("Receive intake, waiting for TLS 1.2")},
    )
    def receive_intake_awaiting_tls(self) -> None:
        pass

    @transition(
        field=state,
        source=S.AWAITING_TLS,
        target=S.INTAKE_RECEIVED,
        conditions=[channel_is_recorded],
        permission=permissions.company_or_team_may,
        custom={"label": _("Confirm TLS 1.2")},
    )
    def confirm_tls(self) -> None:
        pass

    @transition(
        field=state,
        source=S.INTAKE_RECEIVED,
        target=S.SLOT_OFFERED,
        permission=permissions.team_may,
        custom={"label": _("Offer a slot")},
    )
    def offer_slot(self) -> None:
        pass

    @transition(
        field=state,
        source=S.SLOT_OFFERED,
        target=S.SLOT_BOOKED,
        conditions=[slot_is_reserved],
        permission=permissions.company_or_team_may,
        custom={"label": _("Book the slot")},
    )
    def book_slot(self) -> None:
        pass

    @transition(
        field=state,
        source=S.SLOT_BOOKED,
        target=S.SLOT_OFFERED,
        permission=permissions.company_or_team_may,
        custom={"label": _("Reschedule")},
    )
    def reschedule(self) -> None:
        pass

    @transition(
        field=state,
        source=S.SLOT_BOOKED,
        target=S.SLOT_OFFERED,
        permission=permissions.team_may,
        custom={"label": _("Record a no-show")},
    )
    def record_no_show(self) -> None:
        pass

    @transition(
        field=state,
        source=S.SLOT_BOOKED,
        target=S.TECHNICAL_DATA_SENT,
        conditions=[channel_is_configured],
        permission=permissions.team_may,
        custom={"label": _("Send technical data")},
    )
    def send_technical_data(self) -> None:
        pass

    @transition(
        field=state,
        source=S.TECHNICAL_DATA_SENT,
        target=S.TESTING,
        permission=permissions.team_may,
        custom={"label": _("Start testing")},
    )
    def start_testing(self) -> None:
        pass

    @transition(
        field=state,
        source=S.TESTING,
        target=S.TEST_PASSED,
        permission=permissions.team_may,
        custom={"label": _("Pass the test")},
    )
    def pass_test(self) -> None:
        pass

    @transition(
        field=state,
        source=S.TEST_PASSED,
        target=S.LIVE,
        permission=permissions.team_may,
        custom={"label": _("Go live")},
    )
    def go_live(self) -> None:
        pass

    @transition(
        field=state,
        source=S.LIVE,
        target=S.DIGIPOORT_CLOSED,
        permission=permissions.team_may,
        custom={"label": _("Close the Digipoort route")},
    )
    def close_digipoort(self) -> None:
        pass

    @transition(
        field=state,
        source=list(OPEN_STATES),
        target=S.ON_HOLD,
        permission=permissions.team_may,
        custom={"label": _("Put on hold")},
    )
    def hold(self) -> None:
        self.state_before_hold = self.state

    @transition(
        field=state,
        source=S.ON_HOLD,
        target=RETURN_VALUE(*OPEN_STATES),
        permission=permissions.team_may,
        custom={"label": _("Resume")},
    )
    def resume(self) -> str:
        previous = self.state_before_hold
        self.state_before_hold = ""
        return previous

    @transition(
        field=state,
        source=[*OPEN_STATES, S.ON_HOLD],
        target=S.WITHDRAWN,
        permission=permissions.team_may,
        custom={"label": _("Withdraw (flow no longer used)")},
    )
    def withdraw(self) -> None:
        self.state_before_hold = ""

    @transition(
        field=state,
        source=[*OPEN_STATES, S.ON_HOLD],
        target=S.MISSED,
        permission=permissions.core_team_may,
        custom={"label": _("Record as missed")},
    )
    def mark_missed(self) -> None:
        self.state_before_hold = ""


class CompanyConfirmation(models.TextChoices):
    """What a company confirms in the portal without changing the state: a timeline event (from = to) the team
    reads before taking its own step (pass the test, go live). The value is the event's `transition`."""

    TEST_MESSAGES_SENT = "confirm_test_messages_sent", _("Company confirmed: test messages sent")
    READY_FOR_PRODUCTION = "confirm_ready_for_production", _("Company confirmed: ready for production")


# The state in which the company may give each confirmation.
CONFIRMATION_STATE = {
    CompanyConfirmation.TEST_MESSAGES_SENT: S.TESTING,
    CompanyConfirmation.READY_FOR_PRODUCTION: S.TEST_PASSED,
}


# The timeline event of giving a connection to a team member (or to nobody): not a state change.
ASSIGN_EVENT = "assign"


class ConnectionEvent(models.Model):
    """One step in a connection's timeline: who moved it, when, from where to where, and why. A company's
    confirmation (`CompanyConfirmation`) and an assignment (`ASSIGN_EVENT`, with `assignee`) are events too, with the
    same state before and after: whatever reads states from the timeline skips events where from = to."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="events")
    transition = models.CharField(_("step"), max_length=50)
    from_state = models.CharField(_("from"), max_length=30, choices=ConnectionState.choices)
    to_state = models.CharField(_("to"), max_length=30, choices=ConnectionState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("note"), blank=True)
    # For an assignment: to whom (None: the assignment was removed).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["connection", "created_at", "id"]
        indexes = [
            models.Index(fields=["connection", "created_at"], name="event_connection_time_idx"),
            # The dashboard's burn-up: go-lives over time (a small share of all events).
            models.Index(fields=["created_at"], name="event_live_time_idx", condition=Q(to_state="live")),
            # The burn-up's go-lives read from the index alone (no visit to the 1.9 million events' table).
            models.Index(
                fields=["created_at"],
                include=["connection"],
                name="event_went_live_idx",
                condition=Q(to_state="live") & ~Q(from_state="live"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transition}: {self.from_state} → {self.to_state}"

    @property
    def is_assignment(self) -> bool:
        return self.transition == ASSIGN_EVENT

    @property
    def company_confirmation(self) -> str:
        """The confirmation's label if this event is a company's confirmation, else an empty string."""
        if self.transition in CompanyConfirmation.values:
            return str(CompanyConfirmation(self.transition).label)
        return ""

"""The connections app's models, one module per subject; import them from here."""

from connections.models.accounts import Refusal, StaffPasswordReset
from connections.models.audit import AuditEntry
from connections.models.connections import (
    ASSIGN_EVENT,
    CONFIRMATION_STATE,
    FINAL_STATES,
    HAPPY_PATH,
    OPEN_STATES,
    WAITING_ON_CUSTOMER,
    Channel,
    CompanyConfirmation,
    Connection,
    ConnectionEvent,
    ConnectionState,
    TlsVersion,
)
from connections.models.customers import CONTACT_ORDER, Contact, Customer, HtgNumberAllocation, Language
from connections.models.escalations import Escalation
from connections.models.health import Heartbeat
from connections.models.helpdesk import CallbackRequest, HelpdeskContact, LookupAudit
from connections.models.jobs import BulkJob, BulkJobItem
from connections.models.slots import SLOT_CAPACITY_MAX, Slot, SlotBooking, TeamAvailability
from connections.models.snapshots import CompanyReadiness, DailyCount, DailyGoLive, DailySnapshot
from connections.models.submit_tokens import SubmitToken
from connections.models.traffic import TrafficEvidence

__all__ = [
    "ASSIGN_EVENT",
    "CONFIRMATION_STATE",
    "CONTACT_ORDER",
    "FINAL_STATES",
    "HAPPY_PATH",
    "OPEN_STATES",
    "SLOT_CAPACITY_MAX",
    "WAITING_ON_CUSTOMER",
    "AuditEntry",
    "BulkJob",
    "BulkJobItem",
    "CallbackRequest",
    "Channel",
    "CompanyConfirmation",
    "CompanyReadiness",
    "Connection",
    "ConnectionEvent",
    "ConnectionState",
    "Contact",
    "Customer",
    "DailyCount",
    "DailyGoLive",
    "DailySnapshot",
    "Escalation",
    "Heartbeat",
    "HelpdeskContact",
    "HtgNumberAllocation",
    "Language",
    "LookupAudit",
    "Refusal",
    "Slot",
    "SlotBooking",
    "StaffPasswordReset",
    "SubmitToken",
    "TeamAvailability",
    "TlsVersion",
    "TrafficEvidence",
]

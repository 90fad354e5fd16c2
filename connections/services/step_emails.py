"""The e-mail that tells a company about a step of its connection, queued in the same transaction as the step."""

import datetime
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from connections.ical import CalendarEvent, calendar_invitation_render, slot_booking_uid
from connections.models import CONTACT_ORDER, Connection, ConnectionEvent, ConnectionState, Contact, SlotBooking
from notifications.models import OutboxEmail
from notifications.services import email_enqueue

S = ConnectionState
# The steps a company hears about; a resumed connection is not told again of the step it returns to.
STEP_TEMPLATES = {
    S.INVITED: "connection.invited",
    S.SLOT_OFFERED: "connection.slot_offered",
    S.SLOT_BOOKED: "connection.slot_booked",
    S.TECHNICAL_DATA_SENT: "connection.technical_data_sent",
    S.TESTING: "connection.testing",
    S.LIVE: "connection.live",
    S.DIGIPOORT_CLOSED: "connection.digipoort_closed",
}
SILENT_TRANSITIONS = frozenset({"resume"})


def _day(value: datetime.date | None) -> str:
    return formats.date_format(value, "j F Y") if value else ""


def _moment(value: datetime.datetime | None, pattern: str) -> str:
    return formats.date_format(timezone.localtime(value), pattern) if value else ""


def step_email_context(*, connection: Connection, contact: Contact, language: str) -> dict[str, Any]:
    """Everything the step templates use, formatted in the contact's language (dates included)."""
    customer, flow = connection.customer, connection.flow
    plateau = flow.plateau
    portal_url = settings.HTG_PORTAL_URL
    booking = (
        SlotBooking.objects.filter(connection=connection, cancelled_at__isnull=True).select_related("slot").first()
    )
    if connection.channel == "smtp_mta_ipsec":
        technical_details = settings.HTG_TECHNICAL_DETAILS_MTA % {"peer": connection.vpn_peer_address}
    else:
        technical_details = settings.HTG_TECHNICAL_DETAILS_MSA
    with translation.override(language):
        return {
            "contact_name": contact.name,
            "company_name": customer.legal_name,
            "flow_name": flow.name,
            "htg_number": customer.htg_number or "",
            "portal_url": portal_url,
            "intake_url": f"{portal_url}intake/",
            "booking_url": f"{portal_url}slots/",
            "due_date": _day(connection.due_on),
            "window_start": _day(plateau.booking_window_start),
            "window_end": _day(plateau.booking_window_end),
            "slot_start": _moment(booking.slot.starts_at, "l j F Y H:i") if booking else "",
            "slot_end": _moment(booking.slot.ends_at, "H:i") if booking else "",
            "channel": connection.channel,
            "technical_details": technical_details,
            "live_date": _day(timezone.localtime(connection.state_changed_at).date()),
            "closed_date": _day(timezone.localtime(connection.state_changed_at).date()),
        }


def slot_invitation_attachment(*, connection: Connection, contact: Contact) -> dict[str, str] | None:
    """The booked slot as a calendar invitation (.ics) for the contact, in their language; None without an active
    booking. The UID is the booking's, so a calendar app that has it recognises the same appointment."""
    booking = (
        SlotBooking.objects.filter(connection=connection, cancelled_at__isnull=True)
        .select_related("slot__team_member")
        .first()
    )
    if booking is None:
        return None
    member = booking.slot.team_member
    member_name = member.get_full_name() or member.get_username()
    organizer_name, organizer_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    company = connection.customer.legal_name
    with translation.override(contact.language):
        flow_name = connection.flow.name  # in the active language
        event = CalendarEvent(
            uid=slot_booking_uid(booking.pk),
            stamp=booking.booked_at,
            starts_at=booking.slot.starts_at,
            ends_at=booking.slot.ends_at,
            summary=_("HTG connection %(flow)s %(company)s") % {"flow": connection.flow.code, "company": company},
            location=_("With %(name)s, HTG connection team") % {"name": member_name},
            description=_(
                "Your session with %(name)s of the HTG connection team about moving %(flow)s of %(company)s to HTG. "
                "To reschedule, use the portal: %(portal_url)s"
            )
            % {"name": member_name, "flow": flow_name, "company": company, "portal_url": settings.HTG_PORTAL_URL},
            organizer_name=organizer_name,
            organizer_email=organizer_email,
            attendee_name=contact.name,
            attendee_email=contact.email,
        )
    return {
        "filename": f"htg-slot-{booking.pk}.ics",
        "content": calendar_invitation_render(event=event),
        "mimetype": "text/calendar",
    }


def connection_step_email_enqueue(*, connection: Connection, event: ConnectionEvent) -> OutboxEmail | None:
    """Queue the step's e-mail to the company's primary contact, in their language; None if the step has none or
    the company has no contact. Must run in the transaction of the step: a rolled-back step sends nothing."""
    template_key = STEP_TEMPLATES.get(ConnectionState(event.to_state))
    if template_key is None or event.transition in SILENT_TRANSITIONS:
        return None
    # The company's first contact in Contact's order (primary first, then by name), as the ladder chooses too.
    contact = Contact.objects.filter(customer_id=connection.customer_id).order_by(*CONTACT_ORDER).first()
    if contact is None:
        return None
    attachments = []
    if event.to_state == S.SLOT_BOOKED:
        invitation = slot_invitation_attachment(connection=connection, contact=contact)
        attachments = [invitation] if invitation else []
    return email_enqueue(
        to_address=contact.email,
        template_key=template_key,
        language=contact.language,
        context=step_email_context(connection=connection, contact=contact, language=contact.language),
        dedupe_key=f"connection:{connection.pk}:{event.to_state}:{event.pk}",
        attachments=attachments,
    )

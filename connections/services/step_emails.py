"""The e-mail that tells a company about a step of its connection, queued in the same transaction as the step.

Who hears it: the company's first contact, and anyone of a company who acted (a hub booking for its client, a second
contact) or who holds the session in their calendar. A booked session travels as a calendar invitation whose UID is
the connection's: a reschedule updates that one appointment (a higher SEQUENCE), and a booking that ends without a
new one sends METHOD:CANCEL, so no old appointment stays behind in anyone's calendar.
"""

import datetime
import zoneinfo
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from connections.ical import CalendarEvent, calendar_invitation_render, slot_invitation_sequence, slot_invitation_uid
from connections.models import CONTACT_ORDER, Connection, ConnectionEvent, ConnectionState, Contact, SlotBooking
from htg_migration import clock
from notifications.services import EmailDraft, EnqueuedEmail, email_enqueue_many, email_sender
from plateaus.models import Plateau

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
SLOT_CANCELLED_TEMPLATE = "connection.slot_cancelled"


def portal_link(view_name: str, *args: Any) -> str:
    """The absolute address of a portal page, as an e-mail links to it (HTG_PORTAL_URL is the portal's root)."""
    portal_root = reverse("portal:start")
    return settings.HTG_PORTAL_URL.rstrip("/") + "/" + reverse(view_name, args=args).removeprefix(portal_root)


def _zone(connection: Connection) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(connection.flow.plateau.programme.time_zone)


def _day(value: datetime.date | None) -> str:
    return formats.date_format(value, "j F Y") if value else ""


def _moment(value: datetime.datetime, zone: zoneinfo.ZoneInfo, pattern: str) -> str:
    return formats.date_format(value.astimezone(zone), pattern)


def booking_window_first_day(*, plateau: Plateau) -> datetime.date | None:
    """The first day a slot can still be booked, as e-mails and the company's pages give it: the window's start, or
    today once the window has begun (never a day in the past)."""
    start = plateau.booking_window_start
    return max(start, clock.today()) if start else None


def session_callee(booking: SlotBooking) -> Contact | None:
    """Whom the team calls for the session: the company contact who booked it (a hub's, for its client), else the
    company's first contact."""
    return (
        _contact_of(booking.booked_by_id)
        or Contact.objects.filter(customer_id=booking.connection.customer_id).order_by(*CONTACT_ORDER).first()
    )


def time_zone_label(moment: datetime.datetime) -> str:
    """The time zone a time is given in, as a person reads it: "Amsterdam time, CEST" (in the active language)."""
    return _("Amsterdam time, %(abbreviation)s") % {"abbreviation": moment.tzname()}


def _session_context(booking: SlotBooking, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    """When the session is (in the programme's time zone, saying so) and who calls whom on which number."""
    starts_at = booking.slot.starts_at.astimezone(zone)
    caller = session_callee(booking)
    return {
        "slot_start": _moment(booking.slot.starts_at, zone, "l j F Y H:i"),
        "slot_end": _moment(booking.slot.ends_at, zone, "H:i"),
        "time_zone": time_zone_label(starts_at),
        "call_name": caller.name if caller else "",
        "call_phone": caller.phone if caller else "",
    }


def step_email_context(
    *, connection: Connection, contact: Contact, language: str, booking: SlotBooking | None = None
) -> dict[str, Any]:
    """Everything the step templates use, formatted in the contact's language (dates included; times in the
    programme's time zone)."""
    customer, flow = connection.customer, connection.flow
    plateau = flow.plateau
    zone = _zone(connection)
    if booking is None:
        booking = (
            SlotBooking.objects.filter(connection=connection, cancelled_at__isnull=True)
            .select_related("slot", "connection")
            .first()
        )
    if connection.channel == "smtp_mta_ipsec":
        technical_details = settings.HTG_TECHNICAL_DETAILS_MTA % {"peer": connection.vpn_peer_address}
    else:
        technical_details = settings.HTG_TECHNICAL_DETAILS_MSA
    changed_on = (connection.state_changed_at or clock.now()).astimezone(zone).date()
    with translation.override(language):
        context = {
            "contact_name": contact.name,
            "company_name": customer.legal_name,
            "flow_name": flow.name,
            "htg_number": customer.htg_number or "",
            "portal_url": settings.HTG_PORTAL_URL,
            "intake_url": portal_link("portal:intake"),
            "connection_url": portal_link("portal:connection", connection.pk),
            "booking_url": portal_link("portal:connection_slot", connection.pk),
            "due_date": _day(connection.due_on),
            "window_start": _day(booking_window_first_day(plateau=plateau)),
            "window_end": _day(plateau.booking_window_end),
            "slot_start": "",
            "slot_end": "",
            "rescheduled": False,
            "channel": connection.channel,
            "technical_details": technical_details,
            "live_date": _day(changed_on),
            "closed_date": _day(changed_on),
        }
        if booking is not None:
            context.update(_session_context(booking, zone))
            context["rescheduled"] = (
                SlotBooking.objects.filter(
                    connection=connection, pk__lt=booking.pk, end_reason=SlotBooking.EndReason.RESCHEDULED
                )
                .order_by("-pk")
                .exists()
            )
        return context


def _contact_of(user_id: int | None) -> Contact | None:
    return Contact.objects.filter(user_id=user_id).first() if user_id else None


def company_recipients(*, connection: Connection, actor_id: int | None, with_bookers: bool) -> list[Contact]:
    """The company's first contact (primary first, then by name, as the ladder chooses), then whoever acted, then
    (`with_bookers`) whoever booked one of the connection's sessions and so has it in their calendar: each address
    once, in that order."""
    chosen: list[Contact] = []
    first = Contact.objects.filter(customer_id=connection.customer_id).order_by(*CONTACT_ORDER).first()
    user_ids = [actor_id] if actor_id else []
    if with_bookers:
        bookers = SlotBooking.objects.filter(connection=connection, booked_by__isnull=False).order_by("pk")
        user_ids += list(bookers.values_list("booked_by_id", flat=True))
    by_user = {contact.user_id: contact for contact in Contact.objects.filter(user_id__in=user_ids)}
    for candidate in [first, *(by_user.get(user_id) for user_id in user_ids)]:
        if candidate is None or candidate.anonymised_at is not None:
            continue
        if all(candidate.email.lower() != other.email.lower() for other in chosen):
            chosen.append(candidate)
    return chosen


def slot_invitation_attachment(
    *, connection: Connection, contact: Contact, booking: SlotBooking | None = None, cancelled: bool = False
) -> dict[str, str] | None:
    """The session as a calendar invitation (.ics) for the contact, in their language: the active booking (or the
    one given) as METHOD:REQUEST, or, `cancelled`, as METHOD:CANCEL. None without a booking. The UID is the
    connection's, the SEQUENCE grows with each booking and cancellation of it, so a calendar app keeps one
    appointment and moves or removes it. The location says how the session happens, never a team member's name."""
    if booking is None:
        booking = (
            SlotBooking.objects.filter(connection=connection, cancelled_at__isnull=True)
            .select_related("slot", "connection")
            .first()
        )
    if booking is None:
        return None
    _name, organizer_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer_name, _address = parseaddr(email_sender(contact.language))
    company = connection.customer.legal_name
    bookings_before = SlotBooking.objects.filter(connection=connection, pk__lt=booking.pk).count()
    session = _session_context(booking, _zone(connection))
    with translation.override(contact.language):
        flow_name = connection.flow.name  # in the active language
        if session["call_phone"]:
            location = _("By phone: the HTG connection team calls %(name)s on %(phone)s") % {
                "name": session["call_name"],
                "phone": session["call_phone"],
            }
        else:
            location = _("By phone: the HTG connection team calls you")
        event = CalendarEvent(
            uid=slot_invitation_uid(connection.pk),
            sequence=slot_invitation_sequence(bookings_before=bookings_before, cancelled=cancelled),
            cancelled=cancelled,
            stamp=(booking.cancelled_at or clock.now()) if cancelled else booking.booked_at,
            starts_at=booking.slot.starts_at,
            ends_at=booking.slot.ends_at,
            summary=_("HTG connection %(flow)s %(company)s") % {"flow": connection.flow.code, "company": company},
            location=location,
            description=_(
                "Your session with the HTG connection team about moving %(flow)s of %(company)s to HTG. "
                "To reschedule, use the portal: %(url)s"
            )
            % {"flow": flow_name, "company": company, "url": portal_link("portal:connection_slot", connection.pk)},
            organizer_name=organizer_name,
            organizer_email=organizer_email,
            attendee_name=contact.name,
            attendee_email=contact.email,
        )
    return {
        "filename": f"htg-slot-{booking.pk}{'-cancelled' if cancelled else ''}.ics",
        "content": calendar_invitation_render(event=event),
        "mimetype": "text/calendar",
    }


def _ended_booking(*, connection: Connection, event: ConnectionEvent) -> SlotBooking | None:
    """The booking this step ended without a new one (a reschedule by the team, a no-show, a withdrawal)."""
    if event.from_state != S.SLOT_BOOKED:
        return None
    return (
        SlotBooking.objects.filter(connection=connection, cancelled_at=event.created_at)
        .select_related("slot", "connection")
        .order_by("-pk")
        .first()
    )


def connection_step_email_enqueue(*, connection: Connection, event: ConnectionEvent) -> list[EnqueuedEmail]:
    """Queue the step's e-mail to the company (`company_recipients`), each in their own language, and, when the step
    ended a booked session, its cancellation; nothing if the step has no e-mail or the company no contact. Must run in
    the transaction of the step: a rolled-back step sends nothing. Returns the rows written."""
    if event.transition in SILENT_TRANSITIONS:
        return []
    drafts: list[EmailDraft] = []
    ended = _ended_booking(connection=connection, event=event)
    if ended is not None:
        for contact in company_recipients(connection=connection, actor_id=event.actor_id, with_bookers=True):
            invitation = slot_invitation_attachment(
                connection=connection, contact=contact, booking=ended, cancelled=True
            )
            context = step_email_context(connection=connection, contact=contact, language=contact.language)
            context.update(
                _session_context(ended, _zone(connection))
                | {"rebook": connection.state == S.SLOT_OFFERED, "rescheduled": False}
            )
            drafts.append(
                EmailDraft(
                    to_address=contact.email,
                    template_key=SLOT_CANCELLED_TEMPLATE,
                    language=contact.language,
                    context=context,
                    dedupe_key=f"connection:{connection.pk}:slot_cancelled:{ended.pk}:{contact.pk}",
                    attachments=[invitation] if invitation else [],
                )
            )
    template_key = STEP_TEMPLATES.get(ConnectionState(event.to_state))
    if template_key is not None:
        booked = event.to_state == S.SLOT_BOOKED
        for position, contact in enumerate(
            company_recipients(connection=connection, actor_id=event.actor_id, with_bookers=booked)
        ):
            invitation = slot_invitation_attachment(connection=connection, contact=contact) if booked else None
            # The first recipient keeps the key the step's e-mail always had.
            suffix = "" if position == 0 else f":{contact.pk}"
            drafts.append(
                EmailDraft(
                    to_address=contact.email,
                    template_key=template_key,
                    language=contact.language,
                    context=step_email_context(connection=connection, contact=contact, language=contact.language),
                    dedupe_key=f"connection:{connection.pk}:{event.to_state}:{event.pk}{suffix}",
                    attachments=[invitation] if invitation else [],
                )
            )
    return list(email_enqueue_many(emails=drafts))

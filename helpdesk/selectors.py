"""The helpdesk's reads: the lookup, the customer on one screen, the team's callback queue."""

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordDistance, TrigramWordSimilarity
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.shortcuts import get_object_or_404

from connections.helpdesk_scripts import step_guide
from connections.models import (
    CONTACT_ORDER,
    CallbackRequest,
    Connection,
    Contact,
    Customer,
    Escalation,
    HelpdeskContact,
)
from connections.selectors.contacts import contacts_with_suppression
from connections.selectors.traffic import traffic_notices
from connections.services.htg_numbers import htg_number_normalise
from connections.validators import normalise_identifier
from notifications.models import OutboxEmail
from notifications.selectors import emails_for_addresses
from plateaus.models import Programme

LOOKUP_LIMIT = 50
RECENT_CONTACTS = 10
# Below this many characters a name search would match half the register: only identifiers are looked up.
MIN_NAME_LENGTH = 3
# Fewer digits than this would match a good part of all phone numbers: not looked up as a phone number.
MIN_PHONE_DIGITS = 6
# pg_trgm's own defaults for `%>` (word similarity) and `%` (similarity): below both, a name is not what was typed.
MIN_WORD_SIMILARITY = 0.6
MIN_SIMILARITY = 0.3


class CustomerNameKey(Func):
    """A name as the lookup compares it: without accents and in upper case ("Müller" -> "MULLER"), by the database's
    `customer_name_key` (connections migration 0023: `unaccent`, IMMUTABLE, so that a trigram GiST index holds it).
    Applied to the typed text and to `legal_name` alike, so the two sides are folded by one and the same rule."""

    function = "customer_name_key"
    output_field = TextField()


def _name_key(text: str) -> Any:
    """The key of the typed text, computed by the database as the names' are. (Typed Any: django-stubs declare the
    trigram functions' text argument a str, where Django takes an expression as well.)"""
    return CustomerNameKey(Value(text, output_field=TextField()))


def _connections_prefetch() -> Prefetch:
    return Prefetch("connections", queryset=Connection.objects.select_related("flow").order_by("flow__code", "id"))


def _phone_digits(text: str) -> str:
    """What a phone number typed in any shape ("+31 10-123 45 67", "010 1234567") has in common with the stored
    `Contact.phone_digits`: its last nine digits (the subscriber number without the 0 or country code before it).
    Empty unless the text is a phone number of at least MIN_PHONE_DIGITS digits."""
    digits = re.sub(r"\D", "", text)
    if len(digits) < MIN_PHONE_DIGITS or not re.fullmatch(r"[\d\s+\-()./]+", text.strip()):
        return ""
    return digits[-9:]


def _identifier_filters(text: str) -> tuple[Q, Q]:
    """(exact, partial): the exact identifier hits, and the partial matches on identifiers and contacts."""
    compact = normalise_identifier(text)
    htg_number = htg_number_normalise(text)
    exact = Q(eori=compact) | Q(Exists(Contact.objects.filter(customer_id=OuterRef("pk"), email__iexact=text.strip())))
    if htg_number:
        exact |= Q(htg_number=htg_number)
    if re.fullmatch(r"\d{8}", compact):
        exact |= Q(kvk_number=compact)
    partial = Q(pk__in=[])
    if len(compact) >= MIN_NAME_LENGTH:
        partial = Q(kvk_number__contains=compact) | Q(eori__contains=compact)
        partial |= Q(Exists(Contact.objects.filter(customer_id=OuterRef("pk"), email__icontains=text.strip())))
    phone_digits = _phone_digits(text)
    if phone_digits:
        partial |= Q(Exists(Contact.objects.filter(customer_id=OuterRef("pk"), phone_digits__contains=phone_digits)))
    return exact, partial


def _base(text: str) -> tuple[QuerySet[Customer], Q, Q]:
    exact, partial = _identifier_filters(text)
    queryset = (
        Customer.objects.select_related("hub")
        .prefetch_related(_connections_prefetch())
        .annotate(
            is_exact=ExpressionWrapper(exact, output_field=BooleanField()),
            name_key=CustomerNameKey("legal_name"),
        )
    )
    return queryset, exact, partial


def _candidate_ids(text: str) -> QuerySet[Any, Any]:
    """The ids of every customer the text could mean, as a UNION of parts that each use an index: equality on the
    HTG number, KvK, EORI and contact e-mail; trigram GIN indexes (migrations 0005, 0008, 0009) for names and for
    partial KvK, EORI, e-mail and phone digits. One OR over all of them would make PostgreSQL read every customer."""
    compact = normalise_identifier(text)
    parts: list[QuerySet[Any, Any]] = []

    def add(condition: Q) -> None:
        parts.append(Customer.objects.filter(condition).order_by().values("pk"))

    def add_contacts(condition: Q) -> None:
        parts.append(
            Customer.objects.filter(pk__in=Contact.objects.filter(condition).values("customer_id"))
            .order_by()
            .values("pk")
        )

    htg_number = htg_number_normalise(text)
    if htg_number:
        add(Q(htg_number=htg_number))
        if htg_number_normalise(text, prefix_required=True):  # with its prefix it can be nothing else
            return parts[0]
    if re.fullmatch(r"\d{8}", compact):
        add(Q(kvk_number=compact))
    add(Q(eori=compact))
    add_contacts(Q(email__iexact=text))
    long_enough = len(text) >= MIN_NAME_LENGTH
    if long_enough and any(character.isdigit() for character in compact):
        add(Q(kvk_number__contains=compact) | Q(eori__contains=compact))
    if long_enough and " " not in text and ("@" in text or "." in text):
        add_contacts(Q(email__icontains=text))
    phone_digits = _phone_digits(text)
    if phone_digits:  # the trigram GIN index on the stored digits (migration 0009)
        add_contacts(Q(phone_digits__contains=phone_digits))
    if long_enough and any(character.isalpha() for character in text):
        # The nearest names by trigram word distance, from the GiST index on the name key (migration 0023):
        # typo- and accent-tolerant, and a text that is part of a longer name is at distance 0. How near is near
        # enough is decided on these only.
        nearest = (
            Customer.objects.annotate(distance=TrigramWordDistance(_name_key(text), CustomerNameKey("legal_name")))
            .order_by("distance")
            .values("pk")[:LOOKUP_LIMIT]
        )
        parts.append(nearest)
    first, *rest = parts
    return first.union(*rest)


def customer_lookup(*, text: str) -> list[Customer]:
    """Customers matching what the helpdesk typed, best first, in two queries (the rows, their connections).

    An HTG number (with or without prefix, dashes or spaces), EORI, KvK number or a contact's e-mail address that
    matches exactly comes first; then partial matches on those and on phone numbers; then names by trigram
    similarity of their keys (no accents, upper case), which forgives a typo ("Bakkr Forwarding"), an accent
    ("Muller" for "Müller"), and words in another order or left out ("nedship veghel"). The candidates come from
    index-friendly parts (`_candidate_ids`); only they are scored.
    """
    text = text.strip()[:200]
    if not text:
        return []
    queryset, exact, partial = _base(text)
    if len(text) >= MIN_NAME_LENGTH:
        # Word similarity finds the text inside a longer name; whole-name similarity then prefers the closer name.
        # Both compare name keys (no accents, upper case): "Muller" is as near to "Müller" as to "Muller".
        key = _name_key(text)
        word: Any = TrigramWordSimilarity(key, "name_key")
        whole: Any = TrigramSimilarity("name_key", key)
        name_match = (
            Q(name_key__contains=key) | Q(word_score__gte=MIN_WORD_SIMILARITY) | Q(whole_score__gte=MIN_SIMILARITY)
        )
    else:
        word = whole = Value(0.0, output_field=FloatField())
        name_match = Q(pk__in=[])
    return list(
        queryset.filter(pk__in=_candidate_ids(text))
        .annotate(word_score=word, whole_score=whole, score=F("word_score") + F("whole_score"))
        .filter(exact | partial | name_match)
        .order_by(
            Case(When(is_exact=True, then=Value(0)), default=Value(1), output_field=IntegerField()),
            F("score").desc(),
            "legal_name",
            "id",
        )[:LOOKUP_LIMIT]
    )


@dataclass(frozen=True)
class ConnectionSummary:
    """One flow of the customer as the helpdesk explains it."""

    connection: Connection
    company_next: str
    customs_next: str
    script: str
    escalation: Escalation | None
    is_overdue: bool
    traffic_alert: str = ""  # production messages still via Digipoort after going live (connections.selectors.traffic)


RECENT_EMAILS = 10
UNDELIVERED_STATUSES = {OutboxEmail.Status.FAILED, OutboxEmail.Status.SUPPRESSED, OutboxEmail.Status.BOUNCED}


def customer_overview(*, customer_id: int, today: datetime.date) -> dict[str, Any]:
    """Everything the helpdesk's customer screen shows, in a fixed number of queries."""
    customer = get_object_or_404(Customer.objects.select_related("hub"), pk=customer_id)
    connections = list(
        Connection.objects.filter(customer=customer)
        .select_related("flow__plateau__programme", "assigned_to", "traffic_evidence")
        .order_by("flow__plateau__number", "flow__code", "id")
    )
    escalations = {
        escalation.connection_id: escalation
        for escalation in Escalation.objects.filter(
            connection__customer=customer, closed_at__isnull=True
        ).select_related("owner")
    }
    summaries = []
    for connection in connections:
        guide = step_guide(connection.state)
        summaries.append(
            ConnectionSummary(
                connection=connection,
                company_next=str(guide.company_next),
                customs_next=str(guide.customs_next),
                script=str(guide.script),
                escalation=escalations.get(connection.pk),
                is_overdue=connection.due_on is not None and connection.due_on < today,
                traffic_alert=next(
                    (
                        notice.text
                        for notice in traffic_notices(connection=connection, today=today)
                        if notice.kind == "still_on_digipoort"
                    ),
                    "",
                ),
            )
        )
    callbacks = list(
        CallbackRequest.objects.filter(customer=customer)
        .select_related("connection__flow", "assigned_to", "requested_by", "closed_by")
        .order_by("-created_at", "-id")[:RECENT_CONTACTS]
    )
    contacts = contacts_with_suppression(customer.contacts.order_by(*CONTACT_ORDER))
    addresses = [contact.email for contact in contacts]
    emails = emails_for_addresses(addresses, limit=RECENT_EMAILS)
    plateaus = sorted({connection.flow.plateau for connection in connections}, key=lambda plateau: plateau.number)
    programmes = sorted({plateau.programme for plateau in plateaus}, key=lambda programme: programme.deadline)
    if not programmes:  # a company without flows yet: the programme that is running
        programmes = list(Programme.objects.filter(deadline__gte=today).order_by("deadline")[:1])
    return {
        "customer": customer,
        "plateaus": plateaus,
        "programme": programmes[0] if programmes else None,
        "callback_contacts": [contact for contact in contacts if contact.anonymised_at is None],
        "clients_count": customer.clients.count() if customer.role == Customer.Role.HUB else None,
        "contacts": contacts,
        "emails": emails,
        # Folded away with the history, so the card says on its summary line how many did not arrive.
        "undelivered_emails": sum(1 for email in emails if email.status in UNDELIVERED_STATUSES),
        "summaries": summaries,
        "connections": connections,
        "helpdesk_contacts": list(
            HelpdeskContact.objects.filter(customer=customer)
            .select_related("connection__flow", "recorded_by")
            .order_by("-created_at", "-id")[:RECENT_CONTACTS]
        ),
        "open_callbacks": [callback for callback in callbacks if callback.is_open],
        "closed_callbacks": [callback for callback in callbacks if not callback.is_open],
    }


CALLBACK_SCOPES = ("all", "mine", "unassigned", "escalated")


def callback_queue(*, scope: str, user: Any, now: datetime.datetime) -> QuerySet[CallbackRequest]:
    """Open callback requests, escalated first, then overdue, then by due time; everything a row shows is loaded."""
    queryset = (
        CallbackRequest.objects.filter(status=CallbackRequest.Status.OPEN)
        .select_related("customer", "connection__flow", "assigned_to", "requested_by")
        .annotate(is_overdue=ExpressionWrapper(Q(due_at__lt=now), output_field=BooleanField()))
    )
    if scope == "mine":
        queryset = queryset.filter(assigned_to=user)
    elif scope == "unassigned":
        queryset = queryset.filter(assigned_to__isnull=True)
    elif scope == "escalated":
        queryset = queryset.filter(escalated_at__isnull=False)
    return queryset.order_by(F("escalated_at").asc(nulls_last=True), "due_at", "id")


def customer_connections(*, customer_id: int) -> list[Connection]:
    """A company's connections with their flows, for the forms that ask which one a call is about; 404 for an
    unknown company."""
    get_object_or_404(Customer.objects.only("id"), pk=customer_id)
    return list(Connection.objects.filter(customer_id=customer_id).select_related("flow").order_by("flow__code"))


def customer_callback_contacts(*, customer_id: int) -> list[Contact]:
    """The contacts a callback request may name (its form fills in the chosen one's name and phone number): the
    company's own, not anonymised ones, primary first."""
    return list(Contact.objects.filter(customer_id=customer_id, anonymised_at__isnull=True).order_by(*CONTACT_ORDER))

"""Who a news item goes to: the primary contact of each company in a segment, one row per address."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connections.models import CONTACT_ORDER, Connection, ConnectionState, Contact, Customer
from htg_migration.queries import first_of_each
from plateaus.models import MessageFlow, Plateau


class Segment:
    EVERYONE = "everyone"
    PLATEAU = "plateau"
    FLOW = "flow"
    NOT_LIVE = "not_live"
    HUBS_AND_SUPPLIERS = "hubs_and_suppliers"


SEGMENT_CHOICES = [
    (Segment.EVERYONE, gettext_lazy("Everyone")),
    (Segment.PLATEAU, gettext_lazy("Companies with a connection in a plateau")),
    (Segment.FLOW, gettext_lazy("Companies with a connection for a message flow")),
    (Segment.NOT_LIVE, gettext_lazy("Companies with a connection not yet live")),
    (Segment.HUBS_AND_SUPPLIERS, gettext_lazy("Hubs and software suppliers")),
]
# Live, closed or withdrawn: nothing left to do for this connection, so it does not count as "not yet live".
DONE_STATES = (ConnectionState.LIVE, ConnectionState.DIGIPOORT_CLOSED, ConnectionState.WITHDRAWN)


def segment_label(*, segment: str, plateau: int | None = None, flow: str | None = None) -> str:
    """The segment's description for people, in the active language, from its codes (no query): what a sending
    stores is the codes, and this is how it is shown."""
    if segment == Segment.PLATEAU:
        return _("Companies with a connection in plateau %(number)s") % {"number": plateau}
    if segment == Segment.FLOW:
        return _("Companies with a connection for %(flow)s") % {"flow": flow}
    return str(dict(SEGMENT_CHOICES).get(segment, segment))


def segment_check(*, segment: str, plateau: int | None, flow: str | None) -> str:
    """The segment's description for people; ValidationError when it is not a segment that exists."""
    if segment == Segment.PLATEAU:
        if plateau is None or not Plateau.objects.filter(number=plateau).exists():
            raise ValidationError({"plateau": [_("Choose a plateau.")]})
    elif segment == Segment.FLOW:
        if not flow or not MessageFlow.objects.filter(code=flow).exists():
            raise ValidationError({"flow": [_("Choose a message flow.")]})
    elif segment not in dict(SEGMENT_CHOICES):
        raise ValidationError({"segment": [_("Choose who receives the news.")]})
    return segment_label(segment=segment, plateau=plateau, flow=flow)


def _customers(*, segment: str, plateau: int | None, flow: str | None) -> QuerySet[Customer]:
    if segment == Segment.EVERYONE:
        return Customer.objects.all()
    if segment == Segment.HUBS_AND_SUPPLIERS:
        return Customer.objects.filter(role__in=[Customer.Role.HUB, Customer.Role.SOFTWARE_SUPPLIER])
    connections = Connection.objects.all()
    if segment == Segment.PLATEAU:
        connections = connections.filter(flow__plateau__number=plateau)
    elif segment == Segment.FLOW:
        connections = connections.filter(flow__code=flow)
    elif segment == Segment.NOT_LIVE:
        connections = connections.exclude(state__in=DONE_STATES)
    else:
        raise ValueError(f"Not a segment: {segment!r}")
    return Customer.objects.filter(id__in=connections.values("customer_id"))


def segment_recipients(*, segment: str, plateau: int | None, flow: str | None) -> QuerySet[Contact, tuple[str, str]]:
    """(address in lower case, language) per recipient, ordered by address, each address once.

    One contact per company: the primary one, or else the first (the contacts' own order). Two companies sharing
    an address get one e-mail; its language is that of the earliest contact with the address.
    """
    customers = _customers(segment=segment, plateau=plateau, flow=flow)
    chosen = first_of_each(Contact.objects.filter(customer__in=customers), by="customer_id", order=CONTACT_ORDER)
    addresses = Contact.objects.filter(id__in=chosen.values("id")).annotate(address=Lower("email"))
    return first_of_each(addresses, by="address", order=("id",)).values_list("address", "language")

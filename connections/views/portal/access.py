"""Who may open a portal page, and which companies they act for.

Every portal view is wrapped in `company_required`; every object a view loads is looked up through
`portal_customers` (or `portal_customer_get`), so a company never reaches another company's data: a guessed
or tampered id is a 404, exactly as if it did not exist.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect

from connections.models import Connection, Contact, Customer

View = Callable[..., HttpResponseBase]


def portal_contact(user: Any) -> Contact | None:
    """The company contact behind a signed-in user, or None for staff and anonymous users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    accessor = Contact._meta.get_field("user").remote_field  # the reverse one-to-one user.htg_contact
    if not accessor.is_cached(user):
        # One query for the contact and its company (the portal's header asks the company's role on every page),
        # cached where `user.htg_contact` looks, so templates and views that ask again cost nothing.
        contact = Contact.objects.select_related("customer").filter(user=user).first()
        accessor.set_cached_value(user, contact)
    cached = accessor.get_cached_value(user)
    return cached if isinstance(cached, Contact) else None


def portal_customers(user: Any) -> QuerySet[Customer]:
    """The companies this user acts for: its own, and for a hub or software supplier each client it serves."""
    contact = portal_contact(user)
    if contact is None:
        return Customer.objects.none()
    return Customer.objects.filter(Q(pk=contact.customer_id) | Q(hub_id=contact.customer_id))


def portal_customer_get(user: Any, customer_id: int) -> Customer:
    """One company the user acts for, else 404 (never 403: that would confirm the id exists)."""
    customer = portal_customers(user).filter(pk=customer_id).first()
    if customer is None:
        raise Http404
    return customer


def portal_connections(user: Any) -> QuerySet[Connection]:
    """The connections of every company the user acts for."""
    contact = portal_contact(user)
    if contact is None:
        return Connection.objects.none()
    return Connection.objects.filter(Q(customer_id=contact.customer_id) | Q(customer__hub_id=contact.customer_id))


def portal_connection_get(user: Any, connection_id: int) -> Connection:
    connection = portal_connections(user).select_related("customer", "flow").filter(pk=connection_id).first()
    if connection is None:
        raise Http404
    return connection


def company_required(view: View) -> View:
    """A signed-in company contact; anyone else is sent to the portal's sign-in page (staff get a 404)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect(f"{_sign_in_url()}?next={request.get_full_path()}")
        contact = portal_contact(request.user)
        if contact is None:
            raise Http404
        request.portal_contact = contact  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def _sign_in_url() -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("portal:sign_in")
    except NoReverseMatch:  # until the account part is mounted
        return "/portal/sign-in/"

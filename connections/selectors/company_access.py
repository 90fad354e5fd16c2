"""Which companies, and which of their connections, a signed-in company contact acts for: its own, and for a hub or
software supplier each client it serves. The portal's views look every object up through these (their 404 wrappers
are in connections/views/access.py)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from connections.models import Connection, Contact, Customer
from connections.permissions import may_be_company_account


def portal_contact(user: Any) -> Contact | None:
    """The company contact behind a signed-in user, or None for anonymous users and for any account that is not a
    company account (staff, superuser, or in a group: `permissions.may_be_company_account`), even when a contact
    points at it. Every portal page and every company permission asks this, so the rule holds in one place."""
    if not may_be_company_account(user):
        return None
    accessor = Contact._meta.get_field("user").remote_field  # the reverse one-to-one user.htg_contact
    if not accessor.is_cached(user):
        # One query for the contact and its company (the portal's header asks the company's role on every page),
        # cached where `user.htg_contact` looks, so templates and views that ask again cost nothing. The account's
        # groups are asked in the same query: a company account is in none.
        user_groups = get_user_model().groups.through.objects.filter(user_id=OuterRef("user_id"))
        contact = Contact.objects.select_related("customer").filter(user=user).exclude(Exists(user_groups)).first()
        accessor.set_cached_value(user, contact)
    cached = accessor.get_cached_value(user)
    return cached if isinstance(cached, Contact) else None


def portal_customers(user: Any) -> QuerySet[Customer]:
    """The companies this user acts for: its own, and for a hub or software supplier each client it serves."""
    contact = portal_contact(user)
    if contact is None:
        return Customer.objects.none()
    return Customer.objects.filter(Q(pk=contact.customer_id) | Q(hub_id=contact.customer_id))


def portal_connections(user: Any) -> QuerySet[Connection]:
    """The connections of every company the user acts for (`portal_customers`, the one rule). As `customer_id IN
    (those companies)`: the same rows as an OR over the join to the customer, which PostgreSQL can only answer by
    reading every connection (a hub's first page took 120 ms at 10,000 customers, 1 ms this way: the hub_id index
    finds the clients, the (customer, flow) index their connections)."""
    if portal_contact(user) is None:
        return Connection.objects.none()
    return Connection.objects.filter(customer_id__in=portal_customers(user).values("pk"))


def is_contact_account(user: Any) -> bool:
    """Whether a contact points at this account (the staff sign-in refuses such an account)."""
    return Contact.objects.filter(user=user).exists()

"""Company users for the portal tests: a Contact linked to a sign-in account, as the portal's sign-in makes them."""

from connections.models import Contact, Customer
from tests.connections.factories import ContactFactory, CustomerFactory, UserFactory


def company_contact(customer: Customer | None = None, **customer_fields) -> Contact:
    """A company (or the given one) with a contact who can sign in to the portal."""
    customer = customer or CustomerFactory(**customer_fields)
    return ContactFactory(customer=customer, user=UserFactory(is_staff=False), phone="+31 10 123 4567")


def hub_with_client(**client_fields) -> tuple[Contact, Customer]:
    """A hub's contact and one client the hub serves."""
    hub = company_contact(role=Customer.Role.HUB)
    client = CustomerFactory(hub=hub.customer, **client_fields)
    return hub, client

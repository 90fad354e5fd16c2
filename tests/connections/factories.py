import datetime
import zoneinfo

import factory
from django.contrib.auth.models import Group, User

from connections.models import Connection, Contact, Customer, Slot, SlotBooking
from connections.permissions import CONNECTION_TEAM, CORE_TEAM, HELPDESK
from plateaus.models import MessageFlow

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda number: f"user{number}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@team.example")
    is_staff = True

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set([Group.objects.get(name=name) for name in extracted])


def team_member(**kwargs) -> User:
    return UserFactory(groups=[CONNECTION_TEAM], **kwargs)


def core_team_member(**kwargs) -> User:
    return UserFactory(groups=[CORE_TEAM], **kwargs)


def helpdesk_member(**kwargs) -> User:
    return UserFactory(groups=[HELPDESK], **kwargs)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    legal_name = factory.Sequence(lambda number: f"Expeditie {number} B.V.")
    kvk_number = factory.Sequence(lambda number: f"{10000000 + number:08d}")
    eori = factory.Sequence(lambda number: f"NL{100000000 + number:09d}")
    role = Customer.Role.DIRECT


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda number: f"Contact {number}")
    email = factory.Sequence(lambda number: f"contact{number}@company.example")
    language = "nl"
    is_primary = True


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connection

    customer = factory.SubFactory(CustomerFactory)
    flow = factory.LazyFunction(lambda: MessageFlow.objects.get(code="AGS"))


class SlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Slot

    team_member = factory.SubFactory(UserFactory)
    starts_at = factory.Sequence(
        lambda number: datetime.datetime(2020, 5, 18, 9, tzinfo=AMSTERDAM) + datetime.timedelta(hours=number)
    )
    ends_at = factory.LazyAttribute(lambda slot: slot.starts_at + datetime.timedelta(hours=1))


def reserve_slot(connection, slot=None) -> SlotBooking:
    """A booking of a free slot, as the slot service makes it before the book_slot step."""
    return SlotBooking.objects.create(slot=slot or SlotFactory(), connection=connection)


def walk_to(connection, state: str, actor):
    """Move a connection from planned to `state` through the real service, doing what each step needs first."""
    from connections.services.connections import connection_channel_set
    from connections.services.transitions import connection_transition
    from tests.connections.state_machine_oracle import path_to

    if not connection.channel:
        connection_channel_set(connection_id=connection.pk, channel="smtp_msa_pop3", tls_version="1.2")
    for name in path_to(state):
        if name == "book_slot":
            reserve_slot(connection)
        connection = connection_transition(connection_id=connection.pk, transition=name, actor=actor)
    return connection

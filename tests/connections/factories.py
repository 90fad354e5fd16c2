import factory
from django.contrib.auth.models import Group, User

from connections.models import Connection, Contact, Customer
from connections.permissions import CONNECTION_TEAM, CORE_TEAM, HELPDESK
from plateaus.models import MessageFlow


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

"""Staff accounts and company accounts never mix (issue: a team member became administrator).

The attack, as it was done end to end: a connection-team member opened a customer in the Django admin, added a
contact whose sign-in account was the administrator's user id, asked a portal sign-in link for that contact's
address and, by opening it, was signed in as the administrator. Both halves of the fix are tested here: no form
chooses a contact's account, and the portal never signs in an account that is staff, superuser or in a group.
"""

import re

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from connections.models import Contact
from connections.permissions import CONNECTION_TEAM, CORE_TEAM, HELPDESK, acts_for_customer
from connections.selectors.company_access import portal_contact
from connections.services.staff import staff_groups_sync
from notifications.models import OutboxEmail
from portal.services.sign_in import PortalAccountRefused, portal_sign_in_link_use
from tests.connections.factories import ConnectionFactory, ContactFactory, CustomerFactory, UserFactory, team_member
from tests.connections.portal_factories import company_contact

pytestmark = pytest.mark.django_db

User = get_user_model()


def _sign_in_link_for(client, address: str) -> str:
    response = client.post(reverse("portal:sign_in"), {"email": address})
    assert response.status_code == 302
    email = OutboxEmail.objects.filter(template_key="portal.sign_in_link", to_address=address.lower()).latest("id")
    return re.search(r"/portal/sign-in/[A-Za-z0-9_\-]+/", email.body_text).group(0)


def _inline_post(customer, **contact_fields) -> dict[str, str]:
    """The admin's customer change form as a browser posts it, with one new contact row."""
    data = {
        "legal_name": customer.legal_name,
        "kvk_number": customer.kvk_number,
        "eori": customer.eori,
        "role": customer.role,
        "hub": "",
        "contacts-TOTAL_FORMS": "1",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
        "connections-TOTAL_FORMS": "0",
        "connections-INITIAL_FORMS": "0",
        "connections-MIN_NUM_FORMS": "0",
        "connections-MAX_NUM_FORMS": "1000",
    }
    data.update({f"contacts-0-{name}": value for name, value in contact_fields.items()})
    return data


def test_step_1_a_team_member_cannot_open_the_admin_nor_add_a_contact_linked_to_the_administrator(client):
    # given
    staff_groups_sync()
    administrator = UserFactory(username="admin", is_superuser=True)
    customer = CustomerFactory()
    client.force_login(team_member())
    url = reverse("admin:connections_customer_change", args=[customer.pk])

    # when
    page = client.get(url)
    attack = client.post(
        url, _inline_post(customer, name="Mallory", email="mallory@evil.example", language="nl", user=administrator.pk)
    )

    # then: sent to the admin's sign-in, nothing written
    assert page.status_code == attack.status_code == 302
    assert reverse("admin:login") in page["Location"]
    assert not Contact.objects.filter(customer=customer).exists()
    assert not Contact.objects.filter(user=administrator).exists()


def test_step_1_even_the_administrator_cannot_choose_a_contacts_account_in_the_admin(client):
    # given: the administrator's own form, posted with a forged account field
    administrator = UserFactory(username="admin", is_superuser=True)
    customer = CustomerFactory()
    client.force_login(administrator)

    # when
    response = client.post(
        reverse("admin:connections_customer_change", args=[customer.pk]),
        _inline_post(customer, name="Mallory", email="mallory@evil.example", language="nl", user=administrator.pk),
    )

    # then: the contact is saved, its account field ignored
    assert response.status_code == 302, response.content.decode()[:2000]
    contact = Contact.objects.get(customer=customer)
    assert contact.user is None
    assert not Contact.objects.filter(user=administrator).exists()


@pytest.mark.parametrize(
    "account",
    [
        pytest.param({"is_superuser": True, "is_staff": True}, id="administrator"),
        pytest.param({"is_staff": True}, id="staff"),
        pytest.param({"is_staff": False, "groups": [HELPDESK]}, id="in a staff group"),
    ],
)
def test_step_2_a_sign_in_link_never_signs_in_a_staff_account_that_a_contact_points_at(client, account):
    # given: a contact that points at a staff account (as the admin let a team member make one)
    staff_groups_sync()
    staff_account = UserFactory(**account)
    contact = ContactFactory(email="mallory@evil.example", user=staff_account)
    ConnectionFactory(customer=contact.customer)
    link = _sign_in_link_for(client, "mallory@evil.example")

    # when
    response = client.post(link)

    # then: refused with a clear page, nobody signed in, the admin and the workspace closed
    assert response.status_code == 403
    assert "cannot be used to sign in to the portal" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.get(reverse("portal:status")).status_code == 302  # to the portal's sign-in


def test_step_2_the_refusal_is_in_the_service_itself_not_in_a_view():
    # given
    staff_groups_sync()
    administrator = UserFactory(is_superuser=True)
    ContactFactory(email="mallory@evil.example", user=administrator)
    from portal.services.sign_in import portal_sign_in_link_request

    portal_sign_in_link_request(email="mallory@evil.example", requested_ip="192.0.2.9", language="en")
    body = OutboxEmail.objects.get(template_key="portal.sign_in_link").body_text
    token = re.search(r"/portal/sign-in/([A-Za-z0-9_\-]+)/", body).group(1)

    # when / then
    with pytest.raises(PortalAccountRefused):
        portal_sign_in_link_use(token=token)
    assert User.objects.get(pk=administrator.pk).is_superuser  # nothing about the account changed


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"is_staff": True}, id="made staff"),
        pytest.param({"is_superuser": True}, id="made superuser"),
        pytest.param({"groups": [CONNECTION_TEAM]}, id="put in a group"),
    ],
)
def test_a_company_account_that_becomes_a_staff_account_no_longer_acts_for_the_company(change):
    # given: a company contact who may act for its company
    staff_groups_sync()
    contact = company_contact()
    user = contact.user
    assert portal_contact(user) == contact
    assert acts_for_customer(user, contact.customer_id, None)

    # when
    if "groups" in change:
        user.groups.set(Group.objects.filter(name__in=change["groups"]))
    else:
        for field, value in change.items():
            setattr(user, field, value)
        user.save()
    user = User.objects.get(pk=user.pk)

    # then
    assert portal_contact(user) is None
    assert not acts_for_customer(user, contact.customer_id, None)


def test_a_company_account_cannot_sign_in_as_staff_even_with_a_password(client):
    # given: a contact's account that somehow got a password
    contact = company_contact()
    contact.user.set_password("a-long-company-password-1")
    contact.user.save()

    # when
    response = client.post(
        reverse("login"), {"username": contact.user.username, "password": "a-long-company-password-1"}
    )

    # then
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_a_staff_account_signs_in_at_the_staff_sign_in(client):
    user = team_member(username="tessa")
    user.set_password("a-long-staff-password-1")
    user.save()
    response = client.post(reverse("login"), {"username": "tessa", "password": "a-long-staff-password-1"})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


STAFF_GROUP_SETS = {
    "connection team": [CONNECTION_TEAM],
    "core team": [CONNECTION_TEAM, CORE_TEAM],
    "helpdesk": [HELPDESK],
    "staff without a group": [],
}


def _admin_forms(client, model_admin, obj) -> list[tuple[str, int, forms.BaseForm | None]]:
    """GET the add and change forms of a model admin: (url, status, the admin form if the page rendered)."""
    info = (model_admin.model._meta.app_label, model_admin.model._meta.model_name)
    urls = [reverse("admin:{}_{}_add".format(*info))]
    if obj is not None:
        urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    pages = []
    for url in urls:
        response = client.get(url)
        form = response.context["adminform"].form if response.status_code == 200 and response.context else None
        pages.append((url, response.status_code, form))
    return pages


def _account_fields(form: forms.BaseForm) -> list[str]:
    """The form's fields that could link a company contact's account: a choice of users that offers one. (A staff
    API token's form chooses among the staff groups' members only: no company account is ever among them.)"""
    company_accounts = Contact.objects.filter(user__isnull=False).values("user")
    return [
        name
        for name, field in form.fields.items()
        if isinstance(field, forms.ModelChoiceField)
        and issubclass(field.queryset.model, User)
        and (not company_accounts.exists() or field.queryset.filter(pk__in=company_accounts).exists())
    ]


def _one_object_per_admin() -> None:
    """Something to open in each admin that lists data, so the change forms are walked too."""
    contact = company_contact()
    ConnectionFactory(customer=contact.customer)


@pytest.mark.parametrize("group_set", list(STAFF_GROUP_SETS), ids=list(STAFF_GROUP_SETS))
def test_no_admin_form_is_open_to_any_staff_group(client, group_set):
    # given
    staff_groups_sync()
    _one_object_per_admin()
    client.force_login(UserFactory(is_staff=True, groups=STAFF_GROUP_SETS[group_set]))
    assert client.get(reverse("admin:index")).status_code == 302

    # when: every registered model admin's add and change form
    opened = []
    for model, model_admin in admin.site._registry.items():
        for url, status, form in _admin_forms(client, model_admin, model.objects.first()):
            if status == 200:
                opened.append((url, _account_fields(form) if form else "page"))

    # then: none renders, so none links an account
    assert opened == []


def test_no_admin_form_links_a_company_contact_to_an_account(client):
    """The administrator's forms: only the user and group admins deal with accounts; no other form links one."""
    # given
    staff_groups_sync()
    _one_object_per_admin()
    client.force_login(UserFactory(is_superuser=True))
    account_admins = {User, Group}

    # when
    linking = []
    walked = 0
    for model, model_admin in admin.site._registry.items():
        if model in account_admins:
            continue
        for url, status, form in _admin_forms(client, model_admin, model.objects.first()):
            assert status in (200, 403), url
            if form is None:
                continue
            walked += 1
            linking += [(url, name) for name in _account_fields(form)]
            response = client.get(url)
            for formset in response.context.get("inline_admin_formsets", []):
                linking += [
                    (url, f"{formset.formset.prefix}-{name}") for name in _account_fields(formset.formset.form())
                ]

    # then
    assert walked > 10
    assert linking == []

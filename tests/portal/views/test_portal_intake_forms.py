"""The intake's posted fields go through forms and formsets: hostile input is a 400 with a message next to the
field, never a server error, and the draft stays as it was."""

import pytest
from django.urls import reverse

from portal.models import IntakeDraft
from portal.services.intake import intake_draft_size
from tests.portal.views.test_portal_account_views import _sign_in

pytestmark = pytest.mark.django_db

EMAIL = "new@company.example"


def _step(name: str) -> str:
    return reverse("portal:intake_step", args=[name])


def _contacts(total: str = "1", **fields) -> dict[str, str]:
    return {
        "contacts-TOTAL_FORMS": total,
        "contacts-INITIAL_FORMS": "0",
        "contacts-0-name": "Nina",
        "contacts-0-phone": "010 1234567",
        "contacts-0-language": "nl",
        "action": "next",
        **fields,
    }


def _company(**fields) -> dict[str, str]:
    return {"legal_name": "Nieuw B.V.", "kvk_number": "12345678", "eori": "NL123456789", "role": "direct", **fields}


@pytest.fixture
def signed_in(client, programme_flows):
    _sign_in(client, EMAIL)
    client.post(_step("company"), {**_company(), "action": "save"})
    return client


def _draft() -> tuple:
    draft = IntakeDraft.objects.get(email=EMAIL)
    return draft.step, draft.data


@pytest.mark.parametrize(
    ("step", "post", "field", "message"),
    [
        ("company", _company(legal_name="Nieuw\x00B.V."), "legal_name", "Null characters are not allowed."),
        ("company", _company(eori="N" * 100_000), "eori", "Ensure this value has at most 40 characters"),
        ("company", {**_company(), "clients-TOTAL_FORMS": "²"}, "clients", "The form was incomplete"),
        ("company", {**_company(), "clients-TOTAL_FORMS": "-3"}, "clients", "The form was incomplete"),
        (
            "company",
            {**_company(role="hub"), "clients-TOTAL_FORMS": "9" * 400, "clients-INITIAL_FORMS": "0"},
            "clients",
            "Please submit at most 50 forms.",
        ),
        ("contacts", _contacts(**{"contacts-0-name": "N\x00"}), "contacts-0-name", "Null characters"),
        ("contacts", _contacts(**{"contacts-0-phone": "٣" * 31}), "contacts-0-phone", "at most 30 characters"),
        ("contacts", _contacts(total="11"), "contacts", "Please submit at most 10 forms."),
        (
            "flows",
            {"flow-AGS-used": "1", "flow-AGS-channel": "smtp_mta_ipsec", "flow-AGS-vpn_details": "\x00"},
            "flow-AGS-vpn_details",
            "Null characters",
        ),
        ("flows", {"flow-AGS-used": "1", "flow-AGS-vpn_details": "x" * 100_000}, "flow-AGS-vpn_details", "at most"),
    ],
    ids=[
        "NUL in name",
        "huge EORI",
        "superscript row count",
        "negative row count",
        "huge row count",
        "NUL in contact",
        "long phone of Arabic digits",
        "too many contacts",
        "NUL in VPN details",
        "huge VPN details",
    ],
)
def test_hostile_intake_input_is_a_400_next_to_its_field_and_the_draft_stays(signed_in, step, post, field, message):
    # given
    before = _draft()

    # when
    response = signed_in.post(_step(step), post)

    # then
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert f'href="#{field}"' in page  # the error summary links to the field
    assert _draft() == before


def test_rows_post_back_as_a_formset_and_are_saved(signed_in):
    # given: the contacts page as the browser gets it
    page = signed_in.get(_step("contacts")).content.decode()
    assert 'name="contacts-TOTAL_FORMS" value="2"' in page

    # when
    response = signed_in.post(
        _step("contacts"),
        _contacts(
            total="2",
            **{"contacts-1-name": " Piet ", "contacts-1-email": "piet@company.example", "contacts-1-language": "en"},
        ),
    )

    # then
    assert response.status_code == 302
    step, data = _draft()
    assert step == "flows"
    assert [(row["name"], row["email"], row["language"]) for row in data["contacts"]] == [
        ("Nina", EMAIL, "nl"),
        ("Piet", "piet@company.example", "en"),
    ]


def test_a_draft_over_the_size_limit_is_a_400_with_its_message_and_the_saved_draft_stays(signed_in, settings):
    # given: a limit just above the saved draft's size
    before = _draft()
    settings.HTG_INTAKE_DRAFT_MAX_BYTES = intake_draft_size(before[1]) + 100

    # when: a longer name (within its field's length) would take the draft over it
    response = signed_in.post(_step("company"), {**_company(legal_name="N" * 200), "action": "next"})

    # then
    assert response.status_code == 400
    page = response.content.decode()
    assert "The intake is too large to save: at most" in page
    assert 'href="#intake"' in page and 'id="intake"' in page  # the summary links to the form
    assert _draft() == before

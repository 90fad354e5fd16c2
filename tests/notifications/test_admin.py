"""Administrators edit templates without a deploy and preview them with example data."""

import pytest
from django.urls import reverse

from notifications.models import EmailTemplate

pytestmark = pytest.mark.django_db


def test_every_step_has_a_dutch_and_an_english_template_that_renders_its_example_data(admin_client):
    # given
    keys = [
        "connection.invited",
        "connection.slot_offered",
        "connection.slot_booked",
        "connection.technical_data_sent",
        "connection.testing",
        "connection.live",
        "connection.digipoort_closed",
        # the reminder ladder's (notifications/migrations/0003_reminder_templates.py)
        "connection.reminder",
        "hub.reminder",
        "core_team.escalation",
        # the team's daily digest (notifications/migrations/0005_digest_template.py)
        "team.digest",
        # news and newsletters (notifications/migrations/0007_news_template.py)
        "news.item",
        # the portal's sign-in link and HTG number (notifications/migrations/0008_portal_account_templates.py)
        "portal.sign_in_link",
        "customer.htg_number_issued",
        # the staff password reset (notifications/migrations/0014_staff_password_reset_template.py)
        "staff.password_reset",
        # a cancelled session and a problem report (notifications/migrations/0016_session_and_problem_emails.py)
        "connection.slot_cancelled",
        "connection.problem_reported",
        # a webhook address paused after failing deliveries (webhooks/migrations/0002_endpoint_paused_template.py)
        "webhooks.endpoint_paused",
    ]

    # then
    assert sorted(EmailTemplate.objects.values_list("key", "language")) == sorted(
        (key, language) for key in keys for language in ("en", "nl")
    )
    for template in EmailTemplate.objects.all():
        response = admin_client.get(reverse("admin:notifications_emailtemplate_preview", args=[template.pk]))
        assert response.status_code == 200
        assert response.context["error"] == ""
        assert "{{" not in response.context["subject"] + response.context["body_text"]
        assert response.context["body_text"].strip()


def test_the_preview_shows_the_technical_data_with_the_tls_requirement(admin_client):
    # given
    template = EmailTemplate.objects.get(key="connection.technical_data_sent", language="en")

    # when
    response = admin_client.get(reverse("admin:notifications_emailtemplate_preview", args=[template.pk]))

    # then
    assert response.context["subject"] == "Technical data for your HTG connection (NCTS)"
    assert "only with TLS 1.2 or later" in response.context["body_text"]
    assert "smtp.bte.example.org:587" in response.context["body_text"]
    assert 'srcdoc="&lt;p&gt;Dear Jane Smith,' in response.content.decode()


def test_a_template_with_a_syntax_error_is_refused_in_the_admin_and_nothing_changes(admin_client):
    # given
    template = EmailTemplate.objects.get(key="connection.live", language="nl")
    url = reverse("admin:notifications_emailtemplate_change", args=[template.pk])

    # when
    response = admin_client.post(
        url,
        {
            "key": template.key,
            "language": template.language,
            "subject": "{% if %}",
            "body_text": template.body_text,
            "body_html": template.body_html,
            "example_context": "{}",
        },
    )

    # then
    assert response.status_code == 200
    assert "subject" in response.context["adminform"].form.errors
    template.refresh_from_db()
    assert template.subject == "{{ flow_name }} is live op HTG"


def test_the_preview_needs_a_staff_login(client):
    template = EmailTemplate.objects.get(key="connection.live", language="nl")

    response = client.get(reverse("admin:notifications_emailtemplate_preview", args=[template.pk]))

    assert response.status_code == 302

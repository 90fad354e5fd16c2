import datetime

import factory
from django.utils import timezone

from notifications.models import EmailTemplate, OutboxEmail


class EmailTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailTemplate

    key = factory.Sequence(lambda number: f"test.template_{number}")
    language = "en"
    subject = "Hello {{ name }}"
    body_text = "Dear {{ name }},\n\nYour code is {{ code }}."
    body_html = "<p>Dear {{ name }}</p>"
    example_context = factory.LazyFunction(lambda: {"name": "Example", "code": "X1"})


class OutboxEmailFactory(factory.django.DjangoModelFactory):
    """A queued row whose task was lost: written some minutes ago, never sent."""

    class Meta:
        model = OutboxEmail

    dedupe_key = factory.Sequence(lambda number: f"test:{number}")
    template_key = "test.template"
    language = "en"
    to_address = factory.Sequence(lambda number: f"contact{number}@example.com")
    subject = "Subject"
    body_text = "Text"
    body_html = ""
    queued_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(minutes=5))

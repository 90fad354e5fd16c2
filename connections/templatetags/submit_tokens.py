"""`{% submit_token %}`: the hidden field that makes a form's submit happen once (connections.services.submit_tokens).
Put it next to `{% csrf_token %}` in a form whose submit creates a row; each rendering issues a new token."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from connections.services.submit_tokens import SUBMIT_TOKEN_FIELD, submit_token_new

register = template.Library()


@register.simple_tag
def submit_token() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', SUBMIT_TOKEN_FIELD, submit_token_new())

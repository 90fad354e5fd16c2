"""The API tokens a company contact may see: its own company's."""

from django.db.models import QuerySet

from api.models import ApiToken
from connections.models import Contact


def api_token_list(*, contact: Contact) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.filter(customer_id=contact.customer_id)
        .select_related("created_by")
        .order_by("-created_at", "-id")
    )

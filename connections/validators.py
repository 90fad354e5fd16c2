"""Validators for company identifiers; messages exist in Dutch and English."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

KVK_PATTERN = re.compile(r"^\d{8}$")
DUTCH_EORI_PATTERN = re.compile(r"^NL\d{9}$")
FOREIGN_EORI_PATTERN = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,15}$")


def validate_kvk_number(value: str) -> None:
    if not KVK_PATTERN.fullmatch(value or ""):
        raise ValidationError(
            _("A KvK number has exactly 8 digits, for example 12345678."), code="invalid_kvk", params={"value": value}
        )


def validate_eori(value: str) -> None:
    value = value or ""
    if value.startswith("NL"):
        if not DUTCH_EORI_PATTERN.fullmatch(value):
            raise ValidationError(
                _("A Dutch EORI number is NL followed by 9 digits, for example NL123456789."),
                code="invalid_eori",
                params={"value": value},
            )
        return
    if not FOREIGN_EORI_PATTERN.fullmatch(value):
        raise ValidationError(
            _("An EORI number is a two-letter country code followed by up to 15 letters or digits, e.g. DE1234567890."),
            code="invalid_eori",
            params={"value": value},
        )


def normalise_identifier(value: str) -> str:
    """Upper case, without spaces, dots or dashes: how people type KvK and EORI numbers."""
    return re.sub(r"[\s.\-]", "", value or "").upper()

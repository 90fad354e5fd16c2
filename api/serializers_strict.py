"""A write's body may hold only the fields its serializer writes: an unknown field, a misspelt one, or a read-only one
such as `state` (which changes only through a transition) is a 400 problem that names it, never silently dropped.
DRF itself ignores unknown and read-only keys, so a client that sends `{"state": "live"}` would get a 200 and
believe the state changed. Every write serializer of the API inherits this.

Query parameters are as strict (QueryParameters below; an unknown parameter: api/views/strict.py)."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers


class UnknownFieldsRefused(serializers.Serializer[Any]):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(key) for key in data if key not in writable)
            if unknown:
                raise serializers.ValidationError({key: [_("This field cannot be written here.")] for key in unknown})
        return super().to_internal_value(data)


class QueryParameters(serializers.Serializer[Any]):
    """The query parameters of an endpoint, typed as its schema lists them. A parameter given without a value
    (`?plateau=`) is refused: DRF reads a query string as a form, where a blank field counts as left out, but for the
    API a blank is no number, no choice and no cursor (a text field that allows blank, a search, takes it). Every
    query serializer of the API inherits this."""

    def blank_message(self, name: str) -> str:
        return _("Give a value, or leave the parameter out.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        blank = [
            name
            for name, field in self.fields.items()
            if self.initial_data.get(name, None) == "" and not getattr(field, "allow_blank", False)
        ]
        if blank:
            raise serializers.ValidationError({name: [self.blank_message(name)] for name in blank})
        return attrs

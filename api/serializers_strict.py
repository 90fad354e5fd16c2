"""A write's body may hold only the fields its serializer writes: an unknown field, a misspelt one, or a read-only one
such as `state` (which changes only through a transition) is a 400 problem that names it, never silently dropped.
DRF itself ignores unknown and read-only keys, so a client that sends `{"state": "live"}` would get a 200 and
believe the state changed. Every write serializer of the API inherits this."""

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

"""`field__any=values`: a lookup for long lists of plain values.

`field__in=[...]` with thousands of values costs twice: Django prepares every value through the field (most of the
time of building such a query), and PostgreSQL parses one placeholder per value. `field__any=[...]` sends the list
as one array parameter (`field = ANY(%s)`); on other databases it is `__in`. The values must already be what the
column holds (ints for ids, strings for text): they are not prepared one by one.
"""

from typing import Any

from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        if hasattr(self.rhs, "resolve_expression"):
            raise TypeError("__any takes a list of values, not a query or an expression: use __in for those.")
        return list(self.rhs)

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs_sql} = ANY(%s)", [*lhs_params, list(self.rhs)]


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # foreign keys look their lookups up on ForeignObject only

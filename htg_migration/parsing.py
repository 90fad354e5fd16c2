"""The one parser of ids and counts that arrive as text (a form field, a query parameter, a signed token).

`str.isdigit()` accepts superscripts and other Unicode digits that `int()` refuses, and `int()` refuses more than
4,300 digits: a hand-written `int(value) if value.isdigit()` turned such input into a server error. An id here is
ASCII digits only, at most 18 of them (any PostgreSQL bigint id fits), else None.
"""

import re

ID_PATTERN = re.compile(r"[0-9]{1,18}")


def parse_id(value: object) -> int | None:
    """A database id or a whole count typed as text, or None when the text is anything else (surrounding spaces
    included: a caller that allows them strips them first, as a form field does)."""
    text = str(value if value is not None else "")
    return int(text) if ID_PATTERN.fullmatch(text) else None

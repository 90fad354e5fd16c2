"""The one parser of ids typed as text: ASCII digits only, as many as a bigint has, anything else None."""

import pytest

from htg_migration.parsing import parse_id


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("42", 42),
        (" 7 ", None),  # a caller that allows spaces strips them first
        ("0", 0),
        ("9" * 18, int("9" * 18)),
        ("9" * 19, None),  # past a bigint
        ("9" * 5000, None),  # int() itself refuses this many digits
        ("²", None),  # str.isdigit() says yes, int() says no
        ("١٢", None),  # Arabic-Indic digits
        ("-3", None),
        ("3.0", None),
        ("4\x00", None),
        ("", None),
        (None, None),
    ],
)
def test_only_ascii_digits_of_a_bigint_are_an_id(text, parsed):
    assert parse_id(text) == parsed

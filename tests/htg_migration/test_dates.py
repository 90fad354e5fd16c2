"""Dates in the reader's language (issue 14 item 16): Dutch month names are lower case, also abbreviated."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from htg_migration.dates import date_pattern, date_text

DAY = datetime.date(2020, 5, 15)


@pytest.mark.parametrize(
    ("language", "pattern", "expected"),
    [
        ("nl", "j M Y", "15 mei 2020"),
        ("nl", "D j M Y", "vr 15 mei 2020"),
        ("nl", "j F Y", "15 mei 2020"),
        ("nl", "l j F Y", "vrijdag 15 mei 2020"),
        ("en", "j M Y", "15 May 2020"),
        ("en", "D j M Y", "Fri 15 May 2020"),
        ("nl", r"j \M M", "15 M mei"),  # an escaped M stays a letter
    ],
)
def test_the_date_filter_writes_months_as_the_language_does(language, pattern, expected):
    # given
    template = Template("{{ day|date:pattern }}")
    # when
    with translation.override(language):
        text = template.render(Context({"day": DAY, "pattern": pattern}))
    # then
    assert text == expected


def test_python_code_formats_the_same_way():
    with translation.override("nl"):
        assert date_text(DAY, "j M") == "15 mei"
        assert date_pattern("DATE_FORMAT") == "j F Y"  # a format setting's name is resolved, not rewritten
    with translation.override("en"):
        assert date_text(DAY, "j M") == "15 May"


def test_a_datetime_keeps_its_local_time():
    # given: 9:30 in Amsterdam, stored in UTC
    moment = datetime.datetime(2020, 5, 15, 7, 30, tzinfo=datetime.UTC)
    # when
    with translation.override("nl"):
        text = Template('{{ moment|date:"j M Y H:i" }}').render(Context({"moment": moment}))
    # then
    assert text == "15 mei 2020 09:30"

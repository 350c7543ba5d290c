"""The table rows' date filters (``casework.short_date``, ``short_date_time``, ``long_date``) write what Django's
``date`` filter writes with their format, in both languages, a date and time on its local day."""

from __future__ import annotations

import datetime

import pytest
from django.template import engines
from django.utils import timezone, translation

MOMENTS: list[datetime.date | datetime.datetime | None] = [
    *(datetime.date(2026, month, month * 2) for month in range(1, 13)),
    datetime.date(7, 1, 1),
    # Just before midnight in UTC is the next day (and month, and year) in Amsterdam.
    datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC),
    datetime.datetime(2026, 3, 1, 8, 5, tzinfo=datetime.UTC),
    timezone.now(),
    None,
]
FORMATS = {"short_date": "j b Y", "long_date": "j F Y", "short_date_time": "j b Y H:i"}


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("name", FORMATS)
def test_the_filter_writes_what_the_date_filter_writes(language: str, name: str) -> None:
    django = engines["django"]
    ours = django.from_string(f"{{% load casework %}}{{{{ day|{name} }}}}")
    theirs = django.from_string(f'{{{{ day|date:"{FORMATS[name]}" }}}}')
    moments = MOMENTS if name != "short_date_time" else [m for m in MOMENTS if type(m) is not datetime.date]
    with translation.override(language):
        for moment in moments:
            assert ours.render({"day": moment}) == theirs.render({"day": moment}), moment


def test_the_month_names_follow_the_language_of_each_render() -> None:
    template = engines["django"].from_string("{% load casework %}{{ day|short_date }} / {{ day|long_date }}")
    day = datetime.date(2026, 5, 3)
    with translation.override("nl"):
        assert template.render({"day": day}) == "3 mei 2026 / 3 mei 2026"
    with translation.override("en"):
        assert template.render({"day": day}) == "3 may 2026 / 3 May 2026"
    with translation.override("nl"):
        assert template.render({"day": datetime.date(2026, 10, 3)}) == "3 okt 2026 / 3 oktober 2026"

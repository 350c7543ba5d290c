"""The timeline's entries are written in one pass (``casework.timeline_items``): the markup is the template loop's,
byte for byte, with every user-entered value escaped, in both languages, on the page and as htmx adds them."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path

import pytest
from django.template import engines
from django.utils import timezone, translation

from cases.models import Case, Contact
from cases.templatetags.casework import LongDates, timeline_items
from cases.views.pages import TimelineEntry
from organisations.models import Organisation, User
from themes.models import Theme

# The loop the timeline template ran before (templates/cases/household/_timeline_items.html), kept as the reference.
TEMPLATE_LOOP = "{% load i18n %}" + (Path(__file__).parent / "timeline_items_loop.html").read_text()

NASTY = "<b>&\"'</b>"
CASE = Case(uuid=uuid.UUID(int=77), reference="WT-1")


def entry(
    *, number: int, confidential: bool, themes: int, note: str, corrected: bool, correctable: bool
) -> TimelineEntry:
    contact = Contact(
        uuid=uuid.UUID(int=number),
        occurred_on=datetime.date(2026, number % 12 + 1, number % 28 + 1),
        kind=list(Contact.Kind.values)[number % len(Contact.Kind.values)],
        minutes=[1, 45, 1500][number % 3],
        note=note,
        confidentiality="own_org" if confidential else "all",
        author=User(username=f"u{NASTY}", first_name=f"Ada {NASTY}", last_name="Jansen"),
        author_organisation=Organisation(name=f"Zorg {NASTY}"),
        # Just before midnight in UTC is the next day in Amsterdam: the filter shows the local day.
        corrected_at=datetime.datetime(2026, 3, 31, 23, 30, tzinfo=datetime.UTC) if corrected else None,
        correction_reason=f"Typo {NASTY}" if corrected and number % 2 else "",
    )
    return TimelineEntry(
        contact=contact,
        themes=[Theme(code=f"t{index}", name_nl=f"Thema {NASTY}", name_en=f"Theme {NASTY}") for index in range(themes)],
        correctable=correctable,
    )


TIMELINE = [
    entry(
        number=1,
        confidential=True,
        themes=2,
        note=f"Regel {NASTY}\n\nAlinea twee\nregel",
        corrected=True,
        correctable=True,
    ),
    entry(number=2, confidential=False, themes=0, note="", corrected=False, correctable=False),
    entry(number=3, confidential=False, themes=1, note="Kort", corrected=True, correctable=False),
    entry(number=4, confidential=True, themes=0, note=f"{NASTY}", corrected=False, correctable=True),
]


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("focus", [False, True])
def test_the_entries_are_the_template_loops_markup(language: str, focus: bool) -> None:
    context = {"timeline": TIMELINE, "case": CASE, "focus": focus}
    with translation.override(language):
        expected = engines["django"].from_string(TEMPLATE_LOOP).render(context)
        written = timeline_items(TIMELINE, CASE, focus)
    assert written == expected
    assert ("data-focus-next" in written) is focus


def test_every_user_entered_value_is_escaped() -> None:
    with translation.override("nl"):
        written = timeline_items(TIMELINE, CASE)
    assert NASTY not in written
    for text in ("Regel", "Ada", "Zorg", "Thema", "Typo"):
        assert f"{text} &lt;b&gt;&amp;&quot;&#x27;&lt;/b&gt;" in written, text


def test_no_entries_write_nothing() -> None:
    assert timeline_items([], CASE) == ""


@pytest.mark.parametrize("language", ["nl", "en"])
def test_long_dates_are_the_date_filters(language: str) -> None:
    template = engines["django"].from_string('{{ day|date:"j F Y" }}')
    long_date = LongDates()
    moments = [datetime.date(2026, month, month * 2) for month in range(1, 13)]
    moments += [datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC), timezone.now()]
    with translation.override(language):
        for moment in moments:
            assert long_date(moment) == template.render({"day": moment})

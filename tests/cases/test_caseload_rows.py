"""The caseload's rows are written in one pass (``casework.caseload_rows``): the markup is the template loop's,
byte for byte, with every user-entered value escaped, in both languages."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path

import pytest
from django.template import engines
from django.utils import translation

from cases.models import Case, CaseStatus, Household, Person
from cases.templatetags.casework import ShortDates, caseload_rows
from cases.views.pages import CaseloadRow
from organisations.models import Area, Team, User
from themes.models import Theme

# The loop the caseload template ran before (templates/cases/caseload.html), kept as the reference.
TEMPLATE_LOOP = "{% load i18n %}" + (Path(__file__).parent / "caseload_rows_loop.html").read_text()

NASTY = "<b>&\"'</b>"


def row(
    *, number: int, overdue: bool, members: int, coordinator: bool, themes: int, contact: bool, action: int
) -> CaseloadRow:
    """A caseload row of unsaved objects, with what ``with_caseload_summary`` annotates."""
    parent = Area(name=f"Wijk {NASTY}", kind=Area.Kind.DISTRICT, code="WK0001")
    neighbourhood = Area(
        name=f"Buurt {NASTY}", kind=Area.Kind.NEIGHBOURHOOD, code="BU0001", parent=parent if number % 2 else None
    )
    household = Household(
        uuid=uuid.UUID(int=number),
        street=f"Straat {NASTY}",
        house_number=number,
        house_number_suffix="a",
        postcode="1234AB",
        city="Stad",
        neighbourhood=neighbourhood,
    )
    case = Case(
        uuid=uuid.UUID(int=1000 + number),
        reference=f"WT {NASTY}",
        household=household,
        team=Team(name=f"Team {NASTY}"),
        status=list(CaseStatus.values)[number % 3],
        referred_on=datetime.date(2026, number % 12 + 1, number % 28 + 1),
    )
    case.contact_overdue = overdue  # type: ignore[attr-defined]
    case.last_contact_on = datetime.date(2025, (number + 5) % 12 + 1, 9) if contact else None  # type: ignore[attr-defined]
    case.next_action = f"Actie {NASTY}" if action else None  # type: ignore[attr-defined]
    case.next_action_on = datetime.date(2027, 1, 31) if action == 2 else None  # type: ignore[attr-defined]
    return CaseloadRow(
        case=case,
        members=[
            Person(first_name=f"Sem {NASTY}", surname_prefix="van", last_name=f"Dijk{index}")
            for index in range(members)
        ],
        coordinator=User(username=f"u{NASTY}", first_name=f"Ada {NASTY}", last_name="Jansen") if coordinator else None,
        themes=[Theme(code=f"t{index}", name_nl=f"Thema {NASTY}", name_en=f"Theme {NASTY}") for index in range(themes)],
    )


ROWS = [
    row(number=1, overdue=True, members=2, coordinator=True, themes=2, contact=True, action=2),
    row(number=2, overdue=False, members=0, coordinator=False, themes=0, contact=False, action=0),
    row(number=3, overdue=False, members=1, coordinator=True, themes=1, contact=True, action=1),
    row(number=4, overdue=True, members=3, coordinator=False, themes=3, contact=False, action=2),
]


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("is_team_view", [False, True])
def test_the_rows_are_the_template_loops_markup(language: str, is_team_view: bool) -> None:
    context = {"rows": ROWS, "is_team_view": is_team_view, "overdue_days": 30}
    with translation.override(language):
        expected = engines["django"].from_string(TEMPLATE_LOOP).render(context)
        written = caseload_rows(ROWS, is_team_view, 30)
    assert written == expected


def test_every_user_entered_value_is_escaped() -> None:
    with translation.override("nl"):
        written = caseload_rows(ROWS, True, 30)
    assert NASTY not in written
    assert "&lt;b&gt;&amp;&quot;&#x27;&lt;/b&gt;" in written
    for text in ("Straat", "Sem", "WT", "Team", "Ada", "Thema", "Actie", "Buurt", "Wijk"):
        assert f"{text} &lt;b&gt;" in written, text


def test_no_rows_write_nothing() -> None:
    assert caseload_rows([], False, 30) == ""


@pytest.mark.parametrize("language", ["nl", "en"])
def test_short_dates_are_the_date_filters(language: str) -> None:
    template = engines["django"].from_string('{{ day|date:"j b Y" }}')
    short_date = ShortDates()
    with translation.override(language):
        for day in (datetime.date(2026, month, month * 2) for month in range(1, 13)):
            assert short_date(day) == template.render({"day": day})
        assert short_date(datetime.date(999, 3, 1)) == template.render({"day": datetime.date(999, 3, 1)})

"""The household funding table's rows are written in one pass (``funding_tags.household_funding_rows``): the markup
is the template loop's, byte for byte, with every user-entered value escaped, in both languages."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import engines
from django.utils import translation

from cases.models import Action, Case, Person
from funding.selectors import ActionFunding, SiloBadge
from funding.templatetags.funding_tags import household_funding_rows
from organisations.models import Organisation
from themes.models import Theme

# The loop the funding template ran before (templates/funding/_household_funding.html), kept as the reference.
TEMPLATE_LOOP = "{% load i18n %}" + (Path(__file__).parent / "household_funding_rows_loop.html").read_text()

NASTY = "<b>&\"'</b>"


def row(*, number: int, status: str, silos: int, may_pay: bool, blocked: bool, beneficiary: bool) -> ActionFunding:
    action = Action(
        uuid=uuid.UUID(int=number),
        description=f"Hulp {NASTY}",
        status=status,
        case=Case(reference=f"WT {NASTY}"),
        theme=Theme(code="wonen", name_nl=f"Wonen {NASTY}", name_en=f"Housing {NASTY}"),
        delivering_organisation=Organisation(name=f"Zorg {NASTY}"),
        beneficiary=Person(first_name=f"Sem {NASTY}", last_name="Dijk") if beneficiary else None,
    )
    return ActionFunding(
        action=action,
        silos=[SiloBadge(code=f"s{index}", name=f"Wmo {NASTY}", amount=Decimal(index)) for index in range(silos)],
        allocated=Decimal("1234567.891") * number,
        spent=Decimal("0.5") * number,
        blocked=blocked,
        may_pay=may_pay,
    )


ROWS = [
    row(number=1, status="proposed", silos=0, may_pay=True, blocked=True, beneficiary=True),
    row(number=2, status="in_progress", silos=0, may_pay=False, blocked=False, beneficiary=False),
    row(number=3, status="done", silos=0, may_pay=True, blocked=False, beneficiary=True),
    row(number=4, status="approved", silos=2, may_pay=True, blocked=True, beneficiary=False),
    row(number=5, status="cancelled", silos=1, may_pay=False, blocked=False, beneficiary=True),
]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_rows_are_the_template_loops_markup(language: str) -> None:
    with translation.override(language):
        expected = engines["django"].from_string(TEMPLATE_LOOP).render({"funding": {"actions": ROWS}})
        written = household_funding_rows(ROWS)
    assert written == expected


def test_every_user_entered_value_is_escaped() -> None:
    with translation.override("nl"):
        written = household_funding_rows(ROWS)
    assert NASTY not in written
    for text in ("Hulp", "WT", "Wonen", "Zorg", "Sem", "Wmo"):
        assert f"{text} &lt;b&gt;&amp;&quot;&#x27;&lt;/b&gt;" in written, text

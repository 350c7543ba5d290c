"""The household page's case conferences are written in one pass (``casework.conference_items``): the markup is the
template loop's, byte for byte, with every user-entered value escaped, in both languages."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path

import pytest
from django.template import engines
from django.utils import translation

from cases.models import Action, CaseConference
from cases.templatetags.casework import conference_items
from organisations.models import Organisation

# The loop the conferences template ran before (templates/cases/household/_conferences.html), kept as the reference.
TEMPLATE_LOOP = "{% load i18n %}" + (Path(__file__).parent / "conference_items_loop.html").read_text()

NASTY = "<b>&\"'</b>"


def conference(*, number: int, names: int, other: bool, present: bool, agreed: int) -> CaseConference:
    item = CaseConference(
        uuid=uuid.UUID(int=number),
        held_on=datetime.date(2026, number % 12 + 1, 28),
        other_participants=f"Buurman {NASTY}" if other else "",
        household_present=present,
        decisions=f"Besluit {NASTY}\nTweede regel\r\nderde" if number % 2 else "",
    )
    item.participant_names = [f"Ada {NASTY} {index}" for index in range(names)]  # type: ignore[attr-defined]
    item.agreed_actions = [  # type: ignore[attr-defined]
        Action(description=f"Hulp {NASTY}", delivering_organisation=Organisation(name=f"Zorg {NASTY}"))
        for _ in range(agreed)
    ]
    return item


CONFERENCES = [
    conference(number=1, names=2, other=True, present=True, agreed=2),
    conference(number=2, names=0, other=False, present=False, agreed=0),
    conference(number=3, names=1, other=False, present=True, agreed=1),
]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_conferences_are_the_template_loops_markup(language: str) -> None:
    with translation.override(language):
        expected = engines["django"].from_string(TEMPLATE_LOOP).render({"conferences": CONFERENCES})
        written = conference_items(CONFERENCES)
    assert written == expected


def test_every_user_entered_value_is_escaped() -> None:
    with translation.override("nl"):
        written = conference_items(CONFERENCES)
    assert NASTY not in written
    for text in ("Buurman", "Besluit", "Ada", "Hulp", "Zorg"):
        assert f"{text} &lt;b&gt;&amp;&quot;&#x27;&lt;/b&gt;" in written, text
    assert "Tweede regel<br>derde" in written

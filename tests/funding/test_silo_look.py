"""One look per silo (colour, text colour, pattern, short label) in one Python table, used by the badges and
the household diagram; the stylesheet's silo rules are generated from it and may not drift."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from cases.diagram import silo_style
from funding import reference
from funding.models import Silo
from funding.selectors import SiloBadge
from funding.silo_look import SILO_LOOKS, contrast, look_of, silo_css

STYLESHEET = Path(settings.BASE_DIR) / "static" / "css" / "funding.css"
WHITE = "#ffffff"


def test_every_silo_of_the_reference_data_has_its_own_look() -> None:
    codes = [code for code, *_rest in reference.SILOS]
    assert sorted(SILO_LOOKS) == sorted(codes)
    assert len({look.colour.lower() for look in SILO_LOOKS.values()}) == len(codes)
    assert len({look.pattern for look in SILO_LOOKS.values()}) == len(codes)
    assert len({look.short for look in SILO_LOOKS.values()}) == len(codes)


@pytest.mark.parametrize("code", [*sorted(SILO_LOOKS), "onbekend"])
def test_each_look_meets_wcag_aa(code: str) -> None:
    look = look_of(code)
    # Text in a badge (WCAG 1.4.3): 4.5:1 against its fill.
    assert contrast(look.ink, look.colour) >= 4.5, (code, look)
    # The fill as a graphic (1.4.11): 3:1 against the white page, node and chip it stands on.
    assert contrast(look.colour, WHITE) >= 3, (code, look)


def test_the_contrast_is_computed_as_wcag_says() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_an_unknown_silo_gets_a_neutral_look_with_its_code() -> None:
    look = look_of("onbekend")
    assert look.short == "onbe" and look.colour not in {known.colour for known in SILO_LOOKS.values()}


def test_the_stylesheet_carries_the_generated_silo_rules_unchanged() -> None:
    css = STYLESHEET.read_text()
    block = re.search(r"/\* BEGIN silo look.*?\*/\n(.*?)/\* END silo look \*/", css, re.S)
    assert block is not None, "funding.css lost its generated silo block"
    assert block.group(1) == silo_css(), "regenerate it: .venv/bin/python manage.py silo_css --write"
    # Nothing outside the block colours a silo badge.
    outside = css.replace(block.group(0), "")
    assert ".silo-badge--" not in outside


def test_the_generated_rules_name_each_silos_colours() -> None:
    css = silo_css()
    for code, look in SILO_LOOKS.items():
        assert f".silo-badge--{code} {{ background: {look.colour}; color: {look.ink}; }}" in css


@pytest.mark.django_db
def test_the_badge_and_the_diagram_use_the_same_look() -> None:
    for silo in Silo.objects.all():
        badge = SiloBadge(code=silo.code, name=silo.name, amount=0)  # type: ignore[arg-type]
        style = silo_style(silo)
        assert badge.look == style.look == look_of(silo.code)
        assert badge.css_class == f"silo-badge silo-badge--{silo.code}"
        assert style.colour == badge.look.colour and style.short == badge.look.short

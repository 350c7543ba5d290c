"""Every funding form takes amounts the Dutch way, as the case forms do."""

from decimal import Decimal

import pytest
from django.utils import translation

from funding.forms import BlockageRegisterForm, DoorbraakForm

BLOCKAGE = {"reason": "other", "rule": "Art. 2.3.5 Wmo", "household_impact": "Wacht op hulp", "delay_days": "10"}


@pytest.mark.parametrize("typed", ["3.200,00", "3200,00", "3200.00", "3200", "€ 3.200,00"])
def test_the_blockage_form_reads_euros_stuck_typed_the_dutch_way(db: None, typed: str) -> None:
    with translation.override("nl"):
        form = BlockageRegisterForm(BLOCKAGE | {"euros_stuck": typed})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["euros_stuck"] == Decimal("3200.00")


@pytest.mark.parametrize("typed", ["3.200,00", "3200.00"])
def test_the_doorbraak_form_reads_an_amount_typed_the_dutch_way(typed: str) -> None:
    with translation.override("nl"):
        form = DoorbraakForm({"amount": typed, "note": ""})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal("3200.00")


def test_a_bad_amount_gets_a_message_with_an_example(db: None) -> None:
    with translation.override("nl"):
        form = BlockageRegisterForm(BLOCKAGE | {"euros_stuck": "drieduizend"})
        assert not form.is_valid()
        assert form.errors["euros_stuck"] == ["Vul een bedrag in, zoals 1.250,50."]


def test_an_amount_is_shown_back_the_dutch_way() -> None:
    with translation.override("nl"):
        form = DoorbraakForm(initial={"amount": Decimal("3200.5")})
        assert 'value="3.200,50"' in str(form["amount"])

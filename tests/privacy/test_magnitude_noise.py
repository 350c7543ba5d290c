"""The cell-key method on amounts (euros, minutes): a relative deviation taken from the cell key."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from privacy.suppression import (
    HIDDEN,
    MAGNITUDE_MAX,
    MAGNITUDE_MIN,
    amount_cell,
    magnitude_noise,
    magnitude_noise_sql,
)

KEYS = range(0, 2**32, 2**32 // 997)


def test_a_non_zero_amount_always_moves_by_at_least_the_smallest_share_and_never_more_than_the_largest() -> None:
    for amount in (Decimal("0.01"), Decimal("1.00"), Decimal("17.35"), Decimal("250.00"), Decimal("98765.43")):
        for key in KEYS:
            deviation = magnitude_noise(amount, key)
            assert deviation != 0, (amount, key)
            assert amount + deviation > 0, (amount, key)
            if amount >= 10:  # above a few cents the rounding to cents does not matter
                assert MAGNITUDE_MIN * amount - Decimal("0.01") <= abs(deviation), (amount, key)
                assert abs(deviation) <= MAGNITUDE_MAX * amount + Decimal("0.01"), (amount, key)


def test_zero_stays_zero_and_the_same_key_gives_the_same_deviation() -> None:
    assert magnitude_noise(Decimal("0"), 12345) == 0
    assert magnitude_noise(Decimal("100"), 12345) == magnitude_noise(Decimal("100"), 12345)
    # Only the key modulo 2**32 counts, as for counts.
    assert magnitude_noise(Decimal("100"), 12345) == magnitude_noise(Decimal("100"), 12345 + 2**32)


def test_both_directions_and_the_whole_range_are_used() -> None:
    shares = [magnitude_noise(Decimal("1000.00"), key) / 1000 for key in KEYS]
    assert any(share < 0 for share in shares) and any(share > 0 for share in shares)
    assert min(abs(share) for share in shares) < MAGNITUDE_MIN + Decimal("0.01")
    assert max(abs(share) for share in shares) > MAGNITUDE_MAX - Decimal("0.01")


def test_whole_minutes_move_by_whole_minutes() -> None:
    for key in KEYS:
        deviation = magnitude_noise(7, key, digits=0)
        assert deviation == int(deviation) and deviation != 0 and 7 + deviation > 0


def whole_units(amount: Decimal) -> Decimal:
    """As PostgreSQL's round(): halves away from zero (Python's round() goes to even)."""
    return amount.quantize(Decimal(1), ROUND_HALF_UP)


@pytest.mark.django_db
def test_the_sql_deviation_is_the_python_deviation() -> None:
    from django.db import connection

    amounts = [Decimal("0"), Decimal("0.01"), Decimal("0.05"), Decimal("3.33"), Decimal("1250.50"), Decimal("77777.77")]
    cases = [(amount, key) for amount in amounts for key in KEYS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a, k, {magnitude_noise_sql('a', 'k')}, {magnitude_noise_sql('round(a)', 'k', digits=0)} "  # noqa: S608
            "FROM unnest(%s::numeric[], %s::numeric[]) AS t(a, k)",
            [[amount for amount, _key in cases], [key for _amount, key in cases]],
        )
        rows = cursor.fetchall()
    assert [(amount, int(key), Decimal(cents), Decimal(whole)) for amount, key, cents, whole in rows] == [
        (amount, key, magnitude_noise(amount, key), magnitude_noise(whole_units(amount), key, digits=0))
        for amount, key in cases
    ]


def test_an_amount_is_shown_only_over_enough_households() -> None:
    assert str(amount_cell(Decimal("1234.56"), 4)) == HIDDEN  # not "<5": that would read as under five euros
    assert amount_cell(Decimal("1234.56"), 4).suppressed
    assert str(amount_cell(Decimal("1234.56"), 5)) == "1235"
    assert str(amount_cell(Decimal("0"), 0)) == "0"
    assert str(amount_cell(Decimal("12.5"), 7, digits=1)) == "12.5"

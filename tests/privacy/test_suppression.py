"""Small-cell suppression: primary, complementary (no hidden cell follows from a shown total), ratios."""

import itertools

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.suppression import (
    Suppressed,
    cell_noise,
    cell_noise_sql,
    hidden_cells,
    noise_support,
    suppress_count,
    suppress_ratio,
    suppress_table,
)


def test_a_count_under_the_threshold_shows_as_under_five() -> None:
    assert [str(suppress_count(n)) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]


@override_settings(WIJKTEAM_SUPPRESSION_THRESHOLD=10)
def test_the_threshold_comes_from_the_settings() -> None:
    assert str(suppress_count(9)) == "<10" and suppress_count(10) == 10


def test_a_ratio_with_a_denominator_under_five_is_hidden() -> None:
    assert suppress_ratio(1, 4) is None
    assert suppress_ratio(0, 0) is None
    assert suppress_ratio(2, 5) == pytest.approx(0.4)


def test_a_lone_small_cell_takes_the_smallest_other_cell_with_it() -> None:
    values = {"a": 3, "b": 40, "c": 12, "total": 55}
    shown = suppress_table(values, [("total", ["a", "b", "c"])])
    assert isinstance(shown["a"], Suppressed) and isinstance(shown["c"], Suppressed)
    assert shown["b"] == 40 and shown["total"] == 55


def test_two_small_cells_protect_each_other() -> None:
    values = {"a": 3, "b": 2, "c": 12, "total": 17}
    assert hidden_cells(values, [("total", ["a", "b", "c"])]) == {"a", "b"}


def test_when_only_zeros_remain_the_total_is_withheld() -> None:
    values = {"a": 3, "b": 0, "total": 3}
    assert hidden_cells(values, [("total", ["a", "b"])]) == {"a", "total"}


def test_a_withheld_row_total_is_covered_in_the_grand_total() -> None:
    values = {"a1": 3, "a2": 0, "a": 3, "b1": 20, "b2": 30, "b": 50, "all": 53}
    groups = [("a", ["a1", "a2"]), ("b", ["b1", "b2"]), ("all", ["a", "b"])]
    hidden = hidden_cells(values, groups)
    assert {"a1", "a"} <= hidden
    assert "b" in hidden  # else a = all - b would give a1 back
    assert {"b1", "b2"} & hidden  # and b's own members then need a second hidden cell


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=8))
def test_no_hidden_cell_can_be_recovered_from_a_shown_total(cells: list[int]) -> None:
    values = {f"c{i}": v for i, v in enumerate(cells)} | {"total": sum(cells)}
    members = [f"c{i}" for i in range(len(cells))]
    hidden = hidden_cells(values, [("total", members)])
    assert all(key in hidden for key in members if 0 < values[key] < 5)
    assert len([key for key in ["total", *members] if key in hidden]) != 1


def test_every_pair_of_small_and_large_is_handled() -> None:
    for small, large in itertools.product(range(1, 5), range(5, 9)):
        hidden = hidden_cells({"s": small, "l": large, "t": small + large}, [("t", ["s", "l"])])
        assert hidden == {"s", "l"}


@pytest.mark.parametrize("limit", [5, 10])
def test_no_perturbed_value_points_to_a_single_count_under_the_threshold(limit: int) -> None:
    sources: dict[int, set[int]] = {}
    for value in range(0, limit + 10):
        for deviation in noise_support(value, limit=limit):
            sources.setdefault(value + deviation, set()).add(value)
    assert sources[0] == {0}  # zero stays zero, and nothing else becomes zero
    assert min(sources) == 0
    for published, values in sources.items():
        small = {value for value in values if 0 < value < limit}
        assert len(small) != 1, (published, values)


def test_the_deviation_follows_the_key_and_stays_within_its_support() -> None:
    keys = range(0, 2**32, 2**32 // 997)
    for value in range(0, 12):
        deviations = {cell_noise(value, key) for key in keys}
        assert deviations == set(noise_support(value)), value
    assert cell_noise(7, 123_456_789) == cell_noise(7, 123_456_789 + 2**32)  # only the key modulo 2**32 counts


@pytest.mark.django_db
def test_the_sql_deviation_is_the_python_deviation() -> None:
    from django.db import connection

    cases = [(value, key) for value in range(0, 9) for key in range(0, 2**32, 2**32 // 113)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v, k, {cell_noise_sql('v', 'k')} FROM unnest(%s::int[], %s::numeric[]) AS t(v, k)",  # noqa: S608
            [[value for value, _key in cases], [key for _value, key in cases]],
        )
        rows = cursor.fetchall()
    assert [(value, int(key), noise) for value, key, noise in rows] == [
        (value, key, cell_noise(value, key)) for value, key in cases
    ]

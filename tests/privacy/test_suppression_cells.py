"""Display cells for figures shown one by one, and a line shown with its total."""

from hypothesis import given, settings
from hypothesis import strategies as st

from privacy.suppression import count_cell, line_cells, measure_cell, ratio_cell

counts = st.integers(min_value=0, max_value=60)


def test_a_count_below_the_threshold_shows_as_below_five():
    assert str(count_cell(4)) == "<5"
    assert count_cell(4).suppressed
    assert str(count_cell(5)) == "5"
    assert str(count_cell(0)) == "0"


def test_the_threshold_follows_the_setting(settings):
    assert str(count_cell(7)) == "7"  # the threshold is read (and kept) before the setting changes
    settings.WIJKTEAM_SUPPRESSION_THRESHOLD = 10
    assert str(count_cell(9)) == "<10"
    assert str(count_cell(10)) == "10"
    settings.WIJKTEAM_SUPPRESSION_THRESHOLD = 5
    assert str(count_cell(7)) == "7"


def test_a_ratio_over_fewer_than_five_households_is_hidden():
    assert ratio_cell(2, 4).suppressed
    assert ratio_cell(None, 10).suppressed
    assert str(ratio_cell(3, 5)) == "60%"
    assert measure_cell(12.0, 4).suppressed
    assert str(measure_cell(12.04, 5)) == "12.0"


@settings(max_examples=300, deadline=None)
@given(st.lists(counts, min_size=1, max_size=12))
def test_no_suppressed_cell_can_be_recovered_from_the_total(values):
    cells = line_cells(values)
    hidden = [c.suppressed for c in cells]
    for cell, value in zip(cells, values, strict=True):
        if 0 < value < 5:
            assert cell.suppressed, "every small cell is suppressed"
        if not cell.suppressed:
            assert cell.value == value
    if any(hidden) and sum(1 for v in values if v > 0) >= 2:
        assert sum(hidden) >= 2, "one hidden cell would equal the total minus the shown ones"
        hidden_sum = sum(v for v, h in zip(values, hidden, strict=True) if h)
        total = sum(values)
        # Either enough is hidden to blur each hidden cell, or the total itself is too small to be shown.
        assert hidden_sum >= 5 or total < 5


@settings(max_examples=200, deadline=None)
@given(st.lists(counts, min_size=1, max_size=12))
def test_a_line_shown_without_its_total_only_hides_small_cells(values):
    cells = line_cells(values, total_shown=False)
    assert [c.suppressed for c in cells] == [0 < v < 5 for v in values]

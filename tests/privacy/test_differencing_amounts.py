"""The differencing attacker's own rules (``monitoring/differencing.py``): they do not pass by construction.

``test_differencing.py`` runs the attacker on the demo seed and finds nothing; these tests show, on a few
figures built by hand, that its indexed search does find a pair, a triple and a parent minus its visible
children, and that its recovery rules name a count or an amount published exactly.
"""

from __future__ import annotations

from monitoring.differencing import Grid, Index, Measure, Result, attack
from privacy import suppression

A, B, C, D = (1 << i for i in range(4))


def _measure(kind: str, truth: dict[int, float], shown: dict[int, float], hidden: int) -> Measure:
    measure = Measure(kind)
    for bit, value in truth.items():
        measure.truth[bit] = value
    for mask, value in shown.items():
        measure.learn(mask, suppression.Cell(value, str(value)))
    measure.learn(hidden, suppression.Cell(None, suppression.HIDDEN))
    return measure


def test_the_search_finds_a_pair_a_triple_and_a_parent_minus_its_children() -> None:
    shown = {A | B | C | D: 100.0, B | C | D: 97.0, B: 10.0, C | D: 87.0}
    result = Result()
    assert Index(shown).derived_values(A, result) == {3.0}  # (A+B+C+D) - (B+C+D)
    assert result.pairs >= 1
    # Without B+C+D: the parent minus B minus C+D (a triple).
    shown.pop(B | C | D)
    result = Result()
    assert Index(shown).derived_values(A, result) == {3.0}
    assert result.triples >= 1
    # Without C+D but with C and D: the parent minus three visible children (a cover).
    shown.pop(C | D)
    shown.update({C: 40.0, D: 47.0})
    result = Result()
    assert Index(shown).derived_values(A, result) == {3.0}
    assert result.covers >= 1
    # A figure whose rest no shown figure reaches gives nothing.
    assert Index({A | B: 5.0}).derived_values(A, Result()) == set()


def test_the_attackers_count_rule_finds_an_exact_count() -> None:
    """Published without deviation, a withheld count of 2 comes back as total minus the rest."""
    exact = _measure("count", {0: 2, 1: 40}, {A | B: 42, B: 40}, A)
    result = Result()
    attack({"inflow": exact}, result, count_support=lambda value: [0])
    assert result.recovered == [("inflow", 2)]
    # Under the published deviations, a derived 3 could have been 1, 2, 3 or 4: not recovered.
    perturbed = _measure("count", {0: 2, 1: 40}, {A | B: 43, B: 40}, A)
    result = Result()
    attack({"inflow": perturbed}, result)
    assert result.targets == 1 and result.recovered == []


def test_the_attackers_amount_rule_finds_an_exact_amount() -> None:
    """An amount published exactly is recovered by a difference; one moved by 10-30% is not."""
    measure = _measure("amount", {0: 1000.0, 1: 30.0}, {A | B: 1030.0, A: 1000.0}, B)
    exact, perturbed = Result(), Result()
    attack({"money": measure}, exact, magnitude_max=None)
    attack({"money": measure}, perturbed, magnitude_max=0.3)
    assert exact.recovered == [("money", 30.0)]
    assert perturbed.recovered == [] and perturbed.near == 1


def test_the_grid_gives_each_buurt_month_and_layer_its_own_base_cell() -> None:
    grid = Grid(["b1", "b2"], ["m1", "m2", "m3"])
    assert grid.mask(["b1", "b2"], ["m2"]) == (1 << grid.bit("b1", "m2")) | (1 << grid.bit("b2", "m2"))
    assert grid.layers(grid.mask(["b1"], ["m1"]), [0, 2]) == (1 << grid.bit("b1", "m1")) | (
        1 << grid.bit("b1", "m1", 2)
    )
    assert len({grid.bit(b, m, layer) for b in ("b1", "b2") for m in ("m1", "m2", "m3") for layer in (0, 1)}) == 12

"""Small-cell suppression for every aggregate built from personal data.

Primary suppression: a count of households (or of anything that stands for
households) from 1 up to the threshold (``WIJKTEAM_SUPPRESSION_THRESHOLD``,
default 5) is shown as "<5". Zero is shown: it identifies no household.

Complementary suppression: when a table also publishes totals, each total
and its cells form an equation (total = sum of cells); with exactly one
unknown in it, that unknown can be worked out. So wherever one value of such
a group is hidden, a second goes with it (the smallest visible non-zero cell;
when there is none, the total). This repeats until stable, so totals that
are themselves cells of a larger group (row totals in a grand total) are
covered too.

A ratio is hidden when its denominator is below the threshold.

Screens that show figures one by one (the monitoring dashboard) use the
``*_cell`` functions: they return a ``Cell`` that carries both the value (None
when withheld) and the text to show. ``line_cells`` suppresses a line shown
with its total and, stricter than one equation per group, hides cells until
the hidden ones together hold at least a threshold's worth of households.

The cell-key method (the monitoring summaries; why and how in
``docs/suppression.md``): cell suppression within one table cannot hold when
the bureau may choose any area and any run of months, because one view minus
another is a third. So every count in a summary row (a buurt and a month, the
finest cell any view is built from) gets a deterministic deviation, taken from
the row's *cell key*: the sum, modulo 2**32, of the record keys of the
households counted in it (a keyed hash of each household id, computed in SQL
when the summaries are refreshed). The same households give the same key and
so the same deviation, every time. Every published figure is a sum of such
perturbed cells, so every view, and every difference of views, is a sum of
perturbed cells too: an attacker can at best learn a perturbed cell, and the
deviations (``noise_support``) are chosen so that no perturbed value points to
a single count under the threshold. Zero stays zero: it identifies no one.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

K = TypeVar("K", bound=Hashable)

HIDDEN = "\u2013"  # an en dash: "not shown"


@functools.cache
def threshold() -> int:
    """The setting, read once: the national printable page asks for it some 14,000 times."""
    return int(settings.WIJKTEAM_SUPPRESSION_THRESHOLD)


@receiver(setting_changed)
def _threshold_changed(*, setting: str, **kwargs: object) -> None:
    if setting == "WIJKTEAM_SUPPRESSION_THRESHOLD":
        threshold.cache_clear()


# --- The cell-key method ----------------------------------------------------------------------------

KEY_SPACE = 2**32
# How far a count may be moved, and how likely each deviation is (weights, renormalised over the
# deviations a count allows). Published so that users know what the figures are worth.
MAX_DEVIATION = 2
DEVIATION_WEIGHTS = {-2: 1, -1: 2, 0: 4, 1: 2, 2: 1}


def noise_support(value: int, *, limit: int | None = None) -> list[int]:
    """The deviations a true count ``value`` can get, smallest first.

    Zero stays zero, and no other count becomes zero (or negative). The largest count under
    the threshold cannot take the largest deviation: otherwise the perturbed value
    ``limit - 1 + MAX_DEVIATION`` could only have come from it. With these rules every
    perturbed value is reachable from none or at least two counts under the threshold.
    """
    limit = threshold() if limit is None else limit
    if value <= 0:
        return [0]
    highest = MAX_DEVIATION - 1 if value == limit - 1 else MAX_DEVIATION
    return list(range(max(-MAX_DEVIATION, 1 - value), highest + 1))


def _value_classes(limit: int) -> list[tuple[int | None, list[tuple[int, int]]]]:
    """Per value (None: every value from the threshold up), the deviations with the key bound below
    which each is taken (the inverse distribution function on the key space)."""
    classes: list[tuple[int | None, list[tuple[int, int]]]] = []
    for value in [*range(1, limit), None]:
        support = noise_support(limit if value is None else value, limit=limit)
        total = sum(DEVIATION_WEIGHTS[d] for d in support)
        bounds, running = [], 0
        for deviation in support:
            running += DEVIATION_WEIGHTS[deviation]
            bounds.append((deviation, KEY_SPACE * running // total))
        classes.append((value, bounds))
    return classes


def cell_noise(value: int, key: int, *, limit: int | None = None) -> int:
    """The deviation of a count ``value`` whose contributors' record keys sum to ``key``."""
    limit = threshold() if limit is None else limit
    if value <= 0:
        return 0
    position = key % KEY_SPACE
    for class_value, bounds in _value_classes(limit):
        if class_value is None or class_value == value:
            return next(deviation for deviation, bound in bounds if position < bound)
    raise AssertionError("unreachable: the last class takes every value")


def record_key_sql(household_id: str, *, salt: int = 0) -> str:
    """SQL for a household's record key: a keyed hash in [0, 2**32). ``%(cell_key_seed)s`` is the secret;
    ``salt`` gives a second, independent key for the same household (``AMOUNT_SALTS``)."""
    seed = "%(cell_key_seed)s" if not salt else f"(%(cell_key_seed)s + {int(salt)})"
    return f"(hashint8extended({household_id}, {seed}) & {KEY_SPACE - 1})"


def cell_noise_sql(value: str, key: str, *, limit: int | None = None) -> str:
    """SQL for ``cell_noise``: ``value`` a count, ``key`` the sum of its contributors' record keys."""
    limit = threshold() if limit is None else limit
    position = f"mod({key}, {KEY_SPACE})"
    branches = []
    for class_value, bounds in _value_classes(limit):
        pick = " ".join(f"WHEN {position} < {bound} THEN {deviation}" for deviation, bound in bounds[:-1])
        choice = f"CASE {pick} ELSE {bounds[-1][0]} END"
        condition = f"{value} = {class_value}" if class_value is not None else f"{value} >= {limit}"
        branches.append(f"WHEN {condition} THEN {choice}")
    return f"(CASE WHEN {value} <= 0 THEN 0 {' '.join(branches)} END)"


def cell_key_params() -> dict[str, int]:
    return {"cell_key_seed": int(settings.WIJKTEAM_CELL_KEY_SEED)}


# --- Amounts (euros, minutes): a deviation per household, relative to its amount -----------------------------
#
# Counts get their deviation per cell; an amount gets it per household. Each household's amounts of one kind
# (allocated, spent, euros stuck, coordination minutes) move by a share of themselves, between
# MAGNITUDE_MIN and MAGNITUDE_MAX, up or down, taken from a record key of the household salted by the kind
# (so the kinds do not share a factor). Every published amount is the sum of such perturbed amounts, so
# every view, and every difference of views, is one too: no grouping, filter or table (silo, theme,
# taakveld, area, month, quarter, year) publishes the same records with two different deviations, and the
# amounts of one household, alone in a cell, are never shown exactly (off by at least MAGNITUDE_MIN).

MAGNITUDE_MIN_PERMILLE = 100
MAGNITUDE_MAX_PERMILLE = 300
MAGNITUDE_MIN = Decimal(MAGNITUDE_MIN_PERMILLE) / 1000
MAGNITUDE_MAX = Decimal(MAGNITUDE_MAX_PERMILLE) / 1000
# The salt of each kind of amount (added to the seed of the record key). Never change one: old and new
# figures could be averaged.
AMOUNT_SALTS = {"allocated": 1, "spent": 2, "euros_stuck": 3, "minutes": 4}
_HALF = KEY_SPACE // 2


def magnitude_noise(amount: Decimal | int, key: int, *, digits: int = 2) -> Decimal:
    """The deviation of an ``amount`` whose household's (salted) record key is ``key``.

    The key's top bit gives the direction, the rest the share in [MAGNITUDE_MIN, MAGNITUDE_MAX). At least one
    unit (a cent, a minute); never down to zero or below (then up instead). Zero stays zero.
    """
    amount = Decimal(amount)
    if amount <= 0:
        return Decimal(0)
    position = key % KEY_SPACE
    permille = MAGNITUDE_MIN_PERMILLE + (position % _HALF) * (MAGNITUDE_MAX_PERMILLE - MAGNITUDE_MIN_PERMILLE) // _HALF
    unit = Decimal(1).scaleb(-digits)
    size = max((amount * permille / 1000).quantize(unit, rounding=ROUND_HALF_UP), unit)
    return size if position >= _HALF or size >= amount else -size


def magnitude_noise_sql(amount: str, key: str, *, digits: int = 2) -> str:
    """SQL for ``magnitude_noise``: ``amount`` a non-negative amount, ``key`` the household's record key."""
    position = f"mod(({key})::numeric, {KEY_SPACE})"
    permille = (
        f"({MAGNITUDE_MIN_PERMILLE} + div(mod({position}, {_HALF}) * "
        f"{MAGNITUDE_MAX_PERMILLE - MAGNITUDE_MIN_PERMILLE}, {_HALF}))"
    )
    unit = f"{Decimal(1).scaleb(-digits)}"
    size = f"GREATEST(round(({amount})::numeric * {permille} / 1000, {digits}), {unit})"
    return (
        f"(CASE WHEN ({amount}) IS NULL OR ({amount}) <= 0 THEN 0 "
        f"WHEN {position} >= {_HALF} OR {size} >= ({amount}) THEN {size} ELSE -{size} END)"
    )


def amount_noise_sql(amount: str, household_id: str, kind: str, *, digits: int = 2) -> str:
    """SQL for the deviation of one record's ``amount`` of ``kind`` (``AMOUNT_SALTS``), for the household it is for."""
    return magnitude_noise_sql(amount, record_key_sql(household_id, salt=AMOUNT_SALTS[kind]), digits=digits)


@dataclass(frozen=True)
class Suppressed:
    """A withheld value; renders as "<5" (with the configured threshold)."""

    threshold: int

    def __str__(self) -> str:
        return f"<{self.threshold}"


def is_small(value: int, *, limit: int | None = None) -> bool:
    limit = threshold() if limit is None else limit
    return 0 < value < limit


def suppress_count(value: int, *, limit: int | None = None) -> int | Suppressed:
    """One count on its own (no totals published next to it)."""
    limit = threshold() if limit is None else limit
    return Suppressed(limit) if is_small(value, limit=limit) else value


def suppress_ratio(numerator: float, denominator: float, *, limit: int | None = None) -> float | None:
    """A share or rate; None (hidden) when the denominator is below the threshold."""
    limit = threshold() if limit is None else limit
    if denominator < limit or denominator == 0:
        return None
    return numerator / denominator


def hidden_cells(
    values: Mapping[K, int], groups: Iterable[tuple[K, Sequence[K]]], *, limit: int | None = None
) -> set[K]:
    """The cells to withhold: small ones, plus complements so no hidden cell follows from a shown total.

    ``values`` holds every published count, totals included; ``groups`` lists
    (total key, member keys) for each total that is the sum of its members.
    """
    limit = threshold() if limit is None else limit
    group_list = [(total, list(members)) for total, members in groups]
    hidden = {key for key, value in values.items() if is_small(value, limit=limit)}
    changed = True
    while changed:
        changed = False
        for total, members in group_list:
            # total = sum(members) is one equation: with exactly one unknown in it, that one is known.
            unknown = [item for item in (total, *members) if item in hidden]
            if len(unknown) != 1:
                continue
            candidates = [member for member in members if member not in hidden and values[member] > 0]
            if candidates:
                hidden.add(min(candidates, key=lambda member: values[member]))
            elif total not in hidden:
                hidden.add(total)
            else:
                continue  # a hidden total over zeros only: it is zero and tells nothing
            changed = True
    return hidden


def suppress_table(
    values: Mapping[K, int], groups: Iterable[tuple[K, Sequence[K]]], *, limit: int | None = None
) -> dict[K, int | Suppressed]:
    """Every published count, with the hidden ones replaced by ``Suppressed``."""
    limit = threshold() if limit is None else limit
    hidden = hidden_cells(values, groups, limit=limit)
    return {key: Suppressed(limit) if key in hidden else value for key, value in values.items()}


@dataclass(frozen=True)
class Cell:
    """A figure as it may be shown: ``value`` is None when it is withheld."""

    value: int | float | None
    display: str

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        return self.display


def count_cell(households: int | None) -> Cell:
    """A count of households (or of cases, which stand for households)."""
    if households is None:
        return Cell(None, HIDDEN)
    limit = threshold()
    if 0 < households < limit:  # is_small, written out: the national printable page makes 9,000 of these
        return Cell(None, str(Suppressed(limit)))
    return Cell(households, str(households))


def ratio_cell(numerator: float | None, denominator: int | None, *, percent: bool = True, digits: int = 0) -> Cell:
    """A share or an average: hidden when the households it is taken over are too few."""
    ratio = None if numerator is None or denominator is None else suppress_ratio(numerator, denominator)
    if ratio is None:
        return Cell(None, HIDDEN)
    value = round(ratio * (100 if percent else 1), digits)
    return Cell(value, f"{value:.{digits}f}" + ("%" if percent else ""))


def measure_cell(value: float | None, households: int | None, *, digits: int = 1) -> Cell:
    """A median or mean over ``households`` households: hidden when they are too few."""
    if value is None or not households or households < threshold():
        return Cell(None, HIDDEN)
    return Cell(round(value, digits), f"{value:.{digits}f}")


def amount_cell(amount: Decimal | float | int | None, households: int | None, *, digits: int = 0) -> Cell:
    """An amount (euros, minutes) as it may be shown: withheld (``HIDDEN``) when fewer than the threshold's
    households are behind it; zero over no households is shown. Pass the perturbed amount."""
    if not households and not amount:
        return Cell(0, "0")
    if amount is None or households is None or households < threshold():
        return Cell(None, HIDDEN)
    value: int | float = round(float(amount), digits) if digits else round(float(amount))
    return Cell(value, f"{value:.{digits}f}")


def line_cells(values: Sequence[int], *, total_shown: bool = True) -> list[Cell]:
    """Suppress a line of counts that is shown together with its total.

    Primary suppression hides every small cell. Complementary suppression
    hides the smallest remaining non-zero cells until at least two are hidden
    and together they hold a threshold's worth, so no hidden cell follows
    from the total.
    """
    limit = threshold()
    hidden = [is_small(v, limit=limit) for v in values]
    if total_shown and any(hidden):
        candidates = sorted((v, i) for i, v in enumerate(values) if not hidden[i] and v > 0)
        while candidates and (sum(hidden) < 2 or sum(v for v, h in zip(values, hidden, strict=True) if h) < limit):
            _, index = candidates.pop(0)
            hidden[index] = True
    return [
        Cell(None, str(Suppressed(limit)) if is_small(v, limit=limit) else HIDDEN) if h else Cell(v, str(v))
        for v, h in zip(values, hidden, strict=True)
    ]

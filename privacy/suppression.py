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
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings

K = TypeVar("K", bound=Hashable)

HIDDEN = "\u2013"  # an en dash: "not shown"


def threshold() -> int:
    return int(settings.WIJKTEAM_SUPPRESSION_THRESHOLD)


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
    if is_small(households):
        return Cell(None, str(Suppressed(threshold())))
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

"""Small-number suppression: the one function every aggregate passes through before anyone sees it.

The domain brief sets the rule: a figure built from personal data that counts
fewer than ``WIJKTEAM_SUPPRESSION_THRESHOLD`` households is shown as "<5"; a
ratio whose denominator is under the threshold is hidden. A count of zero is
shown: it discloses nothing about a household.

Complementary suppression: when a line of cells is shown with its total (the
buurten of a wijk, the months of a period), one suppressed cell could be
recovered by subtracting the others from the total. ``suppress_line`` then
hides further cells, smallest first, until at least two are hidden and the
hidden cells together hold at least a threshold's worth of households.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

HIDDEN = "\u2013"  # an en dash: "not shown"


def threshold() -> int:
    return int(settings.WIJKTEAM_SUPPRESSION_THRESHOLD)


@dataclass(frozen=True)
class Cell:
    """A figure as it may be shown: ``value`` is None when it is suppressed."""

    value: int | float | None
    display: str

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        return self.display


def _below() -> str:
    return f"<{threshold()}"


def suppress_count(households: int | None) -> Cell:
    """A count of households (or of cases, which stand for households)."""
    if households is None:
        return Cell(None, HIDDEN)
    if 0 < households < threshold():
        return Cell(None, _below())
    return Cell(households, str(households))


def suppress_ratio(numerator: float | None, denominator: int | None, *, percent: bool = True, digits: int = 0) -> Cell:
    """A share or an average: hidden when the households it is taken over are too few."""
    if numerator is None or not denominator or denominator < threshold():
        return Cell(None, HIDDEN)
    value = numerator / denominator * (100 if percent else 1)
    value = round(value, digits)
    shown = f"{value:.{digits}f}" + ("%" if percent else "")
    return Cell(value, shown)


def suppress_measure(value: float | None, households: int | None, *, digits: int = 1) -> Cell:
    """A median or mean over ``households`` households: hidden when they are too few."""
    if value is None or not households or households < threshold():
        return Cell(None, HIDDEN)
    return Cell(round(value, digits), f"{value:.{digits}f}")


def suppress_line(values: Sequence[int], *, total_shown: bool = True) -> list[Cell]:
    """Suppress a line of counts that is shown together with its total.

    Primary suppression hides every cell between 0 and the threshold.
    Secondary (complementary) suppression hides the smallest remaining
    non-zero cells until no hidden cell can be recovered from the total.
    """
    limit = threshold()
    hidden = [0 < v < limit for v in values]
    if total_shown and any(hidden):
        candidates = sorted((v, i) for i, v in enumerate(values) if not hidden[i] and v > 0)
        while candidates and (sum(hidden) < 2 or sum(v for v, h in zip(values, hidden, strict=True) if h) < limit):
            _, index = candidates.pop(0)
            hidden[index] = True
    return [
        Cell(None, _below() if 0 < v < limit else HIDDEN) if h else Cell(v, str(v))
        for v, h in zip(values, hidden, strict=True)
    ]

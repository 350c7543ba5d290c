"""Small-cell suppression for every aggregate built from personal data.

Primary suppression: a count of households (or of anything that stands for
households) from 1 up to the threshold (``WIJKTEAM_SUPPRESSION_THRESHOLD``,
default 5) is shown as "<5". Zero is shown: it identifies no household.

Complementary suppression: when a table also publishes totals, one hidden
cell in a group could be recovered as total minus the visible cells. So in
every group whose total is shown, a lone hidden cell takes a second one with
it (the smallest visible non-zero cell); when there is none, the total is
withheld instead. This repeats until stable, so totals that are themselves
members of a larger group (row totals in a grand total) are covered too.

A ratio is hidden when its denominator is below the threshold.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings

K = TypeVar("K", bound=Hashable)


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
            if total in hidden:
                continue
            lone = [member for member in members if member in hidden]
            if len(lone) != 1:
                continue
            candidates = [member for member in members if member not in hidden and values[member] > 0]
            if candidates:
                hidden.add(min(candidates, key=lambda member: values[member]))
            else:
                hidden.add(total)
            changed = True
    return hidden


def suppress_table(
    values: Mapping[K, int], groups: Iterable[tuple[K, Sequence[K]]], *, limit: int | None = None
) -> dict[K, int | Suppressed]:
    """Every published count, with the hidden ones replaced by ``Suppressed``."""
    limit = threshold() if limit is None else limit
    hidden = hidden_cells(values, groups, limit=limit)
    return {key: Suppressed(limit) if key in hidden else value for key, value in values.items()}

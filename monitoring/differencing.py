"""The differencing attacker (issue 13 item 7): combine the programme bureau's views and try to recover a figure.

Every view the bureau can read is gathered once, through the selectors the screens, the API, the print
and the exports share:

- the dashboard (``dashboard()``; ``GET /api/v1/reports/programme/`` publishes the same figures): the
  casework counts (trend, neighbourhood table, totals), the goal, instrument and coordination panels, the
  funding panel (allocated and spent per silo), coordination minutes per organisation kind and per
  organisation, and the blockage panel (open blockages, euros stuck, how the closed ones ended, per silo);
  for the whole municipality and every wijk over the whole period, every year and every month, every buurt
  over the whole period and every year, a team lead's own buurten, and every theme for the municipality
  and every wijk over the whole period and every year;
- the funding audit (``report.funding_flow``; screen, API and CSV/XLSX): households reached, blocked, and
  the money per area, silo and period, for every year, level, granularity, silo filter and the overview per
  silo; and the audit per Iv3 taakveld (``iv3.taakveld_flow``).

Each published figure is a sum over base cells (a buurt and a month, per theme, silo or organisation where
the figure is split by one) that the attacker knows from the filters: its *support*, a bitmask. For every
figure that is withheld, and every amount shown over fewer than the threshold's households, the attacker
tries every route to it:

- pairs: a shown figure A over a superset minus a shown figure B over the rest;
- triples: A minus B minus C, with B and C disjoint and covering the rest;
- parent minus visible children: A minus disjoint shown figures covering the rest.

The search is indexed, not exhaustive over all pairs of figures: a parent must contain the target, so it is
found among the figures containing the target's first base cell; in a triple one of B and C contains the
rest's first base cell; the cover takes, for each uncovered base cell in turn, the largest shown figure
containing it that fits. Combinations that cannot share a base cell are never formed.

When is a value recovered? A count: when exactly one count could have been published as the derived value
under the published deviations (``privacy.suppression.noise_support``), and it is the true one. An amount:
when, under the published method (each household's amounts moved by between ``MAGNITUDE_MIN`` and
``MAGNITUDE_MAX`` of themselves), the amounts that could lie behind the derived value fall within 5% of one
value, and the true amount is among them; an exact amount (no method published) is recovered by any route
that reaches it. Two different published values for the same support are counted too (they could be
averaged).

Used by ``tests/privacy/test_differencing.py`` on the demo seed and by ``manage.py attack_differencing``
(``make attack``) on a larger one.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from funding import iv3, report
from funding.models import FlowCell, FlowTaakveldCell, Silo
from organisations.models import Area, User
from privacy import policy, suppression
from themes.models import Theme

from .dashboard import OUTCOMES, Filters, dashboard
from .models import (
    BlockageFact,
    CaseMonthSummary,
    CoordinationMonthSummary,
    FundingMonthSummary,
    GoalMonthSummary,
    InstrumentMonthSummary,
)

# Within this share of a value, an attacker is taken to know it.
PRECISION = 0.05
# Flows add up over months; stocks are taken in one month (the neighbourhood table's last month).
FLOWS = ("inflow", "outflow")
STOCKS = ("active", "households", "stapeling")
EXACT_COLUMN = {
    "inflow": "inflow",
    "outflow": "outflow",
    "active": "active_cases",
    "households": "active_households",
    "stapeling": "stapeling_households",
}
Period = tuple[date | None, date | None]


def bits(mask: int) -> Iterator[int]:
    """The base cells (bit positions) of a support, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _first(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


class Grid:
    """Base cells (a buurt and a column: a month, or a silo) as bits; a further dimension (a theme, an
    organisation) is a layer: the same place ``layer * size`` bits higher."""

    def __init__(self, buurten: Iterable[Any], columns: Iterable[Any]) -> None:
        self.columns = list(columns)
        self.column_index = {c: i for i, c in enumerate(self.columns)}
        self.buurt_index = {b: i for i, b in enumerate(buurten)}
        self.width = len(self.columns)
        self.size = self.width * len(self.buurt_index)

    def bit(self, buurt: Any, column: Any, layer: int = 0) -> int:
        return layer * self.size + self.buurt_index[buurt] * self.width + self.column_index[column]

    def mask(self, buurten: Iterable[Any], columns: Iterable[Any]) -> int:
        row = sum(1 << self.column_index[c] for c in columns if c in self.column_index)
        found = 0
        for buurt in buurten:
            found |= row << (self.buurt_index[buurt] * self.width)
        return found

    def layers(self, mask: int, layers: Iterable[int]) -> int:
        return sum(mask << (layer * self.size) for layer in layers)


@dataclass
class Measure:
    """What the attacker read of one measure: support -> published value, and the withheld supports.

    ``truth`` (per base cell) is what the attacker tries to find; it only judges the attack."""

    kind: str  # "count" or "amount"
    truth: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    shown: dict[int, float] = field(default_factory=dict)
    hidden: set[int] = field(default_factory=set)
    # Figures shown (perturbed) although fewer than the threshold's households are behind them: an exact
    # value for them is as much a disclosure as for a withheld one.
    sensitive: set[int] = field(default_factory=set)
    inconsistent: int = 0

    def learn(self, mask: int, figure: Any, *, sensitive: bool = False) -> None:
        if not mask:
            return
        if sensitive:
            self.sensitive.add(mask)
        if isinstance(figure, suppression.Cell):
            value = figure.value
        elif isinstance(figure, suppression.Suppressed):
            value = None
        else:
            value = figure
        if value is None:
            self.hidden.add(mask)
            return
        value = float(value)
        known = self.shown.get(mask)
        if known is not None and abs(known - value) > 0.005:
            self.inconsistent += 1
        self.shown[mask] = value


class Measures(dict[str, Measure]):
    def count(self, name: str) -> Measure:
        return self.setdefault(name, Measure("count"))

    def amount(self, name: str) -> Measure:
        return self.setdefault(name, Measure("amount"))


@dataclass
class Result:
    views: int = 0
    figures: int = 0
    pairs: int = 0
    triples: int = 0
    covers: int = 0
    # Routes that reached a withheld figure (a value derived for it), and the figures reached by one.
    reached: int = 0
    reached_targets: int = 0
    targets: int = 0
    recovered: list[tuple[str, float]] = field(default_factory=list)
    inconsistent: int = 0
    near: int = 0
    seconds: float = 0.0
    by_measure: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # The kinds of measure (inflow, allocated, minutes, …) with at least one figure attacked.
    attacked: set[str] = field(default_factory=set)

    @property
    def routes(self) -> int:
        return self.pairs + self.triples + self.covers

    def add(self, other: Result) -> None:
        names = ("views", "figures", "pairs", "triples", "covers", "reached", "reached_targets", "targets")
        for name in (*names, "inconsistent", "near", "seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.recovered += other.recovered
        self.attacked |= other.attacked
        for name, count in other.by_measure.items():
            self.by_measure[name] += count

    def summary(self, label: str) -> str:
        return (
            f"{label}: {self.views} views tried, {self.figures} figures read, {self.targets} withheld figures "
            f"attacked, {self.pairs} pairs, {self.triples} triples, {self.covers} parent-minus-children tried, "
            f"{self.reached} routes reached {self.reached_targets} withheld figures, "
            f"{len(self.recovered)} cells recovered ({dict(self.by_measure)}), {self.near} amounts landed within "
            f"{PRECISION:.0%} by chance, {self.inconsistent} supports published with two values, {self.seconds:.1f} s"
        )


# --- The search ----------------------------------------------------------------------------------------------


class Index:
    """The shown figures of one measure, indexed by base cell (largest support first)."""

    def __init__(self, shown: dict[int, float]) -> None:
        self.shown = shown
        containing: dict[int, list[int]] = defaultdict(list)
        for mask in sorted(shown, key=lambda mask: -mask.bit_count()):
            for bit in bits(mask):
                containing[bit].append(mask)
        self.containing = containing

    def derived_values(self, target: int, result: Result) -> set[float]:
        """Every value a pair, a triple or a parent minus its visible children gives for ``target``."""
        shown, containing = self.shown, self.containing
        derived = {shown[target]} if target in shown else set()
        for parent in containing.get(_first(target), ()):
            if parent == target or parent & target != target:
                continue
            rest = parent ^ target
            result.pairs += 1
            other = shown.get(rest)
            if other is not None:
                result.reached += 1
                derived.add(shown[parent] - other)
                continue
            found = False
            for first in containing.get(_first(rest), ()):
                if first & rest != first:
                    continue
                result.triples += 1
                second = shown.get(rest ^ first)
                if second is not None:
                    result.reached += 1
                    derived.add(shown[parent] - shown[first] - second)
                    found = True
                    break
            if found:
                continue
            result.covers += 1
            total = self.cover(rest)
            if total is not None:
                result.reached += 1
                derived.add(shown[parent] - total)
        return derived

    def cover(self, rest: int) -> float | None:
        """The sum of disjoint shown figures that together are exactly ``rest``, or None."""
        total, left = 0.0, rest
        while left:
            for mask in self.containing.get(_first(left), ()):
                if mask & left == mask:
                    total += self.shown[mask]
                    left ^= mask
                    break
            else:
                return None
        return total


def _published_support(value: int) -> list[int]:
    return suppression.noise_support(value)


@lru_cache(maxsize=65536)
def _count_candidates(derived: int, ceiling: int, support: Callable[[int], list[int]]) -> frozenset[int]:
    """The counts (under ``ceiling``) that could have been published as ``derived``."""
    return frozenset(value for value in range(1, ceiling) if derived - value in support(value))


def _amount_known(derived: float, true: float, magnitude_max: float | None) -> bool:
    """Whether the amounts that could lie behind ``derived`` pin down one value, and it is the true one."""
    if magnitude_max is None:
        return abs(derived - true) <= 0.5  # no method published: the figure is the amount
    low, high = derived / (1 + magnitude_max), derived / (1 - magnitude_max)
    return high - low <= 2 * PRECISION * max(abs(derived), 1) and low - 0.5 <= true <= high + 0.5


def published_magnitude_max() -> float | None:
    value = getattr(suppression, "MAGNITUDE_MAX", None)
    return None if value is None else float(value)


def attack(
    measures: dict[str, Measure],
    result: Result,
    *,
    magnitude_max: float | str | None = "published",
    count_support: Callable[[int], list[int]] = _published_support,
) -> None:
    """Try every route to every withheld (or sensitive) figure of every measure; record what is recovered.

    The attacker knows the published method: the deviations a count may get (``count_support``) and how far
    an amount may move (``magnitude_max``)."""
    if magnitude_max == "published":
        magnitude_max = published_magnitude_max()
    assert not isinstance(magnitude_max, str)
    for name, measure in measures.items():
        result.inconsistent += measure.inconsistent
        result.figures += len(measure.shown) + len(measure.hidden)
        index: Index | None = None
        for target in measure.hidden | measure.sensitive:
            true = sum(measure.truth.get(bit, 0.0) for bit in bits(target))
            if true <= 0.005:
                continue
            result.targets += 1
            result.attacked.add(name.partition(":")[0])
            index = index or Index(measure.shown)
            derived = index.derived_values(target, result)
            if derived:
                result.reached_targets += 1
            if measure.kind == "count":
                ceiling = max(int(true), suppression.threshold()) + suppression.MAX_DEVIATION + 1
                candidates = [_count_candidates(round(value), ceiling, count_support) for value in derived]
                certain = [found for found in candidates if len(found) == 1]
                if certain and all(found == {round(true)} for found in certain):
                    result.recovered.append((name, true))
                    result.by_measure[name.partition(":")[0]] += 1
            else:
                if any(_amount_known(value, true, magnitude_max) for value in derived):
                    result.recovered.append((name, true))
                    result.by_measure[name.partition(":")[0]] += 1
                # Not a recovery (the attacker cannot tell), but worth knowing: how often a route lands near.
                if any(abs(value - true) <= PRECISION * true for value in derived):
                    result.near += 1


# --- The dashboard ----------------------------------------------------------------------------------------------


def _months(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return months


def _first_municipality() -> int:
    return Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD).values_list("municipality_id", flat=True)[0]


def dashboard_measures(*, municipality_id: int, lead: User | None = None) -> tuple[Measures, int]:
    """Every dashboard view of the municipality read once (``dashboard()``): the measures, and how many views."""
    buurten = list(
        Area.objects.filter(municipality_id=municipality_id, kind=Area.Kind.NEIGHBOURHOOD)
        .order_by("code")
        .values_list("pk", "parent_id", "code")
    )
    codes = {code: pk for pk, _parent, code in buurten}
    summaries = (
        CaseMonthSummary,
        GoalMonthSummary,
        InstrumentMonthSummary,
        CoordinationMonthSummary,
        FundingMonthSummary,
        BlockageFact,
    )
    found = [
        month
        for model in summaries
        for month in model.objects.filter(municipality_id=municipality_id)
        .order_by()
        .values_list("month", flat=True)
        .distinct()
    ]
    grid = Grid([pk for pk, _parent, _code in buurten], _months(min(found), max(found)))
    themes: list[int] = list(Theme.objects.order_by("order").values_list("pk", flat=True))
    theme_layer = {pk: i for i, pk in enumerate(themes)}
    silo_pk = {code: pk for pk, code in Silo.objects.values_list("pk", "code")}
    measures = Measures()

    # The truth per base cell: what the attacker is after, to judge a derived value.
    for row in CaseMonthSummary.objects.filter(municipality_id=municipality_id).values(
        "buurt_id", "month", *EXACT_COLUMN.values()
    ):
        bit = grid.bit(row["buurt_id"], row["month"])
        for name, column in EXACT_COLUMN.items():
            measures.count(name).truth[bit] += row[column]
    for model, panel, label in (
        (GoalMonthSummary, "goals", "theme__code"),
        (InstrumentMonthSummary, "instruments", "domain__name_nl"),
        (CoordinationMonthSummary, "coordination", "organisation_kind__name_nl"),
    ):
        for buurt, month, name, households in model.objects.filter(municipality_id=municipality_id).values_list(
            "buurt_id", "month", label, "households"
        ):
            measures.count(f"{panel}:{name}").truth[grid.bit(buurt, month)] += households
    for buurt, month, silo, theme, allocated, spent in FundingMonthSummary.objects.filter(
        municipality_id=municipality_id
    ).values_list("buurt_id", "month", "silo_id", "theme_id", "allocated", "spent"):
        bit = grid.bit(buurt, month, theme_layer[theme])
        measures.amount(f"allocated:{silo}").truth[bit] += float(allocated)
        measures.amount(f"spent:{silo}").truth[bit] += float(spent)
    organisations: dict[str, int] = {}
    organisation_kind: dict[str, str] = {}
    for buurt, month, organisation, kind, minutes in CoordinationMonthSummary.objects.filter(
        municipality_id=municipality_id
    ).values_list("buurt_id", "month", "organisation__name", "organisation_kind__name_nl", "minutes"):
        layer = organisations.setdefault(organisation, len(organisations))
        organisation_kind[organisation] = kind
        measures.amount("minutes").truth[grid.bit(buurt, month, layer)] += minutes
    is_open = {"open", "escalated"}
    for buurt, month, code_of_silo, theme_of_fact, status, resolution, euros in BlockageFact.objects.filter(
        municipality_id=municipality_id
    ).values_list("buurt_id", "month", "silo__code", "theme_id", "status", "resolution", "euros_stuck"):
        silo_code = code_of_silo or "none"
        bit = grid.bit(buurt, month, theme_layer[theme_of_fact])
        if status in is_open:
            measures.count(f"blockages_open:{silo_code}").truth[bit] += 1
            measures.amount(f"euros_stuck:{silo_code}").truth[bit] += float(euros)
        for code in OUTCOMES:
            if code in (status, resolution):
                measures.count(f"outcome_{code}:{silo_code}").truth[bit] += 1

    # The views.
    every = [pk for pk, _parent, _code in buurten]
    wijken = [
        (wijk, [pk for pk, parent, _c in buurten if parent == wijk]) for wijk in sorted({p for _b, p, _c in buurten})
    ]
    months = grid.columns
    whole: list[Period] = [(None, None)]
    years: list[Period] = [(date(y, 1, 1), date(y, 12, 31)) for y in range(months[0].year, months[-1].year + 1)]
    single: list[Period] = [(month, month) for month in months]
    # (user scope, area filter, the buurten it selects, period, theme)
    views: list[tuple[list[int] | None, int | None, list[int], Period, int | None]] = []
    views += [
        (None, area, chosen, period, None)
        for area, chosen in [(None, every), *wijken]
        for period in whole + years + single
    ]
    # A buurt's single months are each already a row of its wijk's view of that month (same support).
    views += [(None, pk, [pk], period, None) for pk in every for period in whole + years]
    if lead is not None:
        scope = policy.monitoring_buurten_in_scope(lead)
        assert scope, "the team lead's own buurten"
        views += [(scope, None, scope, period, None) for period in whole + years + single]
    views += [
        (None, area, chosen, period, theme)
        for area, chosen in [(None, every), *wijken]
        for period in whole + years
        for theme in themes
    ]
    every_layer = range(len(themes))
    for user_scope, area_id, chosen, (start, end), theme_filter in views:
        in_period = [m for m in months if (start is None or m >= start) and (end is None or m <= end)]
        board = dashboard(
            scope=user_scope,
            filters=Filters(
                municipality_id=municipality_id, area_id=area_id, theme_id=theme_filter, start=start, end=end
            ),
        )
        _read_casework(measures, grid, board, chosen, in_period, codes)
        place = grid.mask(chosen, in_period)
        cells = grid.layers(place, [theme_layer[theme_filter]] if theme_filter else every_layer)
        _read_money(measures, board, cells, silo_pk)
        if theme_filter is None:  # coordination is not split by theme
            for row in board.coordination_by_organisation:
                layer = organisations.setdefault(row["name"], len(organisations))
                measures.amount("minutes").learn(grid.layers(place, [layer]), row["minutes"])
            for row in board.coordination:
                layers = [organisations[name] for name, kind in organisation_kind.items() if kind == row["name"]]
                measures.amount("minutes").learn(grid.layers(place, layers), row["minutes"])
    return measures, len(views)


def _read_casework(
    measures: Measures, grid: Grid, board: Any, chosen: list[int], months: list[date], codes: dict[str, int]
) -> None:
    for row in board.trend:
        mask = grid.mask(chosen, [row["month"]])
        for name in (*FLOWS, *STOCKS):
            measures.count(name).learn(mask, row[name])
    if not board.trend:
        return
    last = board.trend[-1]["month"]
    for entry in board.neighbourhoods:
        buurt = codes[entry["code"]]
        for name in FLOWS:
            measures.count(name).learn(grid.mask([buurt], months), entry[name])
        for name in ("households", "stapeling"):
            measures.count(name).learn(grid.mask([buurt], [last]), entry[name])
    period = grid.mask(chosen, months)
    for name in FLOWS:
        measures.count(name).learn(period, board.totals[name])
    for name in ("households", "stapeling"):
        measures.count(name).learn(grid.mask(chosen, [last]), board.totals[name])
    # Panels per theme, instrument domain and organisation kind: households summed over the period's rows.
    for panel, label in (("goals", "theme"), ("instruments", "name"), ("coordination", "name")):
        for row in getattr(board, panel):
            measures.count(f"{panel}:{row[label]}").learn(period, row["households"])


def _read_money(measures: Measures, board: Any, cells: int, silo_pk: dict[str, int]) -> None:
    for row in board.funding:
        silo = silo_pk.get(row["silo"])
        measures.amount(f"allocated:{silo}").learn(cells, row["allocated"])
        measures.amount(f"spent:{silo}").learn(cells, row["spent"])
    for row in board.blockages:
        measures.count(f"blockages_open:{row['silo']}").learn(cells, row["open"])
        measures.amount(f"euros_stuck:{row['silo']}").learn(cells, row["stuck"])
        for code, figure in zip(OUTCOMES, row["outcomes"], strict=True):
            measures.count(f"outcome_{code}:{row['silo']}").learn(cells, figure)


def run_dashboard_attack(*, lead: User | None = None) -> Result:
    """The dashboard of the first municipality (the seeds' bureau reads it), with ``lead``'s own buurten."""
    started = time.monotonic()
    measures, views = dashboard_measures(municipality_id=_first_municipality(), lead=lead)
    result = Result(views=views)
    attack(measures, result)
    result.seconds = time.monotonic() - started
    return result


# --- The funding audit as the bureau reads it (screen, API and exports share ``report.funding_flow``) -------


def audit_measures(*, municipality_id: int) -> tuple[Measures, int]:
    """Every year, level (wijk, buurt), period (month, quarter, year) and silo filter of the audit, the overview
    per silo, and the audit per Iv3 taakveld, read once. A figure's base cells are (buurt, silo) within one
    period of one granularity: distinct households do not add up over periods, so each period is a measure."""
    buurten = list(
        Area.objects.filter(municipality_id=municipality_id, kind=Area.Kind.NEIGHBOURHOOD)
        .order_by("code")
        .values_list("pk", "parent_id")
    )
    by_wijk: dict[int, list[int]] = defaultdict(list)
    for pk, parent in buurten:
        by_wijk[parent].append(pk)
    every = [pk for pk, _parent in buurten]
    silos = [report.NO_KEY, *Silo.objects.order_by("pk").values_list("pk", flat=True)]
    grid = Grid(every, silos)
    measures = Measures()
    money = ("allocated", "spent", "spent_outside", "euros_stuck")
    years = set()
    for row in FlowCell.objects.filter(municipality_id=municipality_id).values(
        "granularity", "period", "silo_id", "neighbourhood_id", "households", "blocked", *money
    ):
        years.add(row["period"].year)
        bit = grid.bit(row["neighbourhood_id"], row["silo_id"] or report.NO_KEY)
        suffix = f"{row['granularity']}:{row['period']}"
        measures.count(f"households:{suffix}").truth[bit] += row["households"]
        measures.count(f"blocked:{suffix}").truth[bit] += row["blocked"]
        for name in money:
            measures.amount(f"{name}:{suffix}").truth[bit] += float(row[name])
    views = 0
    for year in sorted(years):
        for level in report.LEVELS:
            for granularity in report.GRANULARITIES:
                for silo, by_silo in [(None, False), (None, True), *((pk, False) for pk in silos[1:])]:
                    params = report.ReportParams(
                        municipality_id=municipality_id,
                        year=year,
                        level=level,
                        granularity=granularity,
                        silo_id=silo,
                        by_silo=by_silo,
                    )
                    views += 1
                    for row in report.funding_flow(params).rows:
                        if row.whole_municipality:
                            continue  # budget only
                        if row.is_subtotal or by_silo:
                            area = every
                        else:
                            area = by_wijk[row.area_id] if level == "wijk" else [row.area_id]
                        mask = grid.mask(area, [row.silo_id or report.NO_KEY])
                        suffix = f"{granularity}:{row.period}"
                        measures.count(f"households:{suffix}").learn(mask, row.households)
                        measures.count(f"blocked:{suffix}").learn(mask, row.blocked)
                        few = {
                            "allocated": row.households,
                            "spent": row.households,
                            "spent_outside": row.households,
                            "euros_stuck": row.blocked,
                        }
                        for name in money:
                            measures.amount(f"{name}:{suffix}").learn(
                                mask, getattr(row, name), sensitive=isinstance(few[name], suppression.Suppressed)
                            )
    # The Iv3 taakvelden: households reached and money per taakveld and period (no area or silo filter).
    taakvelden: dict[str, int] = {}
    for row in FlowTaakveldCell.objects.filter(municipality_id=municipality_id).values(
        "granularity", "period", "iv3_taakveld", "households", "allocated", "spent"
    ):
        suffix = f"{row['granularity']}:{row['period']}"
        bit = taakvelden.setdefault(row["iv3_taakveld"], len(taakvelden))
        measures.count(f"iv3_households:{suffix}").truth[bit] += row["households"]
        measures.amount(f"iv3_allocated:{suffix}").truth[bit] += float(row["allocated"])
        measures.amount(f"iv3_spent:{suffix}").truth[bit] += float(row["spent"])
    for year in sorted(years):
        for granularity in report.GRANULARITIES:
            params = report.ReportParams(municipality_id=municipality_id, year=year, granularity=granularity)
            views += 1
            for taakveld_row in iv3.taakveld_flow(params):
                suffix = f"{granularity}:{taakveld_row.period_start}"
                mask = 1 << taakvelden.setdefault(taakveld_row.iv3_taakveld, len(taakvelden))
                too_few = isinstance(taakveld_row.households, suppression.Suppressed)
                measures.count(f"iv3_households:{suffix}").learn(mask, taakveld_row.households)
                measures.amount(f"iv3_allocated:{suffix}").learn(mask, taakveld_row.allocated, sensitive=too_few)
                measures.amount(f"iv3_spent:{suffix}").learn(mask, taakveld_row.spent, sensitive=too_few)
    return measures, views


def run_audit_attack(*, bureau: User) -> Result:
    started = time.monotonic()
    municipality_id = policy.funding_municipality_id(bureau)
    assert municipality_id is not None, "the bureau reads the audit of one municipality"
    measures, views = audit_measures(municipality_id=municipality_id)
    result = Result(views=views)
    attack(measures, result)
    result.seconds = time.monotonic() - started
    return result

"""The differencing attacker, on money, minutes, blockages and Iv3 taakvelden (issue 13 item 7).

``test_differencing.py`` attacks the casework counts. This one attacks every other aggregate the
programme bureau can read:

- the dashboard (screen, print, export and ``GET /api/v1/reports/programme/`` publish the same
  ``dashboard()`` figures): the funding panel (allocated and spent per silo), coordination minutes per
  organisation kind and per organisation, and the blockage panel (open blockages, euros stuck and how
  the closed ones ended, per silo); for the whole municipality, every wijk and every buurt, over the whole
  period, every year and every month, and per theme;
- the bureau's funding audit (screen, API and CSV/XLSX share ``report.funding_flow``): allocated, spent,
  spent outside the intended areas and euros stuck per area, silo and period, every level, granularity,
  silo filter and the overview per silo;
- the audit per Iv3 taakveld (``iv3.taakveld_flow``): households reached, allocated and spent.

Each published figure is a sum over base cells the attacker knows from the filters. For every figure
that is withheld and not zero, the attacker tries every pair (A - B), triple (A - B - C) and
parent-minus-visible-children route, as in ``test_differencing.py``. The audit shows amounts in every
cell (perturbed for the bureau); an amount over fewer than the threshold's households is a target too,
and the figure itself is its first route.

When is a value recovered? A count: when exactly one count could have been published as the derived
value under the published deviations (``noise_support``), and it is the true one. An amount: when,
under the published method (every household's amounts moved by between ``MAGNITUDE_MIN`` and
``MAGNITUDE_MAX`` of themselves, ``privacy.suppression``), the amounts that could lie behind the
derived value fall within 5% of one value, and the true amount is among them; an exact amount (no
method published) is recovered by any route that reaches it. Two different published values for the
same support are counted too (they could be averaged).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from funding import iv3, report
from funding.models import FlowCell, FlowTaakveldCell, Silo
from monitoring.dashboard import OUTCOMES, Filters, dashboard
from monitoring.models import BlockageFact, CoordinationMonthSummary, FundingMonthSummary
from organisations.models import Area, User
from privacy import policy, suppression
from tests.privacy.test_differencing import ATTACK_SEED, _months, _seed
from themes.models import Theme

pytestmark = pytest.mark.django_db

# Within this share of a value, an attacker is taken to know it.
PRECISION = 0.05


class Cells:
    """Base cells (any tuple) as bits of an integer, so a figure's support is a bitmask."""

    def __init__(self) -> None:
        self.bit: dict[Hashable, int] = {}
        self.keys: list[Hashable] = []

    def mask(self, keys: Iterable[Hashable]) -> int:
        bits = 0
        for key in keys:
            index = self.bit.get(key)
            if index is None:
                index = self.bit[key] = len(self.keys)
                self.keys.append(key)
            bits |= 1 << index
        return bits

    def members(self, mask: int) -> Iterator[Hashable]:
        index = 0
        while mask:
            if mask & 1:
                yield self.keys[index]
            mask >>= 1
            index += 1


@dataclass
class Measure:
    kind: str  # "count" or "amount"
    cells: Cells = field(default_factory=Cells)
    truth: dict[Hashable, float] = field(default_factory=lambda: defaultdict(float))
    shown: dict[int, float] = field(default_factory=dict)
    hidden: set[int] = field(default_factory=set)
    # Figures shown (perturbed) although fewer than the threshold's households are behind them: an exact
    # value for them is as much a disclosure as for a withheld one.
    sensitive: set[int] = field(default_factory=set)
    inconsistent: int = 0

    def learn(self, keys: Iterable[Hashable], figure: Any, *, sensitive: bool = False) -> None:
        mask = self.cells.mask(keys)
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


@dataclass
class Result:
    views: int = 0
    routes: int = 0
    targets: int = 0
    recovered: list[tuple[str, float]] = field(default_factory=list)
    inconsistent: int = 0
    near: int = 0
    seconds: float = 0.0
    by_measure: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def derived_values(shown: dict[int, float], by_size: list[int], target: int, result: Result) -> list[float]:
    """Every value a pair, a triple or a parent minus its visible children gives for ``target``."""
    derived: list[float] = [shown[target]] if target in shown else []
    for parent in by_size:
        if parent & target != target or parent == target:
            continue
        rest = parent ^ target
        result.routes += 1
        if rest in shown:  # a pair
            derived.append(shown[parent] - shown[rest])
            continue
        inside = [mask for mask in by_size if mask & rest == mask]
        for first in inside:  # a triple
            result.routes += 1
            if rest ^ first in shown:
                derived.append(shown[parent] - shown[first] - shown[rest ^ first])
                break
        else:  # the parent minus every visible child (largest first)
            result.routes += 1
            covered, total = 0, 0.0
            for mask in inside:
                if mask & covered == 0:
                    covered |= mask
                    total += shown[mask]
            if covered == rest:
                derived.append(shown[parent] - total)
    return derived


def _count_candidates(derived: float, ceiling: int) -> set[int]:
    support = getattr(suppression, "noise_support", lambda value: [0])
    return {value for value in range(1, ceiling) if round(derived) - value in support(value)}


def _amount_known(derived: float, true: float, magnitude_max: float | None) -> bool:
    """Whether the amounts that could lie behind ``derived`` pin down one value, and it is the true one."""
    if magnitude_max is None:
        return abs(derived - true) <= 0.5  # no method published: the figure is the amount
    low, high = derived / (1 + magnitude_max), derived / (1 - magnitude_max)
    return high - low <= 2 * PRECISION * max(abs(derived), 1) and low - 0.5 <= true <= high + 0.5


def _published_magnitude_max() -> float | None:
    value = getattr(suppression, "MAGNITUDE_MAX", None)
    return None if value is None else float(value)


def attack(measures: dict[str, Measure], result: Result, *, magnitude_max: float | str | None = "published") -> None:
    if magnitude_max == "published":
        magnitude_max = _published_magnitude_max()
    assert not isinstance(magnitude_max, str)
    for name, measure in measures.items():
        result.inconsistent += measure.inconsistent
        by_size = sorted(measure.shown, key=lambda mask: -mask.bit_count())
        for target in measure.hidden | measure.sensitive:
            true = sum(measure.truth.get(key, 0.0) for key in measure.cells.members(target))
            if true <= 0.005:
                continue
            result.targets += 1
            derived = derived_values(measure.shown, by_size, target, result)
            if measure.kind == "count":
                ceiling = max(int(true), suppression.threshold()) + suppression.MAX_DEVIATION + 1
                certain = [value for value in derived if len(_count_candidates(value, ceiling)) == 1]
                if certain and all(_count_candidates(value, ceiling) == {round(true)} for value in certain):
                    result.recovered.append((name, true))
                    result.by_measure[name.partition(":")[0]] += 1
            else:
                if any(_amount_known(value, true, magnitude_max) for value in derived):
                    result.recovered.append((name, true))
                    result.by_measure[name.partition(":")[0]] += 1
                # Not a recovery (the attacker cannot tell), but worth knowing: how often a route lands near.
                if any(abs(value - true) <= PRECISION * true for value in derived):
                    result.near += 1


def _report(label: str, result: Result) -> None:
    print(  # the figures the issue asks to be shown
        f"\n{label} on {ATTACK_SEED}: {result.views} views tried, {result.routes} combinations, "
        f"{result.targets} withheld figures attacked, {len(result.recovered)} recovered "
        f"({dict(result.by_measure)}), {result.near} amounts landed within {PRECISION:.0%} by chance, "
        f"{result.inconsistent} supports published with two values, "
        f"{result.seconds:.1f} s"
    )


# --- The dashboard: funding, coordination minutes and blockages ---------------------------------------------------


def run_dashboard_attack() -> Result:
    started = time.monotonic()
    result = Result()
    municipality_id = Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD).values_list("municipality_id", flat=True)[0]
    buurten = list(
        Area.objects.filter(municipality_id=municipality_id, kind=Area.Kind.NEIGHBOURHOOD)
        .order_by("code")
        .values_list("pk", "parent_id")
    )
    months = sorted(
        {
            *FundingMonthSummary.objects.values_list("month", flat=True),
            *CoordinationMonthSummary.objects.values_list("month", flat=True),
            *BlockageFact.objects.values_list("month", flat=True),
        }
    )
    months = _months(months[0], months[-1])
    themes: list[int | None] = [None, *Theme.objects.order_by("order").values_list("pk", flat=True)]
    silos = dict(Silo.objects.values_list("pk", "code"))
    measures: dict[str, Measure] = defaultdict(lambda: Measure("amount"))

    # The truth, per base cell.
    for buurt, month, silo, theme, allocated, spent in FundingMonthSummary.objects.filter(
        municipality_id=municipality_id
    ).values_list("buurt_id", "month", "silo_id", "theme_id", "allocated", "spent"):
        measures[f"allocated:{silo}"].truth[(buurt, month, theme)] += float(allocated)
        measures[f"spent:{silo}"].truth[(buurt, month, theme)] += float(spent)
    organisation_kind: dict[str, str] = {}
    for buurt, month, organisation, kind, minutes in CoordinationMonthSummary.objects.filter(
        municipality_id=municipality_id
    ).values_list("buurt_id", "month", "organisation__name", "organisation_kind__name_nl", "minutes"):
        measures["minutes"].truth[(buurt, month, organisation)] += minutes
        organisation_kind[organisation] = kind
    is_open = {"open", "escalated"}
    for buurt, month, silo, theme, status, resolution, euros in BlockageFact.objects.filter(
        municipality_id=municipality_id
    ).values_list("buurt_id", "month", "silo__code", "theme_id", "status", "resolution", "euros_stuck"):
        silo = silo or "none"
        key = (buurt, month, theme)
        if status in is_open:
            measures.setdefault(f"blockages_open:{silo}", Measure("count")).truth[key] += 1
            measures[f"euros_stuck:{silo}"].truth[key] += float(euros)
        for code in OUTCOMES:
            if code in (status, resolution):
                measures.setdefault(f"outcome_{code}:{silo}", Measure("count")).truth[key] += 1

    areas: list[tuple[int | None, list[int]]] = [(None, [pk for pk, _parent in buurten])]
    for wijk in sorted({parent for _pk, parent in buurten}):
        areas.append((wijk, [pk for pk, parent in buurten if parent == wijk]))
    buurt_areas = [(pk, [pk]) for pk, _parent in buurten]
    periods: list[tuple[date | None, date | None]] = [(None, None)]
    periods += [(date(year, 1, 1), date(year, 12, 31)) for year in range(months[0].year, months[-1].year + 1)]
    single_months = [(month, month) for month in months]
    views = [(area, period, None) for area in areas for period in periods + single_months]
    views += [(area, period, None) for area in buurt_areas for period in periods]
    views += [(area, period, theme) for area in areas for period in periods for theme in themes[1:]]
    for (area_id, selection), (start, end), theme in views:
        in_period = [m for m in months if (start is None or m >= start) and (end is None or m <= end)]
        chosen = [theme] if theme else themes
        board = dashboard(
            scope=None,
            filters=Filters(municipality_id=municipality_id, area_id=area_id, theme_id=theme, start=start, end=end),
        )
        result.views += 1
        cells = [(buurt, month, t) for buurt in selection for month in in_period for t in chosen]
        by_code = {code: pk for pk, code in silos.items()}
        for row in board.funding:
            silo = by_code.get(row["silo"])
            measures[f"allocated:{silo}"].learn(cells, row["allocated"])
            measures[f"spent:{silo}"].learn(cells, row["spent"])
        for row in board.blockages:
            measures.setdefault(f"blockages_open:{row['silo']}", Measure("count")).learn(cells, row["open"])
            measures[f"euros_stuck:{row['silo']}"].learn(cells, row["stuck"])
            for code, figure in zip(OUTCOMES, row["outcomes"], strict=True):
                measures.setdefault(f"outcome_{code}:{row['silo']}", Measure("count")).learn(cells, figure)
        if theme is None:  # coordination is not split by theme
            place = [(buurt, month) for buurt in selection for month in in_period]
            for row in board.coordination_by_organisation:
                measures["minutes"].learn([(b, m, row["name"]) for b, m in place], row["minutes"])
            for row in board.coordination:
                names = [name for name, kind in organisation_kind.items() if kind == row["name"]]
                measures["minutes"].learn([(b, m, name) for b, m in place for name in names], row["minutes"])
    attack(dict(measures), result)
    result.seconds = time.monotonic() - started
    return result


def test_no_combination_of_the_dashboards_money_minutes_and_blockage_views_recovers_a_withheld_figure():
    _seed()
    result = run_dashboard_attack()
    _report("dashboard money/minutes/blockages attack", result)
    assert result.views > 100 and result.targets > 0
    assert result.inconsistent == 0
    assert result.recovered == []


# --- The bureau's funding audit: money per area, silo and period; the Iv3 taakvelden ---------------------------


def run_audit_money_attack() -> Result:
    started = time.monotonic()
    result = Result()
    bureau = User.objects.get(username="demo-bureau")
    municipality_id = policy.funding_municipality_id(bureau)
    assert municipality_id is not None
    buurten = list(
        Area.objects.filter(municipality_id=municipality_id, kind=Area.Kind.NEIGHBOURHOOD).values_list(
            "pk", "parent_id"
        )
    )
    by_wijk: dict[int, list[int]] = defaultdict(list)
    for pk, parent in buurten:
        by_wijk[parent].append(pk)
    every_buurt = [pk for pk, _parent in buurten]
    silos = [report.NO_KEY, *Silo.objects.order_by("pk").values_list("pk", flat=True)]
    measures: dict[str, Measure] = defaultdict(lambda: Measure("amount"))
    money = ("allocated", "spent", "spent_outside", "euros_stuck")
    years = set()
    for row in FlowCell.objects.filter(municipality_id=municipality_id).values(
        "granularity", "period", "silo_id", "neighbourhood_id", *money
    ):
        years.add(row["period"].year)
        key = (row["neighbourhood_id"], row["silo_id"] or report.NO_KEY)
        for name in money:
            measures[f"{name}:{row['granularity']}:{row['period']}"].truth[key] += float(row[name])
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
                    result.views += 1
                    for row in report.funding_flow(params).rows:
                        if row.whole_municipality:
                            continue  # budget only
                        if row.is_subtotal or by_silo:
                            area = every_buurt
                        else:
                            area = by_wijk[row.area_id] if level == "wijk" else [row.area_id]
                        keys = [(buurt, row.silo_id or report.NO_KEY) for buurt in area]
                        few = {
                            "allocated": row.households,
                            "spent": row.households,
                            "spent_outside": row.households,
                            "euros_stuck": row.blocked,
                        }
                        for name in money:
                            measures[f"{name}:{granularity}:{row.period}"].learn(
                                keys, getattr(row, name), sensitive=isinstance(few[name], suppression.Suppressed)
                            )
    # The Iv3 taakvelden: households reached and money per taakveld and period (no area or silo filter).
    for row in FlowTaakveldCell.objects.filter(municipality_id=municipality_id).values(
        "granularity", "period", "iv3_taakveld", "households", "allocated", "spent"
    ):
        suffix = f"{row['granularity']}:{row['period']}"
        measures.setdefault(f"iv3_households:{suffix}", Measure("count")).truth[row["iv3_taakveld"]] += row[
            "households"
        ]
        measures[f"iv3_allocated:{suffix}"].truth[row["iv3_taakveld"]] += float(row["allocated"])
        measures[f"iv3_spent:{suffix}"].truth[row["iv3_taakveld"]] += float(row["spent"])
    for year in sorted(years):
        for granularity in report.GRANULARITIES:
            params = report.ReportParams(municipality_id=municipality_id, year=year, granularity=granularity)
            result.views += 1
            for taakveld_row in iv3.taakveld_flow(params):
                suffix = f"{granularity}:{taakveld_row.period_start}"
                keys = [taakveld_row.iv3_taakveld]
                few = isinstance(taakveld_row.households, suppression.Suppressed)
                measures.setdefault(f"iv3_households:{suffix}", Measure("count")).learn(keys, taakveld_row.households)
                measures[f"iv3_allocated:{suffix}"].learn(keys, taakveld_row.allocated, sensitive=few)
                measures[f"iv3_spent:{suffix}"].learn(keys, taakveld_row.spent, sensitive=few)
    attack(dict(measures), result)
    result.seconds = time.monotonic() - started
    return result


def test_no_combination_of_the_bureaus_audit_money_and_iv3_views_recovers_a_withheld_figure():
    _seed()
    result = run_audit_money_attack()
    _report("funding-audit money/Iv3 attack", result)
    assert result.views > 50 and result.targets > 0
    assert result.inconsistent == 0
    assert result.recovered == []


def test_the_attackers_amount_rule_finds_an_exact_amount() -> None:
    """The rule does not pass by construction: an amount published exactly is recovered by a difference."""
    measure = Measure("amount")
    measure.truth.update({("a",): 1000.0, ("b",): 30.0})
    measure.learn([("a",), ("b",)], suppression.Cell(1030.0, "1030"))
    measure.learn([("a",)], suppression.Cell(1000.0, "1000"))
    measure.learn([("b",)], suppression.Cell(None, suppression.HIDDEN))
    exact, perturbed = Result(), Result()
    attack({"money": measure}, exact, magnitude_max=None)
    attack({"money": measure}, perturbed, magnitude_max=0.3)
    assert exact.recovered == [("money", 30.0)]
    assert perturbed.recovered == [] and perturbed.near == 1

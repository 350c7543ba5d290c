"""The dashboard's figures, read from the summary tables only and passed through suppression.

A fixed number of queries whatever the data: one per block. Neighbourhoods are
listed by CBS code, never ranked.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, overload

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import Aggregate, Count, F, FloatField, Func, IntegerField, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from funding.models import BlockageResolution, BlockageStatus, FundingStream
from organisations.models import Area
from privacy.suppression import HIDDEN, Cell, amount_cell, count_cell, measure_cell, ratio_cell

from .models import (
    BlockageCell,
    BlockageFact,
    BlockagePanelRollup,
    CaseMonthRollup,
    CaseMonthSummary,
    CaseTiming,
    CoordinationMonthRollup,
    CoordinationMonthSummary,
    CoordinationRollup,
    FundingMonthRollup,
    FundingMonthSummary,
    FundingRollup,
    GoalMonthRollup,
    GoalMonthSummary,
    GoalRollup,
    InstrumentMonthRollup,
    InstrumentMonthSummary,
    InstrumentRollup,
    NationalTimingHistogram,
    SummaryRun,
    TimingHistogram,
)
from .panel import CELL_FIGURES, blockage_panel_sql
from .querysets import DOMAIN, ORGANISATION, ORGANISATION_KIND, SILO, THEME, dict_rows


class Median(Aggregate):
    function = "percentile_cont"
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class DaysBetween(Func):
    """``later - earlier`` for two dates: PostgreSQL gives whole days."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()


OPEN_STATUSES = (BlockageStatus.OPEN, BlockageStatus.ESCALATED)
CLOSED_STATUSES = (BlockageStatus.RESOLVED, BlockageStatus.NOT_RESOLVABLE)
# How a blockage ended: the three resolutions, and "not resolvable".
OUTCOMES = (*BlockageResolution.values, BlockageStatus.NOT_RESOLVABLE.value)


@dataclass
class Filters:
    municipality_id: int | None = None
    area_id: int | None = None
    theme_id: int | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None


class NeighbourhoodLines(Sequence[dict[str, Any]]):
    """The neighbourhood table: each buurt's line made into its suppressed cells when it is read.

    The screen shows 50 lines a page, and the country has 2,134 buurten. Read from the database
    (``_LinesQuery``), a page reads only its own buurten's figures, by CBS code or by name (a count first, for
    the page numbers); the printable page, the export and the differencing attacker iterate over every line,
    read once. A line's cells follow from its own figures alone, so every page and every order shows the same
    cells. Built from rows (tests), it holds them.
    """

    def __init__(
        self,
        rows: Iterable[Mapping[str, Any]] | None = None,
        *,
        query: _LinesQuery | None = None,
        by_name: bool = False,
    ) -> None:
        self._rows: list[Mapping[str, Any]] | None = list(rows) if rows is not None else None
        self._query = query
        self._by_name = by_name
        self._count: int | None = None

    def _all(self) -> list[Mapping[str, Any]]:
        if self._rows is None:
            assert self._query is not None
            self._rows = list(self._query.rows(by_name=self._by_name))
        return self._rows

    def __len__(self) -> int:
        if self._rows is not None or self._query is None:
            return len(self._all())
        if self._count is None:
            self._count = self._query.count()
        return self._count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (_neighbourhood_line(row) for row in self._all())

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if not isinstance(index, slice):
            return _neighbourhood_line(self._all()[index])
        if self._rows is None and self._query is not None and index.step in (None, 1):
            start, stop, _ = index.indices(len(self))
            rows: list[Mapping[str, Any]] = list(
                self._query.rows(by_name=self._by_name, offset=start, limit=max(stop - start, 0))
            )
        else:
            rows = self._all()[index]
        return [_neighbourhood_line(row) for row in rows]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def by_name(self) -> NeighbourhoodLines:
        """The same lines in the order of their names (then codes)."""
        if self._rows is None and self._query is not None:
            return NeighbourhoodLines(query=self._query, by_name=True)
        return NeighbourhoodLines(sorted(self._all(), key=lambda row: (row["name"], row["code"])))


NEIGHBOURHOOD_COUNTS = ("households", "stapeling", "inflow", "outflow")


def _neighbourhood_line(row: Mapping[str, Any]) -> dict[str, Any]:
    # Perturbed cells need no complementary suppression: the total is a perturbed sum as well, and
    # the total minus the shown cells gives back a perturbed cell at best (docs/suppression.md).
    line: dict[str, Any] = {"code": row["code"], "name": row["name"]}
    for name in NEIGHBOURHOOD_COUNTS:
        line[name] = count_cell(row[name])
    line["coordinated_share"] = _share(row["coordinated"], row["households"])
    line["organisations_per_household"] = ratio_cell(row["organisations"], row["households"], percent=False, digits=1)
    return line


@dataclass
class Dashboard:
    freshness: SummaryRun | None
    trend: list[dict[str, Any]] = field(default_factory=list)
    neighbourhoods: NeighbourhoodLines = field(default_factory=lambda: NeighbourhoodLines([]))
    totals: dict[str, Cell] = field(default_factory=dict)
    goals: list[dict[str, Any]] = field(default_factory=list)
    instruments: list[dict[str, Any]] = field(default_factory=list)
    coordination: list[dict[str, Any]] = field(default_factory=list)
    coordination_by_organisation: list[dict[str, Any]] = field(default_factory=list)
    timing: dict[str, Cell] = field(default_factory=dict)
    blockages: list[dict[str, Any]] = field(default_factory=list)
    funding: list[dict[str, Any]] = field(default_factory=list)
    # Budgets are set per municipality: shown only when the selection is whole municipalities.
    budget_shown: bool = True

    def key_figures(self) -> dict[str, str]:
        """The suppressed figures a precision review freezes."""
        figures = {f"total_{name}": str(cell) for name, cell in self.totals.items()}
        figures.update({f"timing_{name}": str(cell) for name, cell in self.timing.items()})
        for row in self.goals:
            figures[f"goals_achieved_{row['theme']}"] = str(row["achieved_share"])
        for row in self.blockages:
            figures[f"blockages_open_{row['silo']}"] = str(row["open"])
            figures[f"blockages_stuck_{row['silo']}"] = str(row["stuck"])
        for row in self.funding:
            figures[f"funding_allocated_{row['silo']}"] = str(row["allocated"])
            figures[f"funding_spent_{row['silo']}"] = str(row["spent"])
        return figures


def _scoped(model: Any, scope: list[int] | None, filters: Filters) -> Any:
    query = model.objects.in_scope(
        municipality_id=filters.municipality_id,
        area_ids=[filters.area_id] if filters.area_id else None,
        buurt_ids=scope,
    )
    if filters.start:
        query = query.filter(month__gte=filters.start.replace(day=1))
    if filters.end:
        query = query.filter(month__lte=filters.end)
    return query


def _source(
    all_months: Any, per_month: Any, summary: Any, scope: list[int] | None, filters: Filters, *, rolled: bool
) -> Any:
    """The rows a panel sums: a whole municipality (or the country) over every month from the roll-up without
    months, over a period from the monthly roll-up, and a wijk, buurt or team lead's buurten from the buurt
    table."""
    if rolled and not (filters.start or filters.end):
        return all_months.objects.in_scope(municipality_id=filters.municipality_id)
    return _scoped(per_month if rolled else summary, scope, filters)


def published(count: str) -> Any:
    """A count as it may be published: the count plus its cell-key deviation (``_CaseMeasures``).

    Every figure is a sum of such perturbed cells, so one view minus another is too, and no
    combination of views gives back an exact count (``privacy/suppression.py``).
    """
    return F(count) + F(f"noise_{count}")


def _share(part: int | None, whole: int | None) -> Cell:
    """A share of households over perturbed counts: the part may have moved up and the whole down, so
    it is capped at the whole (never over 100%)."""
    return ratio_cell(None if part is None or whole is None else min(part, whole), whole)


def dashboard(*, scope: list[int] | None, filters: Filters, rollups: bool = True) -> Dashboard:
    """The figures of a selection. Whole municipalities (or the country) are read from the roll-ups
    (``rollups=False`` reads the buurt tables instead: the same figures, slower; for tests)."""
    board = Dashboard(freshness=SummaryRun.objects.finished().first())
    rolled = rollups and scope is None and not filters.area_id
    trend_sums: list[dict[str, Any]] = []
    for row in (
        _scoped(CaseMonthRollup if rolled else CaseMonthSummary, scope, filters)
        .values("month")
        .annotate(
            active=Sum(published("active_cases")),
            households=Sum(published("active_households")),
            inflow=Sum(published("inflow")),
            outflow=Sum(published("outflow")),
            coordinated=Sum(published("coordinated_households")),
            stapeling=Sum(published("stapeling_households")),
        )
        .order_by("month")
    ):
        trend_sums.append(row)
        board.trend.append(
            {
                "month": row["month"],
                "active": count_cell(row["active"]),
                "households": count_cell(row["households"]),
                "inflow": count_cell(row["inflow"]),
                "outflow": count_cell(row["outflow"]),
                "coordinated_share": _share(row["coordinated"], row["households"]),
                "stapeling": count_cell(row["stapeling"]),
            }
        )
    # Stocks (households) are taken in the period's last month; flows are summed over the period. The table's
    # totals are the trend's sums: the same perturbed cells (each buurt's row of the last month, and its
    # months of the period) added up by the roll-up, so no page needs every buurt's line.
    if trend_sums:
        board.neighbourhoods = NeighbourhoodLines(query=_lines_query(scope, filters, last=board.trend[-1]["month"]))
    board.totals = {
        "households": count_cell(trend_sums[-1]["households"] if trend_sums else 0),
        "stapeling": count_cell(trend_sums[-1]["stapeling"] if trend_sums else 0),
        "inflow": count_cell(sum(row["inflow"] for row in trend_sums)),
        "outflow": count_cell(sum(row["outflow"] for row in trend_sums)),
    }

    goals = _source(GoalRollup, GoalMonthRollup, GoalMonthSummary, scope, filters, rolled=rolled)
    if filters.theme_id:
        goals = goals.filter(theme_id=filters.theme_id)
    for row in goals.summed(
        [THEME],
        ["theme__order"],
        goals_n=Sum("goals"),
        achieved=Sum("achieved"),
        households=Sum(published("households")),
    ):
        board.goals.append(
            {
                "theme": row["theme__code"],
                "name": row["theme__name_nl"],
                "name_en": row["theme__name_en"],
                "households": count_cell(row["households"]),
                # A ratio over goals is hidden unless the goals belong to enough households.
                "achieved_share": ratio_cell(row["achieved"], row["goals_n"])
                if row["households"] >= 5
                else ratio_cell(None, 0),
            }
        )
    instruments = _source(
        InstrumentRollup, InstrumentMonthRollup, InstrumentMonthSummary, scope, filters, rolled=rolled
    )
    for row in instruments.summed(
        [DOMAIN],
        ["domain__order"],
        persons_n=Sum("persons"),
        households=Sum(published("households")),
        first=Sum("sum_first"),
        latest=Sum("sum_latest"),
    ):
        enough = row["households"] >= 5
        board.instruments.append(
            {
                "name": row["domain__name_nl"],
                "households": count_cell(row["households"]),
                "first": ratio_cell(row["first"] if enough else None, row["persons_n"], percent=False, digits=2),
                "latest": ratio_cell(row["latest"] if enough else None, row["persons_n"], percent=False, digits=2),
            }
        )
    # One query per (organisation kind, organisation): the kinds' figures are the sums of their organisations'
    # rows (the same sums the summary would give per kind), so the page keeps its number of queries.
    per_kind: dict[str, dict[str, Any]] = {}
    coordination = _source(
        CoordinationRollup, CoordinationMonthRollup, CoordinationMonthSummary, scope, filters, rolled=rolled
    )
    for row in coordination.summed(
        [ORGANISATION_KIND, ORGANISATION],
        ["organisation_kind__order", "organisation__name"],
        minutes_n=Sum(published("minutes")),
        households=Sum(published("households")),
    ):
        kind = per_kind.setdefault(
            row["organisation_kind__name_nl"],
            {"minutes_n": 0, "households": 0, "order": row["organisation_kind__order"]},
        )
        kind["minutes_n"] += row["minutes_n"] or 0
        kind["households"] += row["households"] or 0
        if row["organisation__name"] is not None:  # rows built before organisations were kept count per kind only
            board.coordination_by_organisation.append(
                {
                    "name": row["organisation__name"],
                    "kind": row["organisation_kind__name_nl"],
                    "households": count_cell(row["households"]),
                    "minutes": amount_cell(row["minutes_n"], row["households"]),
                }
            )
    board.coordination_by_organisation.sort(key=lambda row: row["name"])
    for name, kind in sorted(per_kind.items(), key=lambda item: item[1]["order"]):
        board.coordination.append(
            {
                "name": name,
                "households": count_cell(kind["households"]),
                "minutes": amount_cell(kind["minutes_n"], kind["households"]),
            }
        )
    if rolled:
        histogram = NationalTimingHistogram if filters.municipality_id is None else TimingHistogram
        medians = _scoped(histogram, scope, filters).medians()
        contact = medians.get(TimingHistogram.Measure.FIRST_CONTACT, (None, 0))
        plan = medians.get(TimingHistogram.Measure.PLAN, (None, 0))
        timing = {"contact_median": contact[0], "contact_n": contact[1], "plan_median": plan[0], "plan_n": plan[1]}
    else:
        timing = _scoped(CaseTiming, scope, filters).aggregate(
            contact_median=Median("days_to_first_contact"),
            contact_n=Count("days_to_first_contact", output_field=IntegerField()),
            plan_median=Median("days_to_plan"),
            plan_n=Count("days_to_plan", output_field=IntegerField()),
        )
    board.timing = {
        "days_to_first_contact": measure_cell(timing["contact_median"], timing["contact_n"]),
        "days_to_plan": measure_cell(timing["plan_median"], timing["plan_n"]),
    }
    board.blockages = _blockage_panel(scope, filters, rolled=rolled)
    # A stream's budget is not split by area or theme: shown only for whole municipalities, all themes.
    board.budget_shown = scope is None and not filters.area_id and not filters.theme_id
    board.funding = _funding_panel(scope, filters, with_budget=board.budget_shown, rolled=rolled)
    return board


def _neighbourhood_stocks(row: str) -> str:
    """A buurt's stocks (households in the period's last month) from its summary row ``row``: zero when that row
    is of an earlier month. The same in both statements below."""
    return ", ".join(
        f"CASE WHEN {row}.month = %(last)s THEN {row}.{column} ELSE 0 END AS {name}"
        for name, column in (
            ("households", f"active_households + {row}.noise_active_households"),
            ("coordinated", f"coordinated_households + {row}.noise_coordinated_households"),
            ("stapeling", f"stapeling_households + {row}.noise_stapeling_households"),
            ("organisations", "sum_organisations"),
        )
    )


# Each buurt's line: its row of the period's last month with data (stocks are taken there, when that is the
# selection's last month) and the flows of the period as the difference of two rows' flows to date
# (``CaseMonthSummary``). Two index probes a buurt, where summing the period's rows read every month of it:
# 98,000 rows for the country.
_NEIGHBOURHOOD_SQL = """
    SELECT a.code, a.name, e.buurt_id,
           __STOCKS__,
           e.inflow_to_date - coalesce(s.inflow_to_date, 0) AS inflow,
           e.outflow_to_date - coalesce(s.outflow_to_date, 0) AS outflow
      FROM organisations_area a
     CROSS JOIN LATERAL (
        SELECT * FROM monitoring_casemonthsummary r
         WHERE r.buurt_id = a.id AND r.month <= %(end)s AND __ROWS__
         ORDER BY r.month DESC LIMIT 1
     ) AS e
      LEFT JOIN LATERAL (
        SELECT r.inflow_to_date, r.outflow_to_date FROM monitoring_casemonthsummary r
         WHERE %(start)s IS NOT NULL AND r.buurt_id = a.id AND r.month < %(start)s AND __ROWS__
         ORDER BY r.month DESC LIMIT 1
     ) AS s ON true
     WHERE a.kind = %(buurt)s AND __AREAS__ AND (%(start)s IS NULL OR e.month >= %(start)s)
"""


# The same lines without a period: each buurt's last row (``latest``), one partial index for the country
# instead of a probe per buurt.
_NEIGHBOURHOOD_LATEST_SQL = """
    SELECT a.code, a.name, r.buurt_id,
           __STOCKS__,
           r.inflow_to_date AS inflow, r.outflow_to_date AS outflow
      FROM monitoring_casemonthsummary r
      JOIN organisations_area a ON a.id = r.buurt_id
     WHERE r.latest AND a.kind = %(buurt)s AND __ROWS__ AND __AREAS__
"""


# How many lines the selection has: its buurten with a row in the period (the lines above have one there).
_NEIGHBOURHOOD_COUNT_SQL = """
    SELECT count(*) FROM organisations_area a
     WHERE a.kind = %(buurt)s AND __AREAS__ AND EXISTS (
        SELECT FROM monitoring_casemonthsummary r
         WHERE r.buurt_id = a.id AND r.month <= %(end)s AND (%(start)s IS NULL OR r.month >= %(start)s) AND __ROWS__
     )
"""

_NEIGHBOURHOOD_LATEST_COUNT_SQL = """
    SELECT count(*) FROM monitoring_casemonthsummary r JOIN organisations_area a ON a.id = r.buurt_id
     WHERE r.latest AND a.kind = %(buurt)s AND __ROWS__ AND __AREAS__
"""


@dataclass(frozen=True)
class _LinesQuery:
    """The neighbourhood table's statements for one selection: its lines in an order, a slice of them, their count."""

    lines_sql: str
    count_sql: str
    params: dict[str, Any]
    db: str

    def rows(self, *, by_name: bool, offset: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        order = "a.name, a.code" if by_name else "a.code"
        page = "" if limit is None else " LIMIT %(limit)s OFFSET %(offset)s"
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"{self.lines_sql} ORDER BY {order}{page}",  # the statements above, orders from two constants
                {**self.params, "limit": limit, "offset": offset},
            )
            return dict_rows(cursor)

    def count(self) -> int:
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.count_sql, self.params)
            return int(cursor.fetchone()[0])


def _lines_query(scope: list[int] | None, filters: Filters, *, last: datetime.date) -> _LinesQuery:
    """The neighbourhood table's figures per buurt of the selection, as ``_neighbourhood_line`` reads them. A buurt
    is in the selection by its area now and by its summary rows (which name the wijk and municipality of the last
    refresh), as ``_scoped`` selects rows."""
    rows, areas = ["true"], ["true"]
    params: dict[str, Any] = {
        "buurt": Area.Kind.NEIGHBOURHOOD,
        "last": last,
        "start": filters.start.replace(day=1) if filters.start else None,  # None: no probe before it
        "end": filters.end or datetime.date.max,
    }
    if filters.municipality_id is not None:
        params["municipality"] = filters.municipality_id
        rows.append("r.municipality_id = %(municipality)s")
        areas.append("a.municipality_id = %(municipality)s")
    if filters.area_id:
        params["areas"] = [filters.area_id]
        rows.append("(r.wijk_id = ANY(%(areas)s) OR r.buurt_id = ANY(%(areas)s))")
        areas.append("(a.parent_id = ANY(%(areas)s) OR a.id = ANY(%(areas)s))")
    if scope is not None:
        params["scope"] = scope
        areas.append("a.id = ANY(%(scope)s)")
    if filters.start is None and filters.end is None:
        lines, count = (
            _NEIGHBOURHOOD_LATEST_SQL.replace("__STOCKS__", _neighbourhood_stocks("r")),
            _NEIGHBOURHOOD_LATEST_COUNT_SQL,
        )
    else:
        lines, count = _NEIGHBOURHOOD_SQL.replace("__STOCKS__", _neighbourhood_stocks("e")), _NEIGHBOURHOOD_COUNT_SQL
    where = {"__ROWS__": " AND ".join(rows), "__AREAS__": " AND ".join(areas)}
    for placeholder, condition in where.items():
        lines, count = lines.replace(placeholder, condition), count.replace(placeholder, condition)
    return _LinesQuery(lines, count, params, CaseMonthSummary.objects.db)


def _silo_name(row: Mapping[str, Any], prefix: str = "silo__") -> str:
    english = (get_language() or "nl").startswith("en")
    return str(row[f"{prefix}name_en" if english else f"{prefix}name_nl"] or "")


# The day BlockagePanelRollup counts its median opening day from.
PANEL_EPOCH = datetime.date(2000, 1, 1)
_PANEL_FIGURES = (
    "open_n",
    "open_households",
    "stuck",
    "closed_households",
    "opened_median",
    "days_to_close",
    *(f"{prefix}_{code}" for code in OUTCOMES for prefix in ("n", "households")),
)


# What the panel's SQL reads of each fact: its medians (the counts come from ``BlockageCell``).
_FACT_COLUMNS = ("silo_id", "status", "opened_on", "closed_on")


def _blockage_rows(
    scope: list[int] | None, filters: Filters, *, rolled: bool, today: datetime.date
) -> list[dict[str, Any]]:
    """The panel's figures per silo, as published: sums of perturbed base cells (``panel.py``). Whole
    municipalities (or the country) over all time, for all themes or one, are read from ``BlockagePanelRollup``
    (the same sums, stored); any other selection adds up the stored base cells and takes its medians from the
    facts, in one query."""
    if rolled and not (filters.start or filters.end):
        which = Q(municipality_id=filters.municipality_id) if filters.municipality_id else Q(municipality__isnull=True)
        which &= Q(theme_id=filters.theme_id) if filters.theme_id else Q(theme__isnull=True)
        rows = list(
            BlockagePanelRollup.objects.filter(which)
            .values("silo__code", "silo__name_nl", "silo__name_en", "silo__order", *_PANEL_FIGURES)
            .order_by("silo__order")
        )
    else:
        cells = _scoped(BlockageCell, scope, filters)
        facts = _scoped(BlockageFact, scope, filters)
        if filters.theme_id:
            cells, facts = cells.filter(theme_id=filters.theme_id), facts.filter(theme_id=filters.theme_id)
        try:
            cells_sql, cells_params = cells.values(*CELL_FIGURES, "silo_id").query.sql_with_params()
            facts_sql, facts_params = facts.values(*_FACT_COLUMNS).query.sql_with_params()
        except EmptyResultSet:  # a team lead without buurten: nothing to add up
            return []
        sql = f"""
            SELECT s.code AS silo__code, s.name_nl AS silo__name_nl, s.name_en AS silo__name_en,
                   s."order" AS silo__order, p.*
              FROM ({blockage_panel_sql(cells_sql, facts_sql)}) AS p
              LEFT JOIN funding_silo s ON s.id = p.silo_id
             ORDER BY s."order" NULLS LAST
        """  # noqa: S608 — the cells' and facts' SQL is Django's, with its parameters passed on
        with connection.cursor() as cursor:
            cursor.execute(sql, [*cells_params, *facts_params])
            rows = dict_rows(cursor)
    for row in rows:
        opened = row.pop("opened_median")
        row["days_open"] = None if opened is None else (today - PANEL_EPOCH).days - opened
    return rows


def _blockage_panel(scope: list[int] | None, filters: Filters, *, rolled: bool) -> list[dict[str, Any]]:
    """Per silo: open blockages, median days open, euros stuck, and how the closed ones ended. One query.

    Blockages are filtered by the month they were opened. Every figure is withheld when the
    households behind it are fewer than the threshold.
    """
    panel = []
    for row in _blockage_rows(scope, filters, rolled=rolled, today=timezone.localdate()):
        panel.append(
            {
                "silo": row["silo__code"] or "none",
                "name": _silo_name(row),
                "open": amount_cell(row["open_n"], row["open_households"]),
                "days_open": measure_cell(row["days_open"], row["open_households"], digits=0),
                "stuck": amount_cell(row["stuck"], row["open_households"]),
                "days_to_close": measure_cell(row["days_to_close"], row["closed_households"], digits=0),
                "outcomes": [amount_cell(row[f"n_{code}"], row[f"households_{code}"]) for code in OUTCOMES],
            }
        )
    return panel


def _funding_panel(
    scope: list[int] | None, filters: Filters, *, with_budget: bool, rolled: bool
) -> list[dict[str, Any]]:
    """Per silo: the budget of the streams running in the period, allocated and spent. Two queries.

    Allocated and spent come from the summary (withheld when they pay for fewer than the
    threshold's households). Budgets are reference data per stream, not personal data, and
    are read from the streams themselves: a few rows per municipality.
    """
    rows: dict[str, dict[str, Any]] = {}
    money = _source(FundingRollup, FundingMonthRollup, FundingMonthSummary, scope, filters, rolled=rolled)
    if filters.theme_id:
        money = money.filter(theme_id=filters.theme_id)
    for row in money.summed(
        [SILO],
        ["silo__order"],
        allocated_sum=Sum(published("allocated")),
        allocated_n=Sum("allocated_households"),
        spent_sum=Sum(published("spent")),
        spent_n=Sum("spent_households"),
    ):
        rows[row["silo__code"]] = {
            "silo": row["silo__code"],
            "name": _silo_name(row),
            "order": row["silo__order"],
            "budget": Cell(None, HIDDEN),
            "allocated": amount_cell(row["allocated_sum"], row["allocated_n"]),
            "spent": amount_cell(row["spent_sum"], row["spent_n"]),
        }
    if with_budget:
        streams = FundingStream.objects.all()
        if filters.municipality_id:
            streams = streams.filter(municipality_id=filters.municipality_id)
        if filters.start:
            streams = streams.filter(valid_until__gte=filters.start)
        if filters.end:
            streams = streams.filter(valid_from__lte=filters.end)
        for row in streams.values("silo__code", "silo__name_nl", "silo__name_en", "silo__order").annotate(
            total=Sum("budget")
        ):
            entry = rows.setdefault(
                row["silo__code"],
                {
                    "silo": row["silo__code"],
                    "name": _silo_name(row),
                    "order": row["silo__order"],
                    "allocated": Cell(0, "0"),
                    "spent": Cell(0, "0"),
                },
            )
            entry["budget"] = Cell(float(row["total"]), f"{row['total']:.0f}")
    return sorted(rows.values(), key=lambda entry: entry["order"])


def export_rows(board: Dashboard) -> list[list[Any]]:
    """The export's rows: the displayed (suppressed) figures of each panel, one block after another.

    Figures stay numbers (numeric cells in the XLSX); a suppressed one is its text ("<5").
    """
    rows = [[_("Month"), _("Active cases"), _("Households"), _("Inflow"), _("Outflow"), _("Stapeling")]]
    for row in board.trend:
        rows.append(
            [row["month"].strftime("%Y-%m")]
            + [_figure(row[k]) for k in ("active", "households", "inflow", "outflow", "stapeling")]
        )
    rows.append([])
    rows.append([_("Neighbourhood"), _("Code"), _("Households"), _("Stapeling"), _("Inflow"), _("Outflow")])
    for entry in board.neighbourhoods:
        rows.append(
            [entry["name"], entry["code"]]
            + [_figure(entry[k]) for k in ("households", "stapeling", "inflow", "outflow")]
        )
    rows.append([])
    rows.append(
        [
            _("Silo"),
            _("Open blockages"),
            _("Median days open"),
            _("Euros stuck (open)"),
            _("Median days to close"),
            _("Resolved: flexible budget"),
            _("Resolved: exemption"),
            _("Resolved: another route"),
            _("Not resolvable"),
        ]
    )
    for entry in board.blockages:
        rows.append(
            [entry["name"] or _("No silo recorded")]
            + [_figure(entry[k]) for k in ("open", "days_open", "stuck", "days_to_close")]
            + [_figure(cell) for cell in entry["outcomes"]]
        )
    rows.append([])
    rows.append([_("Silo"), _("Budget (€)"), _("Allocated (€)"), _("Spent (€)")])
    for entry in board.funding:
        rows.append([entry["name"]] + [_figure(entry[k]) for k in ("budget", "allocated", "spent")])
    # Coordination time, per kind and per named organisation: the cells as the screen suppresses them.
    rows.append([])
    rows.append([_("Organisation kind"), _("Households"), _("Minutes")])
    for entry in board.coordination:
        rows.append([entry["name"], _figure(entry["households"]), _figure(entry["minutes"])])
    rows.append([])
    rows.append([_("Organisation"), _("Organisation kind"), _("Households"), _("Minutes")])
    for entry in board.coordination_by_organisation:
        rows.append([entry["name"], entry["kind"], _figure(entry["households"]), _figure(entry["minutes"])])
    return rows


def _figure(value: Any) -> Any:
    """A figure for a cell: a number when shown as one (a numeric XLSX cell), else the text shown ("<5", "12%")."""
    if isinstance(value, Cell):
        # The figure exactly as shown (a count, "12.5"), as a number; withheld or decorated figures as text.
        if value.value is None or not _PLAIN_NUMBER.fullmatch(value.display):
            return value.display
        return Decimal(value.display) if "." in value.display else int(value.display)
    return value if isinstance(value, int | float | Decimal) and not isinstance(value, bool) else str(value)


_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")

"""The funding-flow audit: per silo, area and period, where the money is meant to go and where it lands.

One SQL statement (CTEs, GROUP BY) computes for the auditor's municipality:
budget, allocated, spent, households reached, blocked actions and euros stuck,
and spend that landed outside the stream's intended areas. Budgets come live
from the streams; the rest from the summary table (``FlowCell``, see
``summary.py``) that the background refreshes, so the page reads a few
thousand rows whatever the size of the municipality. Python only shapes the
rows and applies small-cell suppression (``privacy.suppression``).

How each figure is placed in a cell:
- budget: a stream's budget spread evenly over the months of its period; a
  stream bound to areas splits it evenly over them (at the report's level),
  a stream for the whole municipality shows on the "whole municipality" row;
- allocated: allocations by the month they start, in the household's area;
- spent: spend by month, in the buurt the household lived in when it landed;
- households reached: distinct households with an allocation running in the
  period (for the bureau perturbed by the cell-key method and suppressed under the
  threshold; for the auditor exact, and labelled so);
- blocked: open and escalated blockages by the month they were opened, one per
  action, under the silo of the stream that came closest to paying;
- outside the intended areas: spend of an area-bound stream in a buurt that is
  not one of its areas (nor in one of its wijken).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, connections, router
from django.utils.translation import gettext as _

from privacy.suppression import Suppressed, suppress_count

from .models import FlowCell
from .stuck import counted_blockage_sql

LEVELS = ("wijk", "buurt")
GRANULARITIES = ("month", "quarter", "year")
NO_KEY = 0  # the "whole municipality" area and the "no silo" silo, as a key

FLOW_SQL = """
WITH
buurt AS MATERIALIZED (
    SELECT b.id AS buurt_id, CASE WHEN %(level)s = 'wijk' THEN b.parent_id ELSE b.id END AS area_id
    FROM organisations_area b
    WHERE b.kind = 'buurt' AND b.municipality_id = %(municipality)s
),
stream AS MATERIALIZED (
    SELECT s.id, s.silo_id, s.budget, s.valid_from, s.valid_until, s.municipality_id
    FROM funding_fundingstream s
    WHERE s.municipality_id = %(municipality)s OR s.municipality_id IS NULL
),
listed AS (
    SELECT sa.fundingstream_id AS stream_id, a.id, a.kind, a.parent_id,
           count(*) OVER (PARTITION BY sa.fundingstream_id) AS n
    FROM funding_fundingstream_areas sa
    JOIN organisations_area a ON a.id = sa.area_id
    WHERE a.municipality_id = %(municipality)s
),
area_share AS (
    SELECT stream_id, COALESCE(parent_id, id) AS area_id, 1.0 / n AS share FROM listed WHERE %(level)s = 'wijk'
    UNION ALL
    SELECT stream_id, id, 1.0 / n FROM listed WHERE %(level)s = 'buurt' AND kind = 'buurt'
    UNION ALL
    SELECT l.stream_id, c.id, 1.0 / l.n / count(*) OVER (PARTITION BY l.stream_id, l.id)
    FROM listed l JOIN organisations_area c ON c.parent_id = l.id
    WHERE %(level)s = 'buurt' AND l.kind = 'wijk'
),
stream_month AS (
    SELECT s.id AS stream_id, s.silo_id, m::date AS month,
           s.budget / count(*) OVER (PARTITION BY s.id) AS amount
    FROM stream s
    CROSS JOIN LATERAL generate_series(date_trunc('month', s.valid_from), date_trunc('month', s.valid_until),
                                       interval '1 month') AS m
    WHERE s.municipality_id IS NOT NULL
),
budget AS (
    SELECT sm.silo_id, sh.area_id, date_trunc(%(granularity)s, sm.month)::date AS period,
           sum(sm.amount * COALESCE(sh.share, 1)) AS budget
    FROM stream_month sm
    LEFT JOIN area_share sh ON sh.stream_id = sm.stream_id
    WHERE sm.month BETWEEN %(start)s AND %(stop_day)s
    GROUP BY 1, 2, 3
),
summary AS (
    -- The bureau reads each count with its cell-key deviation and each amount with its households'
    -- deviations (privacy/suppression.py); the auditor (%(exact)s) the figures themselves.
    SELECT f.silo_id, bz.area_id, f.period,
           sum(f.allocated + CASE WHEN %(exact)s THEN 0 ELSE f.noise_allocated END) AS allocated,
           sum(f.spent + CASE WHEN %(exact)s THEN 0 ELSE f.noise_spent END) AS spent,
           sum(f.spent_outside + CASE WHEN %(exact)s THEN 0 ELSE f.noise_spent_outside END) AS outside,
           sum(f.households + CASE WHEN %(exact)s THEN 0 ELSE f.noise_households END) AS households,
           sum(f.blocked + CASE WHEN %(exact)s THEN 0 ELSE f.noise_blocked END) AS blocked,
           sum(f.euros_stuck + CASE WHEN %(exact)s THEN 0 ELSE f.noise_euros_stuck END) AS stuck
    FROM funding_flowcell f
    JOIN buurt bz ON bz.buurt_id = f.neighbourhood_id
    WHERE f.municipality_id = %(municipality)s AND f.granularity = %(granularity)s
      AND f.period BETWEEN %(start)s AND %(stop)s
    GROUP BY 1, 2, 3
),
cells AS (
    SELECT silo_id, area_id, period, budget, 0 AS allocated, 0 AS spent, 0 AS outside, 0 AS households,
           0 AS blocked, 0 AS stuck FROM budget
    UNION ALL
    SELECT silo_id, area_id, period, 0, allocated, spent, outside, households, blocked, stuck FROM summary
),
totals AS (
    -- By silo only (the screen's overview): every area folded into one row per silo and period (area -1).
    SELECT silo_id, CASE WHEN %(by_silo)s THEN -1 ELSE area_id END AS area_id, period,
           sum(budget) AS budget, sum(allocated) AS allocated, sum(spent) AS spent,
           sum(outside) AS outside, sum(households)::integer AS households, sum(blocked)::integer AS blocked,
           sum(stuck) AS stuck
    FROM cells
    WHERE %(silo)s::bigint IS NULL OR silo_id = %(silo)s::bigint
    GROUP BY 1, 2, 3
)
SELECT COALESCE(t.silo_id, 0), silo.code, silo.name_nl, silo.name_en,
       COALESCE(t.area_id, 0), area.code, area.name, t.period,
       t.budget, t.allocated, t.spent, t.outside, t.households, t.blocked, t.stuck,
       (SELECT max(refreshed_at) FROM funding_flowcell WHERE municipality_id = %(municipality)s)
FROM totals t
LEFT JOIN funding_silo silo ON silo.id = t.silo_id
LEFT JOIN organisations_area area ON area.id = t.area_id
ORDER BY silo."order" NULLS LAST, area.code NULLS FIRST, t.period
"""


@dataclass(frozen=True)
class ReportParams:
    municipality_id: int
    year: int
    level: str = "wijk"
    granularity: str = "quarter"
    silo_id: int | None = None
    # The overview: one row per silo and period, without the areas.
    by_silo: bool = False
    # The auditor's view (``policy.may_see_case_references``): counts as they are, labelled as exact,
    # pseudonymous and not for publication, instead of suppressed counts that the drill-down beneath
    # them would contradict anyway.
    exact: bool = False

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def stop(self) -> datetime.date:
        """The first day of the last period bucket in the year."""
        return {
            "month": datetime.date(self.year, 12, 1),
            "quarter": datetime.date(self.year, 10, 1),
            "year": datetime.date(self.year, 1, 1),
        }[self.granularity]

    @property
    def stop_day(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)

    def sql_params(self) -> dict[str, Any]:
        step = {"month": "1 month", "quarter": "3 months", "year": "1 year"}[self.granularity]
        return {
            "municipality": self.municipality_id,
            "level": self.level,
            "granularity": self.granularity,
            "start": self.start,
            "stop": self.stop,
            "stop_day": self.stop_day,
            "step": step,
            "silo": self.silo_id,
            "by_silo": self.by_silo,
            "exact": self.exact,
            "tz": settings.TIME_ZONE,
            # The year's bounds as moments in the municipality's time zone, so the index on opened_at serves.
            "start_at": datetime.datetime.combine(self.start, datetime.time(), tzinfo=ZoneInfo(settings.TIME_ZONE)),
            "end_at": datetime.datetime.combine(
                datetime.date(self.year + 1, 1, 1), datetime.time(), tzinfo=ZoneInfo(settings.TIME_ZONE)
            ),
        }


@dataclass
class Row:
    silo_id: int
    silo_code: str
    silo_name: str
    area_id: int
    area_code: str
    area_name: str
    period: datetime.date
    budget: Decimal
    allocated: Decimal
    spent: Decimal
    spent_outside: Decimal
    households: int | Suppressed
    blocked: int | Suppressed
    euros_stuck: Decimal
    is_subtotal: bool = False
    label: str = ""
    cell_query: str = ""

    @property
    def no_silo(self) -> bool:
        return self.silo_id == NO_KEY

    @property
    def whole_municipality(self) -> bool:
        return self.area_id == NO_KEY


@dataclass
class FlowReport:
    params: ReportParams
    rows: list[Row]
    totals: dict[str, Decimal] = field(default_factory=dict)
    # When the summary behind allocated, spent, households and blockages was last rebuilt.
    refreshed_at: datetime.datetime | None = None

    @property
    def exact(self) -> bool:
        return self.params.exact


def exact_label() -> str:
    """What the auditor's counts are, said on every screen and file that shows them."""
    return _("exact counts, pseudonymous — not for publication")


def period_label(period: datetime.date, granularity: str) -> str:
    if granularity == "year":
        return f"{period.year}"
    if granularity == "quarter":
        return f"{period.year}-K{(period.month - 1) // 3 + 1}"
    return f"{period:%Y-%m}"


def _raw_rows(params: ReportParams) -> tuple[list[tuple[Any, ...]], datetime.datetime | None]:
    # The summary cells and reference data only: a replica may answer (wijkteam/db_routers.py).
    with connections[router.db_for_read(FlowCell)].cursor() as cursor:
        cursor.execute(FLOW_SQL, params.sql_params())
        rows = cursor.fetchall()
    return [row[:-1] for row in rows], (rows[0][-1] if rows else None)


def funding_flow(params: ReportParams, *, language: str = "nl") -> FlowReport:
    """The report for one municipality and year: one query, then suppression of the counts."""
    if params.by_silo:
        return _overview(params, language)
    raw, refreshed_at = _raw_rows(params)
    households: dict[tuple[int, int, datetime.date], int] = {}
    blocked: dict[tuple[int, int, datetime.date], int] = {}
    groups: dict[tuple[int, datetime.date], list[tuple[int, int, datetime.date]]] = {}
    for silo_id, _code, _nl, _en, area_id, _acode, _aname, period, *_money, reached, blocked_count, _stuck in raw:
        key = (silo_id, area_id, period)
        households[key] = reached
        blocked[key] = blocked_count
        groups.setdefault((silo_id, period), []).append(key)
    # Subtotals per silo and period are sums over the areas (a household lives in one area).
    subtotal_keys = {group: (group[0], -1, group[1]) for group in groups}
    for group, members in groups.items():
        households[subtotal_keys[group]] = sum(households[member] for member in members)
        blocked[subtotal_keys[group]] = sum(blocked[member] for member in members)
    # The bureau's counts are sums of perturbed cells (cell-key, docs/suppression.md): a subtotal minus
    # its shown cells gives a perturbed cell at best, so primary suppression is enough.
    shown_households: dict[Any, int | Suppressed] = dict(households)
    shown_blocked: dict[Any, int | Suppressed] = dict(blocked)
    if not params.exact:
        shown_households = {key: suppress_count(value) for key, value in households.items()}
        shown_blocked = {key: suppress_count(value) for key, value in blocked.items()}

    rows: list[Row] = []
    totals = dict.fromkeys(("budget", "allocated", "spent", "spent_outside", "euros_stuck"), Decimal("0"))
    subtotal_money: dict[tuple[int, datetime.date], list[Decimal]] = {}
    names: dict[int, tuple[str, str]] = {}
    for silo_id, code, name_nl, name_en, area_id, area_code, area_name, period, *rest in raw:
        budget, allocated, spent, outside, _reached, _blocked, stuck = rest
        key = (silo_id, area_id, period)
        silo_name = (name_en if language.startswith("en") else name_nl) or ""
        names[silo_id] = (code or "", silo_name)
        money = [Decimal(value or 0) for value in (budget, allocated, spent, outside, stuck)]
        rows.append(
            Row(
                silo_id=silo_id,
                silo_code=code or "",
                silo_name=silo_name,
                area_id=area_id,
                area_code=area_code or "",
                area_name=area_name or "",
                period=period,
                budget=_cents(money[0]),
                allocated=money[1],
                spent=money[2],
                spent_outside=money[3],
                households=shown_households[key],
                blocked=shown_blocked[key],
                euros_stuck=money[4],
            )
        )
        running = subtotal_money.setdefault((silo_id, period), [Decimal("0")] * 5)
        for index, value in enumerate(money):
            running[index] += value
        for name, value in zip(totals, money, strict=True):
            totals[name] += value
    # The silo subtotals follow each silo's area rows, per period.
    shaped: list[Row] = []
    for index, row in enumerate(rows):
        shaped.append(row)
        is_last_of_silo = index + 1 == len(rows) or rows[index + 1].silo_id != row.silo_id
        if is_last_of_silo:
            for (silo_id, period), money in sorted(subtotal_money.items(), key=lambda item: item[0][1]):
                if silo_id != row.silo_id:
                    continue
                key = subtotal_keys[(silo_id, period)]
                shaped.append(
                    Row(
                        silo_id=silo_id,
                        silo_code=names[silo_id][0],
                        silo_name=names[silo_id][1],
                        area_id=-1,
                        area_code="",
                        area_name="",
                        period=period,
                        budget=_cents(money[0]),
                        allocated=money[1],
                        spent=money[2],
                        spent_outside=money[3],
                        households=shown_households[key],
                        blocked=shown_blocked[key],
                        euros_stuck=money[4],
                        is_subtotal=True,
                    )
                )
    for row in shaped:
        row.label = period_label(row.period, params.granularity)
    # Budgets are spread over months and areas: round each shown figure, and the total from the exact sum.
    return FlowReport(
        params=params,
        rows=shaped,
        totals={name: _cents(value) for name, value in totals.items()},
        refreshed_at=refreshed_at,
    )


def _overview(params: ReportParams, language: str) -> FlowReport:
    """One row per silo and period. The counts are the same sums that head each silo in the full table,
    where they are hidden exactly when they are small themselves (a lone small area cell among zeros makes
    a small total), so the overview and the full export withhold the same figures."""
    raw, refreshed_at = _raw_rows(params)
    rows: list[Row] = []
    totals = dict.fromkeys(("budget", "allocated", "spent", "spent_outside", "euros_stuck"), Decimal("0"))
    for silo_id, code, name_nl, name_en, _area_id, _code, _name, period, *rest in raw:
        budget, allocated, spent, outside, households, blocked, stuck = rest
        money = [Decimal(value or 0) for value in (budget, allocated, spent, outside, stuck)]
        for name, value in zip(totals, money, strict=True):
            totals[name] += value
        rows.append(
            Row(
                silo_id=silo_id,
                silo_code=code or "",
                silo_name=(name_en if language.startswith("en") else name_nl) or "",
                area_id=-1,
                area_code="",
                area_name="",
                period=period,
                budget=_cents(money[0]),
                allocated=money[1],
                spent=money[2],
                spent_outside=money[3],
                households=(households or 0) if params.exact else suppress_count(households or 0),
                blocked=(blocked or 0) if params.exact else suppress_count(blocked or 0),
                euros_stuck=money[4],
                is_subtotal=True,
                label=period_label(period, params.granularity),
            )
        )
    return FlowReport(
        params=params,
        rows=rows,
        totals={name: _cents(value) for name, value in totals.items()},
        refreshed_at=refreshed_at,
    )


def estimated_rows(params: ReportParams) -> int:
    """How many rows the full table would have, roughly (areas, times periods, times silos): one small query."""
    periods = {"month": 12, "quarter": 4, "year": 1}[params.granularity]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM organisations_area WHERE municipality_id = %s AND kind = %s), "
            "(SELECT count(*) FROM funding_silo)",
            [params.municipality_id, params.level],
        )
        areas, silos = cursor.fetchone()
    return int(areas) * periods * (1 if params.silo_id else int(silos) + 1)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def export_header(*, exact: bool = False) -> list[str]:
    counts = f" ({exact_label()})" if exact else ""
    return [
        _("Silo"),
        _("Area code"),
        _("Area"),
        _("Period"),
        _("Budget (€)"),
        _("Allocated (€)"),
        _("Spent (€)"),
        _("Spent outside the intended areas (€)"),
        _("Households reached") + counts,
        _("Blocked actions") + counts,
        _("Euros stuck"),
    ]


def export_rows(report: FlowReport) -> list[Sequence[Any]]:
    """The displayed rows, suppression included (a withheld count exports as "<5")."""
    rows: list[Sequence[Any]] = []
    for row in report.rows:
        silo = row.silo_name if not row.no_silo else _("no stream for the theme")
        if row.is_subtotal:
            area_code, area = "", _("Total")
        elif row.whole_municipality:
            area_code, area = "", _("whole municipality (not bound to an area)")
        else:
            area_code, area = row.area_code, row.area_name
        rows.append(
            [
                silo,
                area_code,
                area,
                period_label(row.period, report.params.granularity),
                row.budget,
                row.allocated,
                row.spent,
                row.spent_outside,
                str(row.households) if isinstance(row.households, Suppressed) else row.households,
                str(row.blocked) if isinstance(row.blocked, Suppressed) else row.blocked,
                row.euros_stuck,
            ]
        )
    return rows


# --- Drill-down: the pseudonymous case references behind one cell ------------------------------------

CELL_SQL = """
WITH buurt AS (
    SELECT b.id AS buurt_id, CASE WHEN %(level)s = 'wijk' THEN b.parent_id ELSE b.id END AS area_id
    FROM organisations_area b
    WHERE b.kind = 'buurt' AND b.municipality_id = %(municipality)s
),
in_cell AS (
    SELECT buurt_id FROM buurt WHERE %(area)s::bigint IS NULL OR area_id = %(area)s::bigint
),
alloc AS (
    SELECT a.case_id, sum(al.amount) AS allocated
    FROM funding_allocation al
    JOIN funding_fundingstream st ON st.id = al.stream_id
    JOIN cases_action a ON a.id = al.action_id
    WHERE st.silo_id = %(silo)s AND al.period_start >= %(start)s AND al.period_start < %(next)s
      AND al.neighbourhood_id IN (SELECT buurt_id FROM in_cell)
    GROUP BY a.case_id
),
spend AS (
    SELECT a.case_id, sum(sp.amount) AS spent
    FROM funding_spend sp
    JOIN funding_fundingstream st ON st.id = sp.stream_id
    JOIN funding_allocation al ON al.id = sp.allocation_id
    JOIN cases_action a ON a.id = al.action_id
    WHERE st.silo_id = %(silo)s AND sp.month >= %(start)s AND sp.month < %(next)s
      AND sp.neighbourhood_id IN (SELECT buurt_id FROM in_cell)
    GROUP BY a.case_id
),
stuck AS (
    -- One blockage per action, as the cell counts it (stuck.py).
    SELECT a.case_id, count(*) AS blocked, sum(bl.euros_stuck) AS stuck
    FROM funding_blockage bl
    JOIN cases_action a ON a.id = bl.action_id
    WHERE __COUNTED__
      AND COALESCE(bl.silo_id, 0) = COALESCE(%(silo)s, 0)
      AND (bl.opened_at AT TIME ZONE %(tz)s)::date >= %(start)s AND (bl.opened_at AT TIME ZONE %(tz)s)::date < %(next)s
      AND bl.neighbourhood_id IN (SELECT buurt_id FROM in_cell)
    GROUP BY a.case_id
),
cell_case AS (
    SELECT case_id FROM alloc UNION SELECT case_id FROM spend UNION SELECT case_id FROM stuck
)
SELECT c.reference, COALESCE(al.allocated, 0), COALESCE(sp.spent, 0), COALESCE(st.blocked, 0), COALESCE(st.stuck, 0),
       -- the iWmo/iJw product categories of the case's actions, for reconciling with the care providers' claims
       (SELECT string_agg(DISTINCT a.product_code, ', ' ORDER BY a.product_code)
        FROM cases_action a WHERE a.case_id = cc.case_id AND a.product_code <> '') AS product_categories
FROM cell_case cc
JOIN cases_case c ON c.id = cc.case_id
LEFT JOIN alloc al ON al.case_id = cc.case_id
LEFT JOIN spend sp ON sp.case_id = cc.case_id
LEFT JOIN stuck st ON st.case_id = cc.case_id
ORDER BY c.reference
LIMIT %(limit)s OFFSET %(offset)s
""".replace("__COUNTED__", counted_blockage_sql("bl"))


@dataclass(frozen=True)
class CellCase:
    reference: str
    allocated: Decimal
    spent: Decimal
    blocked: int
    euros_stuck: Decimal
    product_categories: str | None = None


def next_period(period: datetime.date, granularity: str) -> datetime.date:
    months = {"month": 1, "quarter": 3, "year": 12}[granularity]
    index = period.year * 12 + period.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def cell_cases(
    params: ReportParams,
    *,
    silo_id: int | None,
    area_id: int | None,
    period: datetime.date,
    limit: int = 100,
    offset: int = 0,
) -> list[CellCase]:
    """The case references behind one cell (no names, no addresses), one page at a time."""
    sql_params = params.sql_params() | {
        "silo": silo_id,
        "area": area_id,
        "start": period,
        "next": next_period(period, params.granularity),
        "limit": limit,
        "offset": offset,
    }
    with connection.cursor() as cursor:
        cursor.execute(CELL_SQL, sql_params)
        return [CellCase(*row) for row in cursor.fetchall()]

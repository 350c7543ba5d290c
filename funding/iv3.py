"""Iv3 taakveld as a dimension of the funding-flow audit: budget, allocated, spent and households per
taakveld and period, so auditors can reconcile with the municipal accounts (which are kept per taakveld).

Budgets come live from the streams (spread evenly over their months, as in ``report.py``); allocated,
spent and households from the summary ``FlowTaakveldCell``, rebuilt with ``FlowCell`` in
``summary.flow_cells_refresh``. For the programme bureau the households are perturbed by the cell key
(a taakveld and period is a cell of its own: no view is finer) and suppressed below the threshold, and the
amounts are sums of the same per-household perturbed records as every other amount (``FlowCell``,
the dashboard), so a taakveld and the silos it shares streams with cannot be averaged. The auditor reads
the exact figures, labelled as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, connections, router
from django.utils.translation import gettext as _

from privacy import suppression
from privacy.suppression import Suppressed, suppress_count

from .models import FlowTaakveldCell
from .report import ReportParams, period_label

REFRESH_SQL = """
WITH
buurt AS MATERIALIZED (
    SELECT id AS buurt_id FROM organisations_area WHERE kind = 'buurt' AND municipality_id = %(municipality)s
),
g (granularity, step) AS (
    VALUES ('month', interval '1 month'), ('quarter', interval '3 months'), ('year', interval '1 year')
),
alloc AS MATERIALIZED (
    SELECT al.amount, al.period_start, al.period_end, st.iv3_taakveld, al.household_id
    FROM funding_allocation al
    JOIN funding_fundingstream st ON st.id = al.stream_id
    WHERE al.neighbourhood_id IN (SELECT buurt_id FROM buurt)
),
allocated AS (
    SELECT g.granularity, date_trunc(g.granularity, a.period_start)::date AS period, a.iv3_taakveld,
           sum(a.amount) AS amount, sum(__ALLOCATED_NOISE__) AS noise
    FROM alloc a CROSS JOIN g
    GROUP BY 1, 2, 3
),
reached AS (
    SELECT granularity, period, iv3_taakveld, count(*) AS households, sum(__RECORD_KEY__) AS households_key
    FROM (
        SELECT DISTINCT g.granularity, p::date AS period, a.iv3_taakveld, a.household_id
        FROM alloc a
        CROSS JOIN g
        CROSS JOIN LATERAL generate_series(date_trunc(g.granularity, a.period_start),
                                           date_trunc(g.granularity, a.period_end), g.step) AS p
    ) pairs
    GROUP BY 1, 2, 3
),
spent AS (
    SELECT g.granularity, date_trunc(g.granularity, sp.month)::date AS period, st.iv3_taakveld,
           sum(sp.amount) AS amount, sum(__SPENT_NOISE__) AS noise
    FROM funding_spend sp
    JOIN funding_fundingstream st ON st.id = sp.stream_id
    JOIN funding_allocation sa ON sa.id = sp.allocation_id
    CROSS JOIN g
    WHERE sp.neighbourhood_id IN (SELECT buurt_id FROM buurt)
    GROUP BY 1, 2, 3
),
cells AS (
    SELECT granularity, period, iv3_taakveld, amount AS allocated, 0 AS spent, 0 AS households, 0 AS households_key,
           noise AS noise_allocated, 0 AS noise_spent FROM allocated
    UNION ALL SELECT granularity, period, iv3_taakveld, 0, amount, 0, 0, 0, noise FROM spent
    UNION ALL SELECT granularity, period, iv3_taakveld, 0, 0, households, households_key, 0, 0 FROM reached
)
INSERT INTO funding_flowtaakveldcell (municipality_id, granularity, period, iv3_taakveld, allocated, spent,
                                      households, noise_households, noise_allocated, noise_spent, refreshed_at)
SELECT %(municipality)s, granularity, period, iv3_taakveld, sum(allocated), sum(spent), sum(households),
       __HOUSEHOLDS_NOISE__, sum(noise_allocated), sum(noise_spent), %(now)s
FROM cells
GROUP BY granularity, period, iv3_taakveld
"""
REFRESH_SQL = (
    REFRESH_SQL.replace("__RECORD_KEY__", suppression.record_key_sql("household_id"))
    .replace("__ALLOCATED_NOISE__", suppression.amount_noise_sql("a.amount", "a.household_id", "allocated"))
    .replace("__SPENT_NOISE__", suppression.amount_noise_sql("sp.amount", "sa.household_id", "spent"))
)

FLOW_SQL = """
WITH
stream_month AS (
    SELECT s.iv3_taakveld, m::date AS month, s.budget / count(*) OVER (PARTITION BY s.id) AS amount
    FROM funding_fundingstream s
    CROSS JOIN LATERAL generate_series(date_trunc('month', s.valid_from), date_trunc('month', s.valid_until),
                                       interval '1 month') AS m
    WHERE s.municipality_id = %(municipality)s
),
budget AS (
    SELECT iv3_taakveld, date_trunc(%(granularity)s, month)::date AS period, sum(amount) AS budget
    FROM stream_month WHERE month BETWEEN %(start)s AND %(stop_day)s
    GROUP BY 1, 2
),
summary AS (
    -- The bureau reads the perturbed figures (as in report.FLOW_SQL); the auditor (%(exact)s) the exact ones.
    SELECT iv3_taakveld, period,
           sum(allocated + CASE WHEN %(exact)s THEN 0 ELSE noise_allocated END) AS allocated,
           sum(spent + CASE WHEN %(exact)s THEN 0 ELSE noise_spent END) AS spent,
           sum(households + CASE WHEN %(exact)s THEN 0 ELSE noise_households END) AS households
    FROM funding_flowtaakveldcell
    WHERE municipality_id = %(municipality)s AND granularity = %(granularity)s AND period BETWEEN %(start)s AND %(stop)s
    GROUP BY 1, 2
)
SELECT COALESCE(b.iv3_taakveld, s.iv3_taakveld), COALESCE(b.period, s.period), COALESCE(b.budget, 0),
       COALESCE(s.allocated, 0), COALESCE(s.spent, 0), COALESCE(s.households, 0)::integer
FROM budget b FULL JOIN summary s ON s.iv3_taakveld = b.iv3_taakveld AND s.period = b.period
ORDER BY 1, 2
"""


@dataclass
class TaakveldRow:
    iv3_taakveld: str  # empty: streams without a taakveld (money from outside the municipality)
    period: str
    period_start: Any
    budget: Decimal
    allocated: Decimal
    spent: Decimal
    households: int | Suppressed


def taakveld_cells_refresh(*, municipality_id: int, now: Any) -> int:
    """Rebuild one municipality's cells per taakveld; the caller (``summary.flow_cells_refresh``) holds the lock."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM funding_flowtaakveldcell WHERE municipality_id = %s", [municipality_id])
        sql = REFRESH_SQL.replace(
            "__HOUSEHOLDS_NOISE__", suppression.cell_noise_sql("sum(households)", "sum(households_key)")
        )
        cursor.execute(sql, {"municipality": municipality_id, "now": now, **suppression.cell_key_params()})
        return cursor.rowcount


def taakveld_flow(params: ReportParams) -> list[TaakveldRow]:
    """The audit per Iv3 taakveld and period for the year (the silo and area filters do not apply)."""
    with connections[router.db_for_read(FlowTaakveldCell)].cursor() as cursor:
        cursor.execute(FLOW_SQL, params.sql_params())
        raw = cursor.fetchall()
    return [
        TaakveldRow(
            iv3_taakveld=taakveld or "",
            period=period_label(period, params.granularity),
            period_start=period,
            budget=Decimal(budget).quantize(Decimal("0.01")),
            allocated=Decimal(allocated),
            spent=Decimal(spent),
            households=households if params.exact else suppress_count(households),
        )
        for taakveld, period, budget, allocated, spent, households in raw
    ]


def export_header() -> list[str]:
    return [
        _("Iv3 taakveld"),
        _("Period"),
        _("Budget (€)"),
        _("Allocated (€)"),
        _("Spent (€)"),
        _("Households reached"),
    ]


def export_rows(rows: Sequence[TaakveldRow]) -> list[list[Any]]:
    return [
        [
            row.iv3_taakveld or _("none (outside the municipality)"),
            row.period,
            row.budget,
            row.allocated,
            row.spent,
            str(row.households) if isinstance(row.households, Suppressed) else row.households,
        ]
        for row in rows
    ]

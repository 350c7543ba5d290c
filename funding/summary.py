"""The audit's summary table (``FlowCell``): rebuilt per municipality in one transaction, in the background.

The figures follow the report's definitions (``report.py``): allocated by the
month an allocation starts; spend by month, in the buurt of the household it
is for; households with an allocation running in the period; open and
escalated blockages by the month they were opened, one per action (``stuck.py``),
under the silo of the closest stream; spend of an area-bound stream outside its areas.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from privacy import suppression

from .iv3 import taakveld_cells_refresh
from .stuck import counted_blockage_sql

REFRESH_SQL = """
WITH
buurt AS MATERIALIZED (
    SELECT id AS buurt_id FROM organisations_area WHERE kind = 'buurt' AND municipality_id = %(municipality)s
),
g (granularity, step) AS (
    VALUES ('month', interval '1 month'), ('quarter', interval '3 months'), ('year', interval '1 year')
),
alloc AS MATERIALIZED (
    SELECT al.amount, al.period_start, al.period_end, st.silo_id, al.neighbourhood_id, al.household_id
    FROM funding_allocation al
    JOIN funding_fundingstream st ON st.id = al.stream_id
    WHERE al.neighbourhood_id IN (SELECT buurt_id FROM buurt)
),
allocated AS (
    SELECT g.granularity, date_trunc(g.granularity, a.period_start)::date AS period, a.silo_id, a.neighbourhood_id,
           sum(a.amount) AS amount, sum(__ALLOCATED_NOISE__) AS noise
    FROM alloc a CROSS JOIN g
    GROUP BY 1, 2, 3, 4
),
-- Each allocation in every period it runs through; distinct households by hashing, not by sorting.
reached AS (
    SELECT granularity, period, silo_id, neighbourhood_id, count(*) AS households,
           sum(__RECORD_KEY__) AS households_key
    FROM (
        SELECT DISTINCT g.granularity, p::date AS period, a.silo_id, a.neighbourhood_id, a.household_id
        FROM alloc a
        CROSS JOIN g
        CROSS JOIN LATERAL generate_series(date_trunc(g.granularity, a.period_start),
                                           date_trunc(g.granularity, a.period_end), g.step) AS p
    ) pairs
    GROUP BY 1, 2, 3, 4
),
spend_month AS (
    -- Each spend row moved by a share of itself for the household it is for (as the dashboard's summary).
    SELECT sp.stream_id, sp.neighbourhood_id, sp.month, sum(sp.amount) AS amount, sum(__SPENT_NOISE__) AS noise
    FROM funding_spend sp
    JOIN funding_allocation sa ON sa.id = sp.allocation_id
    WHERE sp.neighbourhood_id IN (SELECT buurt_id FROM buurt)
    GROUP BY 1, 2, 3
),
intended AS (
    SELECT DISTINCT sa.fundingstream_id AS stream_id, b.id AS buurt_id
    FROM funding_fundingstream_areas sa
    JOIN organisations_area b ON b.kind = 'buurt' AND (b.id = sa.area_id OR b.parent_id = sa.area_id)
),
bound AS (SELECT DISTINCT fundingstream_id AS stream_id FROM funding_fundingstream_areas),
spent AS (
    SELECT g.granularity, date_trunc(g.granularity, sm.month)::date AS period, st.silo_id, sm.neighbourhood_id,
           sum(sm.amount) AS amount, sum(sm.noise) AS noise,
           COALESCE(sum(sm.amount) FILTER (WHERE bd.stream_id IS NOT NULL AND i.stream_id IS NULL), 0) AS outside,
           COALESCE(sum(sm.noise) FILTER (WHERE bd.stream_id IS NOT NULL AND i.stream_id IS NULL), 0) AS noise_outside
    FROM spend_month sm
    JOIN funding_fundingstream st ON st.id = sm.stream_id
    LEFT JOIN bound bd ON bd.stream_id = sm.stream_id
    LEFT JOIN intended i ON i.stream_id = sm.stream_id AND i.buurt_id = sm.neighbourhood_id
    CROSS JOIN g
    GROUP BY 1, 2, 3, 4
),
blocked_action AS (
    -- One blockage per action (stuck.py: the same definition as the drill-down and the dashboard).
    SELECT bl.silo_id, bl.euros_stuck, bl.neighbourhood_id, (bl.opened_at AT TIME ZONE %(tz)s) AS opened,
           c.household_id
    FROM funding_blockage bl
    JOIN cases_action act ON act.id = bl.action_id
    JOIN cases_case c ON c.id = act.case_id
    WHERE __COUNTED__ AND bl.neighbourhood_id IN (SELECT buurt_id FROM buurt)
),
blocked AS (
    SELECT g.granularity, date_trunc(g.granularity, b.opened)::date AS period, b.silo_id, b.neighbourhood_id,
           count(*) AS blocked, sum(b.euros_stuck) AS stuck, sum(__BLOCKED_KEY__) AS blocked_key,
           sum(__STUCK_NOISE__) AS noise_stuck
    FROM blocked_action b CROSS JOIN g
    GROUP BY 1, 2, 3, 4
),
cells AS (
    SELECT granularity, period, silo_id, neighbourhood_id, amount AS allocated, 0 AS spent, 0 AS outside,
           0 AS households, 0 AS blocked, 0 AS stuck, 0 AS households_key, 0 AS blocked_key,
           noise AS noise_allocated, 0 AS noise_spent, 0 AS noise_outside, 0 AS noise_stuck FROM allocated
    UNION ALL SELECT granularity, period, silo_id, neighbourhood_id, 0, amount, outside, 0, 0, 0, 0, 0,
                     0, noise, noise_outside, 0 FROM spent
    UNION ALL SELECT granularity, period, silo_id, neighbourhood_id, 0, 0, 0, households, 0, 0, households_key, 0,
                     0, 0, 0, 0 FROM reached
    UNION ALL SELECT granularity, period, silo_id, neighbourhood_id, 0, 0, 0, 0, blocked, stuck, 0, blocked_key,
                     0, 0, 0, noise_stuck FROM blocked
),
cell AS (
    SELECT granularity, period, silo_id, neighbourhood_id, sum(allocated) AS allocated, sum(spent) AS spent,
           sum(outside) AS outside, sum(households) AS households, sum(blocked) AS blocked, sum(stuck) AS stuck,
           sum(households_key) AS households_key, sum(blocked_key) AS blocked_key,
           sum(noise_allocated) AS noise_allocated, sum(noise_spent) AS noise_spent,
           sum(noise_outside) AS noise_outside, sum(noise_stuck) AS noise_stuck
    FROM cells
    GROUP BY granularity, period, silo_id, neighbourhood_id
)
INSERT INTO funding_flowcell (municipality_id, granularity, period, silo_id, neighbourhood_id, allocated, spent,
                              spent_outside, households, blocked, euros_stuck, noise_households, noise_blocked,
                              noise_allocated, noise_spent, noise_spent_outside, noise_euros_stuck, refreshed_at)
SELECT %(municipality)s, granularity, period, silo_id, neighbourhood_id, allocated, spent, outside,
       households, blocked, stuck, __HOUSEHOLDS_NOISE__, __BLOCKED_NOISE__, noise_allocated, noise_spent,
       noise_outside, noise_stuck, %(now)s
FROM cell
"""
REFRESH_SQL = (
    REFRESH_SQL.replace("__RECORD_KEY__", suppression.record_key_sql("household_id"))
    .replace("__BLOCKED_KEY__", suppression.record_key_sql("b.household_id"))
    .replace("__COUNTED__", counted_blockage_sql("bl"))
    .replace("__ALLOCATED_NOISE__", suppression.amount_noise_sql("a.amount", "a.household_id", "allocated"))
    .replace("__SPENT_NOISE__", suppression.amount_noise_sql("sp.amount", "sa.household_id", "spent"))
    .replace("__STUCK_NOISE__", suppression.amount_noise_sql("b.euros_stuck", "b.household_id", "euros_stuck"))
)


@transaction.atomic
def flow_cells_refresh(*, municipality_id: int) -> int:
    """Rebuild one municipality's summary; returns the number of cells. Readers see the old or the new, whole."""
    with connection.cursor() as cursor:
        # Two refreshes of one municipality at once would both delete and both insert: the second waits.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('funding_flowcell'), %s)", [municipality_id])
        cursor.execute("DELETE FROM funding_flowcell WHERE municipality_id = %s", [municipality_id])
        sql = REFRESH_SQL.replace(
            "__HOUSEHOLDS_NOISE__", suppression.cell_noise_sql("households", "households_key")
        ).replace("__BLOCKED_NOISE__", suppression.cell_noise_sql("blocked", "blocked_key"))
        now = timezone.now()
        cursor.execute(
            sql,
            {
                "municipality": municipality_id,
                "tz": settings.TIME_ZONE,
                "now": now,
                **suppression.cell_key_params(),
            },
        )
        cells = cursor.rowcount
    # The same figures per Iv3 taakveld, in the same transaction under the same lock.
    taakveld_cells_refresh(municipality_id=municipality_id, now=now)
    return cells


def flow_cells_refresh_all() -> int:
    from organisations.models import Municipality

    return sum(
        flow_cells_refresh(municipality_id=pk)
        for pk in Municipality.objects.order_by("pk").values_list("pk", flat=True)
    )

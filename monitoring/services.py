"""Refreshing the summary tables: every figure is computed in SQL from the ``cases`` tables.

Unit of work: the buurt. A household lives in one buurt, so every summary row
belongs to exactly one buurt and recomputing a buurt's rows from scratch is
both incremental and exact. A full refresh recomputes every buurt; an
incremental refresh recomputes the buurten of cases whose rows were written
since the last run's watermark (found through the write-history tables, which
django-simple-history fills on every insert, update and delete). Both run the
same SQL, so they produce identical tables by construction (and a test checks it).
Contacts are most of the writes and feed only two tables, coordination minutes
(by buurt and month) and timing (by buurt and referral month): triggers mark the
(buurt, month) cells a contact write touches in ``monitoring_dirtycell``, in the
writing transaction, and a refresh recomputes only those cells, with the same
figures as a whole buurt would give, and moves the roll-ups above them by the
difference (``CELL_ROLLUPS``) instead of rebuilding whole municipalities.

Two refreshes never overlap: the whole refresh is one transaction that first
takes a transaction-level advisory lock; a second refresh that finds the lock
taken gives up at once (the running one will publish its result).
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from funding.stuck import counted_blockage_sql
from jobs.services import enqueue
from organisations.models import User
from privacy import suppression

from .models import SummaryRun
from .panel import CELL_FIGURES, CELL_KEYS, blockage_cells_sql, blockage_panel_sql
from .panel import COLUMNS as PANEL_COLUMNS
from .shared_snapshot import SharedSnapshot

logger = logging.getLogger(__name__)

# An arbitrary constant that names "the monitoring refresh" among advisory locks.
REFRESH_LOCK_KEY = 7_160_001

SUMMARY_TABLES = (
    "monitoring_casemonthsummary",
    "monitoring_goalmonthsummary",
    "monitoring_instrumentmonthsummary",
    "monitoring_coordinationmonthsummary",
    "monitoring_casetiming",
    "monitoring_fundingmonthsummary",
    "monitoring_blockagefact",
    "monitoring_blockagecell",
)

# Rows of the cases that a buurt filter selects. %(all)s is true for a full refresh.
_CASES_IN_SCOPE = """
    SELECT c.id, c.household_id, h.neighbourhood_id AS buurt_id, c.referred_on, c.closed_on
      FROM cases_case c JOIN cases_household h ON h.id = c.household_id
     WHERE (%(all)s OR h.neighbourhood_id = ANY(%(buurten)s))
"""


# Casework per buurt and month, set-based and without a row per household and month. Every figure but two
# is "how many households (cases, organisations, ...) are active in the month", and each such thing is
# active over a run of months: a case from its referral month to its closing month (or now), a household
# over the union of its cases' runs, an organisation for a household over the union of its involvements'
# runs (cut to their cases' runs). Each run adds +1 in its first month and -1 in the month after its last,
# and a running sum over a buurt's months gives the count in every month, however long the runs. Runs of
# the same thing for the same household are merged first (``runs``: gaps and islands), so a household
# counts once however many cases or involvements overlap. Nationally this sorts 3.3M spans once, where
# the household-months were 2.8M rows joined five times (45 s before, about 18 s now).
#
# Coordinated households (one coordinator over all the household's active cases and a plan agreed in the
# six months up to the month's end) are runs too for a household of one case: its plan's runs, when the
# case has exactly one coordinator. Households of several cases are checked month by month over the
# months a plan counts in, and stapeling (below) over the months of its allocations.
#
# Stapeling, as the Monitor Sociaal Domein defines it: the household used provisions under 2+ of
# Wmo, Jeugdwet and Participatiewet in the month, i.e. provisions actually paid: allocations from
# funding streams of those three silos that run in the month, for the household (whichever of its
# cases the action belongs to). An involvement's legal basis says on what ground data is
# processed, not who pays, so it is not used.
_CASE_MONTH_SQL = """
    INSERT INTO monitoring_casemonthsummary
        (buurt_id, wijk_id, municipality_id, month, active_cases, inflow, outflow, active_households,
         coordinated_households, stapeling_households, sum_organisations, sum_professionals, sum_silos,
         noise_active_cases, noise_inflow, noise_outflow, noise_active_households, noise_coordinated_households,
         noise_stapeling_households, inflow_to_date, outflow_to_date, latest)
    WITH c AS (__CASES__),
    -- Each case's run: its referral month up to its closing month, or now (first days of months).
    runs_of_cases AS (
        SELECT c.id AS case_id, c.household_id, c.buurt_id, c.closed_on IS NOT NULL AS closed,
               date_trunc('month', c.referred_on)::date AS first_month,
               date_trunc('month', coalesce(c.closed_on, %(today)s))::date AS last_month,
               __RECORD_KEY__ AS rk
          FROM c
    ),
    -- With the number of the household's cases (that have a run) and the case's coordinators: the
    -- involvements flagged now (the model keeps no coordinator history).
    cr AS MATERIALIZED (
        SELECT r.*, count(*) OVER (PARTITION BY r.household_id) AS household_cases,
               (SELECT count(DISTINCT i.professional_id) FROM cases_involvement i
                 WHERE i.case_id = r.case_id AND i.is_coordinator) AS coordinators
          FROM runs_of_cases r WHERE r.first_month <= r.last_month
    ),
    -- An involvement runs from its start month to the month before its end date (the end date is the
    -- first day without it), cut to its case's run.
    iv AS MATERIALIZED (
        SELECT * FROM (
            SELECT r.household_id, r.buurt_id, i.organisation_id, i.professional_id,
                   greatest(date_trunc('month', i.start_date)::date, r.first_month) AS first_month,
                   least(r.last_month, coalesce(date_trunc('month', i.end_date - 1)::date, r.last_month)) AS last_month
              FROM runs_of_cases r JOIN cases_involvement i ON i.case_id = r.case_id
        ) AS i
         WHERE first_month <= last_month
    ),
    -- A household is coordinated in a month when the cases active in it have exactly one coordinator between
    -- them and one has a plan agreed in the six months up to the month's end.
    -- An agreement counts from its month for six months, and in the seventh too when it falls within six
    -- months of that month's end (month ends differ in length); cut to the run of the plan's case.
    plan_runs AS (
        SELECT * FROM (
            SELECT cr.case_id, cr.household_id, cr.buurt_id, cr.rk, cr.household_cases, cr.coordinators,
                   greatest(date_trunc('month', v.agreed_on)::date, cr.first_month) AS first_month,
                   least(cr.last_month,
                         (date_trunc('month', v.agreed_on)
                          + CASE WHEN v.agreed_on > (date_trunc('month', v.agreed_on) + interval '7 months'
                                                     - interval '1 day')::date - interval '6 months'
                                 THEN interval '6 months' ELSE interval '5 months' END)::date) AS last_month
              FROM cases_plan p
              JOIN cases_planversion v ON v.plan_id = p.id AND v.agreed_on IS NOT NULL
              JOIN cr ON cr.case_id = p.case_id
        ) AS r
         WHERE first_month <= last_month
    ),
    -- The runs to merge per household and thing: 'h' the household itself (its cases), 'o' an organisation,
    -- 'p' a professional, 's' a silo, and 'k' the months a household of one case is coordinated in (its
    -- plan's runs, when the case has exactly one coordinator).
    spans AS (
        SELECT 'h'::"char" AS kind, household_id, buurt_id, rk, 0::bigint AS thing, first_month, last_month FROM cr
        UNION ALL
        SELECT 'o', household_id, buurt_id, 0, organisation_id, first_month, last_month
          FROM iv WHERE organisation_id IS NOT NULL
        UNION ALL
        SELECT 'p', household_id, buurt_id, 0, professional_id, first_month, last_month
          FROM iv WHERE professional_id IS NOT NULL
        UNION ALL
        SELECT 's', iv.household_id, iv.buurt_id, 0, os.silo_id, iv.first_month, iv.last_month
          FROM iv JOIN organisations_organisation_silos os ON os.organisation_id = iv.organisation_id
        UNION ALL
        SELECT 'k', pr.household_id, pr.buurt_id, pr.rk, 0, pr.first_month, pr.last_month
          FROM plan_runs pr WHERE pr.household_cases = 1 AND pr.coordinators = 1
    ),
    -- Gaps and islands: a span starts an island unless an earlier span of the same thing reaches its month
    -- (or the month before it); the island ends at the furthest month reached before the next island starts.
    flagged AS (
        SELECT kind, household_id, buurt_id, rk, thing, first_month, last_month,
               coalesce(first_month > (max(last_month) OVER w_before + interval '1 month')::date, true) AS starts
          FROM spans
        WINDOW w_before AS (PARTITION BY kind, household_id, thing ORDER BY first_month, last_month
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    ),
    runs AS (
        SELECT kind, buurt_id, rk, first_month, starts,
               lead(starts, 1, true) OVER w AS ends, max(last_month) OVER w AS reach
          FROM flagged
        WINDOW w AS (PARTITION BY kind, household_id, thing ORDER BY first_month, last_month ROWS UNBOUNDED PRECEDING)
    ),
    -- +1 where a run starts, -1 in the month after it ends; cases are each their own run (no merging).
    steps AS (
        SELECT buurt_id, first_month AS month, kind, 1 AS step, rk FROM runs WHERE starts
        UNION ALL
        SELECT buurt_id, (reach + interval '1 month')::date, kind, -1, -rk FROM runs WHERE ends
        UNION ALL
        SELECT buurt_id, first_month, 'c', 1, rk FROM cr
        UNION ALL
        SELECT buurt_id, (last_month + interval '1 month')::date, 'c', -1, -rk FROM cr
    ),
    changes AS (
        SELECT buurt_id, month,
               coalesce(sum(step) FILTER (WHERE kind = 'h'), 0) AS households,
               coalesce(sum(rk) FILTER (WHERE kind = 'h'), 0) AS key_households,
               coalesce(sum(step) FILTER (WHERE kind = 'c'), 0) AS cases,
               coalesce(sum(rk) FILTER (WHERE kind = 'c'), 0) AS key_cases,
               coalesce(sum(step) FILTER (WHERE kind = 'o'), 0) AS organisations,
               coalesce(sum(step) FILTER (WHERE kind = 'p'), 0) AS professionals,
               coalesce(sum(step) FILTER (WHERE kind = 's'), 0) AS silos,
               coalesce(sum(step) FILTER (WHERE kind = 'k'), 0) AS coordinated,
               coalesce(sum(rk) FILTER (WHERE kind = 'k'), 0) AS key_coordinated
          FROM steps GROUP BY buurt_id, month
    ),
    -- The running sums hold from a change up to the month before the next one: one row for each such
    -- month in which a household is active.
    levels AS (
        SELECT buurt_id, month, lead(month) OVER w_buurt AS next_change,
               sum(households) OVER w_buurt AS households, sum(key_households) OVER w_buurt AS key_households,
               sum(cases) OVER w_buurt AS cases, sum(key_cases) OVER w_buurt AS key_cases,
               sum(organisations) OVER w_buurt AS organisations, sum(professionals) OVER w_buurt AS professionals,
               sum(silos) OVER w_buurt AS silos, sum(coordinated) OVER w_buurt AS coordinated,
               sum(key_coordinated) OVER w_buurt AS key_coordinated
          FROM changes
        WINDOW w_buurt AS (PARTITION BY buurt_id ORDER BY month ROWS UNBOUNDED PRECEDING)
    ),
    active AS (
        SELECT l.buurt_id, m::date AS month, l.households, l.key_households, l.cases, l.key_cases,
               l.organisations, l.professionals, l.silos, l.coordinated, l.key_coordinated
          FROM levels l
          CROSS JOIN LATERAL generate_series(l.month, (l.next_change - interval '1 month')::date,
                                             interval '1 month') AS m
         WHERE l.households > 0
    ),
    -- Inflow in a case's first month, outflow in the closing month of a closed case.
    flows AS (
        SELECT buurt_id, month, sum(inflow) AS inflow, sum(outflow) AS outflow,
               sum(inflow * rk) AS key_inflow, sum(outflow * rk) AS key_outflow
          FROM (
            SELECT buurt_id, first_month AS month, 1 AS inflow, 0 AS outflow, rk FROM cr
            UNION ALL
            SELECT buurt_id, last_month, 0, 1, rk FROM cr WHERE closed
          ) AS f
         GROUP BY buurt_id, month
    ),
    -- Households of several cases, month by month: the coordinators of the cases active in the month.
    coordinated_apart AS (
        SELECT pl.buurt_id, pl.month, count(*) AS households, sum(pl.rk) AS key_households
          FROM (
            SELECT pl.buurt_id, pl.month, pl.rk
              FROM (
                SELECT DISTINCT pr.household_id, pr.buurt_id, pr.rk, m::date AS month
                  FROM plan_runs pr
                  CROSS JOIN LATERAL generate_series(pr.first_month, pr.last_month, interval '1 month') AS m
                 WHERE pr.household_cases > 1
              ) AS pl
              JOIN cr ON cr.household_id = pl.household_id AND pl.month BETWEEN cr.first_month AND cr.last_month
              JOIN cases_involvement i ON i.case_id = cr.case_id AND i.is_coordinator
             GROUP BY pl.household_id, pl.buurt_id, pl.month, pl.rk
            HAVING count(DISTINCT i.professional_id) = 1
          ) AS pl
         GROUP BY pl.buurt_id, pl.month
    ),
    -- Stapeling (see above): allocations from 2+ of the three silos running in the month, in a month the
    -- household is active.
    stapeling AS (
        SELECT al.household_id, m::date AS month
          FROM funding_allocation al
          JOIN funding_fundingstream st ON st.id = al.stream_id
          JOIN funding_silo s ON s.id = st.silo_id AND s.code IN ('wmo', 'jeugdwet', 'participatiewet')
          CROSS JOIN LATERAL generate_series(date_trunc('month', al.period_start), date_trunc('month', al.period_end),
                                             interval '1 month') AS m
         WHERE al.household_id IN (SELECT household_id FROM cr)
         GROUP BY al.household_id, m
        HAVING count(DISTINCT s.code) >= 2
    ),
    stapled AS (
        SELECT h.buurt_id, st.month, count(*) AS households, sum(h.rk) AS key_households
          FROM stapeling st
          JOIN (SELECT DISTINCT household_id, buurt_id, rk FROM cr) AS h ON h.household_id = st.household_id
         WHERE EXISTS (SELECT FROM cr WHERE cr.household_id = st.household_id
                                        AND st.month BETWEEN cr.first_month AND cr.last_month)
         GROUP BY h.buurt_id, st.month
    ),
    -- Each count with its cell key: the sum of the record keys of the households it counts
    -- (a household with two inflowing cases counts, and is keyed, twice).
    g AS (
        SELECT ac.buurt_id, a.parent_id, a.municipality_id, ac.month,
               ac.cases AS active_cases, coalesce(f.inflow, 0) AS inflow, coalesce(f.outflow, 0) AS outflow,
               ac.households, ac.coordinated + coalesce(co.households, 0) AS coordinated,
               coalesce(sp.households, 0) AS stapeling,
               ac.organisations, ac.professionals, ac.silos,
               ac.key_cases AS key_active_cases, coalesce(f.key_inflow, 0) AS key_inflow,
               coalesce(f.key_outflow, 0) AS key_outflow, ac.key_households,
               ac.key_coordinated + coalesce(co.key_households, 0) AS key_coordinated,
               coalesce(sp.key_households, 0) AS key_stapeling
          FROM active ac
          JOIN organisations_area a ON a.id = ac.buurt_id
          LEFT JOIN flows f ON f.buurt_id = ac.buurt_id AND f.month = ac.month
          LEFT JOIN coordinated_apart co ON co.buurt_id = ac.buurt_id AND co.month = ac.month
          LEFT JOIN stapled sp ON sp.buurt_id = ac.buurt_id AND sp.month = ac.month
    )
    SELECT buurt_id, parent_id, municipality_id, month, active_cases, inflow, outflow, households, coordinated,
           stapeling, organisations, professionals, silos, noise_active_cases, noise_inflow, noise_outflow,
           noise_households, noise_coordinated, noise_stapeling,
           -- A buurt's published flows up to each month (CaseMonthSummary): a buurt is recomputed whole.
           sum(inflow + noise_inflow) OVER to_date, sum(outflow + noise_outflow) OVER to_date,
           month = max(month) OVER (PARTITION BY buurt_id)
      FROM (
        SELECT g.*, __NOISE_ACTIVE_CASES__ AS noise_active_cases, __NOISE_INFLOW__ AS noise_inflow,
               __NOISE_OUTFLOW__ AS noise_outflow, __NOISE_HOUSEHOLDS__ AS noise_households,
               __NOISE_COORDINATED__ AS noise_coordinated, __NOISE_STAPELING__ AS noise_stapeling
          FROM g
      ) AS n
    WINDOW to_date AS (PARTITION BY buurt_id ORDER BY month)
"""
_CASE_MONTH_SQL = _CASE_MONTH_SQL.replace("__CASES__", _CASES_IN_SCOPE).replace(
    "__RECORD_KEY__", suppression.record_key_sql("household_id")
)
_CASE_MONTH_NOISE = (
    ("__NOISE_ACTIVE_CASES__", "active_cases", "key_active_cases"),
    ("__NOISE_INFLOW__", "inflow", "key_inflow"),
    ("__NOISE_OUTFLOW__", "outflow", "key_outflow"),
    ("__NOISE_HOUSEHOLDS__", "households", "key_households"),
    ("__NOISE_COORDINATED__", "coordinated", "key_coordinated"),
    ("__NOISE_STAPELING__", "stapeling", "key_stapeling"),
)


def _distinct_households_noise(household_id: str) -> str:
    """SQL for the deviation of ``count(DISTINCT household_id)``: its key sums each household's record key once."""
    key = suppression.record_key_sql(household_id)
    return suppression.cell_noise_sql(f"count(DISTINCT {household_id})", f"sum(DISTINCT {key})")


def _with_noise(sql: str) -> str:
    """Fill in the deviations of the counts of distinct households (read at refresh time: the threshold may change)
    and of each contact's minutes (moved by a share of themselves, per household: ``magnitude_noise``)."""
    return (
        sql.replace("__HOUSEHOLDS_NOISE_C__", _distinct_households_noise("c.household_id"))
        .replace("__HOUSEHOLDS_NOISE_L__", _distinct_households_noise("l.household_id"))
        .replace("__MINUTES_NOISE__", suppression.amount_noise_sql("k.minutes", "c.household_id", "minutes", digits=0))
    )


def _case_month_sql() -> str:
    """The casework SQL with each count's deviation, for the threshold in force (read at refresh time)."""
    sql = _CASE_MONTH_SQL
    for placeholder, value, key in _CASE_MONTH_NOISE:
        sql = sql.replace(placeholder, suppression.cell_noise_sql(value, key))
    return sql


_GOAL_MONTH_SQL = """
    INSERT INTO monitoring_goalmonthsummary
        (buurt_id, wijk_id, municipality_id, month, theme_id, goals, achieved, partly, households, noise_households)
    WITH c AS (__CASES__),
    current_version AS (
        SELECT DISTINCT ON (v.plan_id) v.id, p.case_id, v.created_at
          FROM cases_planversion v JOIN cases_plan p ON p.id = v.plan_id
         WHERE p.case_id IN (SELECT id FROM c)
         ORDER BY v.plan_id, v.number DESC
    )
    SELECT c.buurt_id, a.parent_id, a.municipality_id,
           date_trunc('month', cv.created_at AT TIME ZONE %(tz)s)::date, g.theme_id,
           count(*), count(*) FILTER (WHERE g.status = 'achieved'), count(*) FILTER (WHERE g.status = 'partly'),
           count(DISTINCT c.household_id), __HOUSEHOLDS_NOISE_C__
      FROM current_version cv
      JOIN c ON c.id = cv.case_id
      JOIN cases_goal g ON g.plan_version_id = cv.id
      JOIN organisations_area a ON a.id = c.buurt_id
     GROUP BY 1, 2, 3, 4, 5
""".replace("__CASES__", _CASES_IN_SCOPE)

_INSTRUMENT_MONTH_SQL = """
    INSERT INTO monitoring_instrumentmonthsummary
        (buurt_id, wijk_id, municipality_id, month, domain_id, persons, households, sum_first, sum_latest, improved,
         noise_households)
    WITH c AS (__CASES__),
    s AS (
        -- The first score rides along on every row (first_value) instead of a self-join of s: the
        -- planner cannot estimate such a join and chose a nested loop that took minutes nationally.
        SELECT c.buurt_id, c.household_id, ms.domain_id, ms.score, m.measured_on,
               first_value(ms.score) OVER w_up AS first_score,
               row_number() OVER w_down AS rank_latest,
               count(*) OVER (PARTITION BY m.case_id, m.person_id, ms.domain_id) AS measured
          FROM cases_measurementscore ms
          JOIN cases_measurement m ON m.id = ms.measurement_id
          JOIN c ON c.id = m.case_id
        WINDOW w_up AS (PARTITION BY m.case_id, m.person_id, ms.domain_id ORDER BY m.measured_on, m.id),
               w_down AS (PARTITION BY m.case_id, m.person_id, ms.domain_id ORDER BY m.measured_on DESC, m.id DESC)
    )
    SELECT l.buurt_id, a.parent_id, a.municipality_id, date_trunc('month', l.measured_on)::date, l.domain_id,
           count(*), count(DISTINCT l.household_id), sum(l.first_score), sum(l.score),
           count(*) FILTER (WHERE l.score > l.first_score), __HOUSEHOLDS_NOISE_L__
      FROM s AS l
      JOIN organisations_area a ON a.id = l.buurt_id
     WHERE l.rank_latest = 1 AND l.measured >= 2
     GROUP BY 1, 2, 3, 4, 5
""".replace("__CASES__", _CASES_IN_SCOPE)

_COORDINATION_MONTH_SQL = """
    INSERT INTO monitoring_coordinationmonthsummary
        (buurt_id, wijk_id, municipality_id, month, organisation_kind_id, organisation_id, minutes, contacts,
         households, noise_households, noise_minutes)
    WITH c AS (__CASES__)
    SELECT c.buurt_id, a.parent_id, a.municipality_id, date_trunc('month', k.occurred_on)::date, o.kind_id, o.id,
           sum(k.minutes), count(*), count(DISTINCT c.household_id), __HOUSEHOLDS_NOISE_C__,
           sum(__MINUTES_NOISE__)
      FROM cases_contact k
      JOIN c ON c.id = k.case_id
      JOIN organisations_organisation o ON o.id = k.author_organisation_id
      JOIN organisations_area a ON a.id = c.buurt_id
     WHERE k.kind IN ('coordination', 'case_conference')
     GROUP BY 1, 2, 3, 4, 5, 6
""".replace("__CASES__", _CASES_IN_SCOPE)

_CASE_TIMING_TEMPLATE = """
    INSERT INTO monitoring_casetiming
        (buurt_id, wijk_id, municipality_id, month, case_id, days_to_first_contact, days_to_plan)
    WITH c AS (__CASES__)
    SELECT c.buurt_id, a.parent_id, a.municipality_id, date_trunc('month', c.referred_on)::date, c.id,
           (SELECT min(k.occurred_on) FROM cases_contact k WHERE k.case_id = c.id) - c.referred_on,
           (SELECT min(v.agreed_on) FROM cases_plan p JOIN cases_planversion v ON v.plan_id = p.id
             WHERE p.case_id = c.id) - c.referred_on
      FROM c JOIN organisations_area a ON a.id = c.buurt_id
"""
_CASE_TIMING_SQL = _CASE_TIMING_TEMPLATE.replace("__CASES__", _CASES_IN_SCOPE)

# Buurten touched since %(since)s by anything but contacts: the current buurt of every case with a
# written row, the buurt that case was summarised under before (a household may have moved), and
# those of deleted cases. These buurten are recomputed in every table.
_CHANGED_BUURTEN_SQL = """
    WITH changed AS (
        SELECT id AS case_id FROM cases_historicalcase WHERE history_date > %(since)s
        UNION SELECT case_id FROM cases_historicalinvolvement WHERE history_date > %(since)s
        UNION SELECT case_id FROM cases_historicalmeasurement WHERE history_date > %(since)s
        UNION SELECT case_id FROM cases_historicalcaseconference WHERE history_date > %(since)s
        UNION SELECT case_id FROM cases_historicalaction WHERE history_date > %(since)s
        UNION SELECT p.case_id FROM cases_planversion v JOIN cases_plan p ON p.id = v.plan_id
               WHERE v.created_at > %(since)s
        UNION SELECT c.id FROM cases_historicalhousehold hh JOIN cases_case c ON c.household_id = hh.id
               WHERE hh.history_date > %(since)s
    )
    SELECT h.neighbourhood_id FROM changed
      JOIN cases_case c ON c.id = changed.case_id JOIN cases_household h ON h.id = c.household_id
    UNION SELECT t.buurt_id FROM monitoring_casetiming t JOIN changed ON changed.case_id = t.case_id
    UNION SELECT hh.neighbourhood_id FROM cases_historicalhousehold hh WHERE hh.history_date > %(since)s
    UNION SELECT h.neighbourhood_id FROM cases_historicalcase hc JOIN cases_household h ON h.id = hc.household_id
           WHERE hc.history_date > %(since)s
"""

# Contacts are most of the writes and feed only two tables, each by a (buurt, month) cell: coordination
# minutes by the contact's buurt and month, timing by the case's buurt and referral month. Triggers on
# cases_contact (migration 0013) mark those cells in ``monitoring_dirtycell`` in the writing transaction;
# a refresh claims them (SKIP LOCKED: a writer still inserting is never waited for, its cells stay for
# the next run) and recomputes exactly those cells, leaving out the buurten recomputed whole.
_CLAIM_CELLS_SQL = """
    WITH claimed AS (
        DELETE FROM monitoring_dirtycell
         WHERE id IN (SELECT id FROM monitoring_dirtycell FOR UPDATE SKIP LOCKED)
        RETURNING buurt_id, month, coordination
    )
    SELECT DISTINCT buurt_id, month, coordination FROM claimed ORDER BY buurt_id, month, coordination
"""
# The claimed cells of one table (``coordination``: minutes; else timing), outside the buurten recomputed whole.
_CELLS_OF = """
    SELECT DISTINCT k.buurt_id, k.month
      FROM unnest(%(cell_buurten)s::bigint[], %(cell_months)s::date[], %(cell_coordination)s::boolean[])
           AS k(buurt_id, month, coordination)
     WHERE __WHICH__ k.coordination AND NOT k.buurt_id = ANY(%(buurten)s)
"""
_COORDINATION_CELLS = _CELLS_OF.replace("__WHICH__", "")
_TIMING_CELLS = _CELLS_OF.replace("__WHICH__", "NOT")
_IN_CELLS = "JOIN (__CELLS__) AS keys ON keys.buurt_id = s.buurt_id AND keys.month = s.month"

_COORDINATION_CELLS_DELETE = """
    DELETE FROM monitoring_coordinationmonthsummary s USING (__CELLS__) AS keys
     WHERE s.buurt_id = keys.buurt_id AND s.month = keys.month
""".replace("__CELLS__", _COORDINATION_CELLS)
# Computed over the cases of the cells' buurten (households by buurt, cases by household, contacts by
# case and date: all indexed), with the same figures as a whole buurt would give.
_COORDINATION_CELLS_SQL = """
    INSERT INTO monitoring_coordinationmonthsummary
        (buurt_id, wijk_id, municipality_id, month, organisation_kind_id, organisation_id, minutes, contacts,
         households, noise_households, noise_minutes)
    WITH keys AS (__CELLS__),
    c AS (
        SELECT c.id, c.household_id, keys.buurt_id, keys.month, (keys.month + interval '1 month')::date AS next_month
          FROM keys JOIN cases_household h ON h.neighbourhood_id = keys.buurt_id
          JOIN cases_case c ON c.household_id = h.id
    )
    SELECT c.buurt_id, a.parent_id, a.municipality_id, c.month, o.kind_id, o.id,
           sum(k.minutes), count(*), count(DISTINCT c.household_id), __HOUSEHOLDS_NOISE_C__,
           sum(__MINUTES_NOISE__)
      FROM c
      -- A case's contacts of the month by its timeline index (case, date): not all its contacts by case alone.
      CROSS JOIN LATERAL (
        SELECT k.minutes, k.author_organisation_id FROM cases_contact k
         WHERE k.case_id = c.id AND k.occurred_on >= c.month AND k.occurred_on < c.next_month
           AND k.kind IN ('coordination', 'case_conference')
         ORDER BY k.case_id, k.occurred_on DESC OFFSET 0
      ) AS k
      JOIN organisations_organisation o ON o.id = k.author_organisation_id
      JOIN organisations_area a ON a.id = c.buurt_id
     GROUP BY 1, 2, 3, 4, 5, 6
""".replace("__CELLS__", _COORDINATION_CELLS)

# Timing of the cases filed under the cells (their buurt and referral month): one row per case, replaced.
_CASE_TIMING_CELLS_DELETE = """
    DELETE FROM monitoring_casetiming s USING (__CELLS__) AS keys
     WHERE s.buurt_id = keys.buurt_id AND s.month = keys.month
""".replace("__CELLS__", _TIMING_CELLS)
_CASE_TIMING_CELLS_SQL = _CASE_TIMING_TEMPLATE.replace(
    "__CASES__",
    """
    SELECT c.id, c.household_id, h.neighbourhood_id AS buurt_id, c.referred_on, c.closed_on
      FROM (__CELLS__) AS keys
      JOIN cases_household h ON h.neighbourhood_id = keys.buurt_id
      JOIN cases_case c ON c.household_id = h.id
     WHERE c.referred_on >= keys.month AND c.referred_on < keys.month + interval '1 month'
    """,
).replace("__CELLS__", _TIMING_CELLS)

# NB: a new summary table that reads contacts needs a trigger in 0013's manner and a cell refresh here.


@dataclass(frozen=True)
class CellRollup:
    """A roll-up kept by differences when cells are recomputed: the cells' old rows are subtracted, their
    new rows added. Every column is a sum over buurt rows, so this gives what a rebuild would."""

    table: str
    groups: tuple[str, ...]
    sums: tuple[str, ...]
    # SELECT groups..., sums... over the cells' rows of a summary table (``__IN_CELLS__`` joins them as ``keys``).
    source: str
    cells: str
    # Which rows may have dropped to zero: a rebuild writes none with ``sums[0]`` zero.
    scope: str

    def statements(self, when: str) -> list[str]:
        source = self.source.replace("__IN_CELLS__", _IN_CELLS).replace("__CELLS__", self.cells)
        match = " AND ".join(
            f"r.{g} IS NOT DISTINCT FROM d.{g}" if g == "organisation_id" else f"r.{g} = d.{g}" for g in self.groups
        )
        if when == "before":
            changes = ", ".join(f"{column} = r.{column} - d.{column}" for column in self.sums)
            return [f"UPDATE {self.table} r SET {changes} FROM ({source}) AS d WHERE {match}"]  # noqa: S608
        columns = ", ".join(self.groups + self.sums)
        additions = ", ".join(f"{column} = {self.table}.{column} + EXCLUDED.{column}" for column in self.sums)
        return [
            f"INSERT INTO {self.table} ({columns}) SELECT * FROM ({source}) AS d "  # noqa: S608
            f"ON CONFLICT ({', '.join(self.groups)}) DO UPDATE SET {additions}",
            f"DELETE FROM {self.table} WHERE {self.sums[0]} = 0 AND {self.scope.replace('__CELLS__', self.cells)}",  # noqa: S608
        ]


_CELL_MUNICIPALITY_MONTHS = """(municipality_id, month) IN (
    SELECT a.municipality_id, keys.month FROM (__CELLS__) AS keys JOIN organisations_area a ON a.id = keys.buurt_id)
"""
_TIMING_CELLS_HISTOGRAM = """
    SELECT s.municipality_id, s.month, 'contact' AS measure, s.days_to_first_contact AS days, count(*) AS cases
      FROM monitoring_casetiming s __IN_CELLS__ WHERE s.days_to_first_contact IS NOT NULL GROUP BY 1, 2, 4
    UNION ALL
    SELECT s.municipality_id, s.month, 'plan', s.days_to_plan, count(*)
      FROM monitoring_casetiming s __IN_CELLS__ WHERE s.days_to_plan IS NOT NULL GROUP BY 1, 2, 4
"""
CELL_ROLLUPS = (
    CellRollup(
        "monitoring_coordinationmonthrollup",
        ("municipality_id", "month", "organisation_kind_id", "organisation_id"),
        ("contacts", "minutes", "households", "noise_households", "noise_minutes"),
        """
        SELECT s.municipality_id, s.month, s.organisation_kind_id, s.organisation_id, sum(s.contacts) AS contacts,
               sum(s.minutes) AS minutes, sum(s.households) AS households,
               sum(s.noise_households) AS noise_households, sum(s.noise_minutes) AS noise_minutes
          FROM monitoring_coordinationmonthsummary s __IN_CELLS__ GROUP BY 1, 2, 3, 4
        """,
        _COORDINATION_CELLS,
        _CELL_MUNICIPALITY_MONTHS,
    ),
    CellRollup(
        "monitoring_coordinationrollup",
        ("municipality_id", "organisation_kind_id", "organisation_id"),
        ("contacts", "minutes", "households", "noise_households", "noise_minutes"),
        """
        SELECT s.municipality_id, s.organisation_kind_id, s.organisation_id, sum(s.contacts) AS contacts,
               sum(s.minutes) AS minutes, sum(s.households) AS households,
               sum(s.noise_households) AS noise_households, sum(s.noise_minutes) AS noise_minutes
          FROM monitoring_coordinationmonthsummary s __IN_CELLS__ GROUP BY 1, 2, 3
        """,
        _COORDINATION_CELLS,
        """municipality_id IN (
            SELECT a.municipality_id FROM (__CELLS__) AS keys JOIN organisations_area a ON a.id = keys.buurt_id)
        """,
    ),
    CellRollup(
        "monitoring_timinghistogram",
        ("municipality_id", "month", "measure", "days"),
        ("cases",),
        _TIMING_CELLS_HISTOGRAM,
        _TIMING_CELLS,
        _CELL_MUNICIPALITY_MONTHS,
    ),
    CellRollup(
        "monitoring_nationaltiminghistogram",
        ("month", "measure", "days"),
        ("cases",),
        f"SELECT month, measure, days, sum(cases) AS cases FROM ({_TIMING_CELLS_HISTOGRAM}) AS h GROUP BY 1, 2, 3",  # noqa: S608
        _TIMING_CELLS,
        "month IN (SELECT month FROM (__CELLS__) AS keys)",
    ),
)


def _cells_refresh(cursor: Any, params: dict[str, Any]) -> int:
    """Recompute the claimed cells in the tables that read contacts and move their roll-ups by the difference."""
    for rollup in CELL_ROLLUPS:
        for statement in rollup.statements("before"):
            cursor.execute(statement, params)
    for sql in (_COORDINATION_CELLS_DELETE, _CASE_TIMING_CELLS_DELETE):
        cursor.execute(sql, params)
    rows = 0
    for sql in (_with_noise(_COORDINATION_CELLS_SQL), _CASE_TIMING_CELLS_SQL):
        cursor.execute(sql, params)
        rows += cursor.rowcount
    for rollup in CELL_ROLLUPS:
        for statement in rollup.statements("after"):
            cursor.execute(statement, params)
    return rows


# Money per buurt, month and silo, from the funding app's tables (the buurt copied onto allocation and spend).
_FUNDING_MONTH_SQL = """
    INSERT INTO monitoring_fundingmonthsummary
        (buurt_id, wijk_id, municipality_id, month, silo_id, theme_id, allocated, allocated_households, spent,
         spent_households, noise_allocated, noise_spent)
    WITH allocated AS (
        SELECT al.neighbourhood_id AS buurt_id, date_trunc('month', al.period_start)::date AS month, st.silo_id,
               act.theme_id, sum(al.amount) AS amount, count(DISTINCT al.household_id) AS households,
               sum(__ALLOCATED_NOISE__) AS noise
          FROM funding_allocation al
          JOIN funding_fundingstream st ON st.id = al.stream_id
          JOIN cases_action act ON act.id = al.action_id
         WHERE %(all)s OR al.neighbourhood_id = ANY(%(buurten)s)
         GROUP BY 1, 2, 3, 4
    ),
    spent AS (
        SELECT sp.neighbourhood_id AS buurt_id, sp.month, st.silo_id, act.theme_id,
               sum(sp.amount) AS amount, count(DISTINCT al.household_id) AS households,
               sum(__SPENT_NOISE__) AS noise
          FROM funding_spend sp
          JOIN funding_fundingstream st ON st.id = sp.stream_id
          JOIN funding_allocation al ON al.id = sp.allocation_id
          JOIN cases_action act ON act.id = al.action_id
         WHERE %(all)s OR sp.neighbourhood_id = ANY(%(buurten)s)
         GROUP BY 1, 2, 3, 4
    )
    SELECT coalesce(a.buurt_id, s.buurt_id), area.parent_id, area.municipality_id, coalesce(a.month, s.month),
           coalesce(a.silo_id, s.silo_id), coalesce(a.theme_id, s.theme_id), coalesce(a.amount, 0),
           coalesce(a.households, 0), coalesce(s.amount, 0), coalesce(s.households, 0), coalesce(a.noise, 0),
           coalesce(s.noise, 0)
      FROM allocated a
      FULL JOIN spent s ON s.buurt_id = a.buurt_id AND s.month = a.month AND s.silo_id = a.silo_id
                       AND s.theme_id = a.theme_id
      JOIN organisations_area area ON area.id = coalesce(a.buurt_id, s.buurt_id)
""".replace("__ALLOCATED_NOISE__", suppression.amount_noise_sql("al.amount", "al.household_id", "allocated")).replace(
    "__SPENT_NOISE__", suppression.amount_noise_sql("sp.amount", "al.household_id", "spent")
)

_BLOCKAGE_FACT_SQL = """
    INSERT INTO monitoring_blockagefact
        (buurt_id, wijk_id, municipality_id, month, blockage_id, household_id, silo_id, theme_id, opened_on,
         closed_on, status, resolution, euros_stuck, noise_euros_stuck)
    WITH b AS (
        -- Euros stuck count once per action, as in the funding audit: the action's counted blockage only.
        SELECT b.*, CASE WHEN __COUNTED__ THEN b.euros_stuck ELSE 0 END AS counted_euros
          FROM funding_blockage b
         WHERE %(all)s OR b.neighbourhood_id = ANY(%(buurten)s)
    )
    SELECT b.neighbourhood_id, area.parent_id, area.municipality_id,
           date_trunc('month', b.opened_at AT TIME ZONE %(tz)s)::date, b.id, c.household_id, b.silo_id, act.theme_id,
           (b.opened_at AT TIME ZONE %(tz)s)::date, (b.closed_at AT TIME ZONE %(tz)s)::date,
           b.status, b.resolution, b.counted_euros, __STUCK_NOISE__
      FROM b
      JOIN cases_action act ON act.id = b.action_id
      JOIN cases_case c ON c.id = act.case_id
      JOIN organisations_area area ON area.id = b.neighbourhood_id
""".replace("__COUNTED__", counted_blockage_sql("b")).replace(
    "__STUCK_NOISE__", suppression.amount_noise_sql("b.counted_euros", "c.household_id", "euros_stuck")
)


def _blockage_cell_sql() -> str:
    """The blockage panel's base cells, counted and perturbed once from the facts just written (``panel.py``).
    Built when a refresh runs: the deviations depend on the suppression threshold in force."""
    facts = "SELECT * FROM monitoring_blockagefact WHERE %(all)s OR buurt_id = ANY(%(buurten)s)"
    return f"""
        INSERT INTO monitoring_blockagecell ({", ".join(CELL_KEYS)}, {", ".join(CELL_FIGURES)})
        {blockage_cells_sql(facts)}
    """


# Funding rows are written once and changed only through timestamped steps: allocations are inserted
# (created_at), spend arrives with an import (finished_at), blockages open (opened_at) and move by events
# (at). Stapeling reads allocations, so their household's current buurt changes too.
_CHANGED_FUNDING_BUURTEN_SQL = """
    SELECT al.neighbourhood_id FROM funding_allocation al WHERE al.created_at > %(since)s
    UNION SELECT h.neighbourhood_id FROM funding_allocation al JOIN cases_household h ON h.id = al.household_id
           WHERE al.created_at > %(since)s
    UNION SELECT b.neighbourhood_id FROM funding_blockage b
           WHERE b.opened_at > %(since)s
              OR b.id IN (SELECT blockage_id FROM funding_blockageevent WHERE at > %(since)s)
"""


# Roll-ups per municipality and month (models.py), summed from the buurt tables just written, for
# every municipality whose buurten a refresh recomputed whole.
_ROLLUP_SCOPE = "(%(all)s OR municipality_id = ANY(%(municipalities)s))"


@dataclass(frozen=True)
class Rollup:
    table: str
    sql: str
    # Rebuilt whole (from a roll-up above it in ROLLUPS) rather than per municipality.
    whole: bool = False
    # Which rows the refresh replaces, when not the municipalities' (or, whole, all).
    delete: str | None = None
    # False when a statement before it in ROLLUPS deleted the rows it writes.
    deletes: bool = True


ROLLUPS = (
    Rollup(
        "monitoring_casemonthrollup",
        """
        INSERT INTO monitoring_casemonthrollup
            (municipality_id, month, active_cases, inflow, outflow, active_households, coordinated_households,
             stapeling_households, sum_organisations, sum_professionals, sum_silos, noise_active_cases,
             noise_inflow, noise_outflow, noise_active_households, noise_coordinated_households,
             noise_stapeling_households)
        SELECT municipality_id, month, sum(active_cases), sum(inflow), sum(outflow), sum(active_households),
               sum(coordinated_households), sum(stapeling_households), sum(sum_organisations),
               sum(sum_professionals), sum(sum_silos), sum(noise_active_cases), sum(noise_inflow),
               sum(noise_outflow), sum(noise_active_households), sum(noise_coordinated_households),
               sum(noise_stapeling_households)
          FROM monitoring_casemonthsummary WHERE __SCOPE__ GROUP BY 1, 2
        """,
    ),
    Rollup(
        "monitoring_goalmonthrollup",
        """
        INSERT INTO monitoring_goalmonthrollup
            (municipality_id, month, theme_id, goals, achieved, partly, households, noise_households)
        SELECT municipality_id, month, theme_id, sum(goals), sum(achieved), sum(partly), sum(households),
               sum(noise_households)
          FROM monitoring_goalmonthsummary WHERE __SCOPE__ GROUP BY 1, 2, 3
        """,
    ),
    Rollup(
        "monitoring_instrumentmonthrollup",
        """
        INSERT INTO monitoring_instrumentmonthrollup
            (municipality_id, month, domain_id, persons, households, sum_first, sum_latest, improved, noise_households)
        SELECT municipality_id, month, domain_id, sum(persons), sum(households), sum(sum_first), sum(sum_latest),
               sum(improved), sum(noise_households)
          FROM monitoring_instrumentmonthsummary WHERE __SCOPE__ GROUP BY 1, 2, 3
        """,
    ),
    Rollup(
        "monitoring_coordinationmonthrollup",
        """
        INSERT INTO monitoring_coordinationmonthrollup
            (municipality_id, month, organisation_kind_id, organisation_id, minutes, contacts, households,
             noise_households, noise_minutes)
        SELECT municipality_id, month, organisation_kind_id, organisation_id, sum(minutes), sum(contacts),
               sum(households), sum(noise_households), sum(noise_minutes)
          FROM monitoring_coordinationmonthsummary WHERE __SCOPE__ GROUP BY 1, 2, 3, 4
        """,
    ),
    Rollup(
        "monitoring_coordinationrollup",
        """
        INSERT INTO monitoring_coordinationrollup
            (municipality_id, organisation_kind_id, organisation_id, minutes, contacts, households,
             noise_households, noise_minutes)
        SELECT municipality_id, organisation_kind_id, organisation_id, sum(minutes), sum(contacts),
               sum(households), sum(noise_households), sum(noise_minutes)
          FROM monitoring_coordinationmonthrollup WHERE __SCOPE__ GROUP BY 1, 2, 3
        """,
    ),
    Rollup(
        "monitoring_goalrollup",
        """
        INSERT INTO monitoring_goalrollup (municipality_id, theme_id, goals, achieved, partly, households,
                                           noise_households)
        SELECT municipality_id, theme_id, sum(goals), sum(achieved), sum(partly), sum(households),
               sum(noise_households)
          FROM monitoring_goalmonthrollup WHERE __SCOPE__ GROUP BY 1, 2
        """,
    ),
    Rollup(
        "monitoring_instrumentrollup",
        """
        INSERT INTO monitoring_instrumentrollup
            (municipality_id, domain_id, persons, households, sum_first, sum_latest, improved, noise_households)
        SELECT municipality_id, domain_id, sum(persons), sum(households), sum(sum_first), sum(sum_latest),
               sum(improved), sum(noise_households)
          FROM monitoring_instrumentmonthrollup WHERE __SCOPE__ GROUP BY 1, 2
        """,
    ),
    Rollup(
        "monitoring_fundingmonthrollup",
        """
        INSERT INTO monitoring_fundingmonthrollup
            (municipality_id, month, silo_id, theme_id, allocated, allocated_households, spent, spent_households,
             noise_allocated, noise_spent)
        SELECT municipality_id, month, silo_id, theme_id, sum(allocated), sum(allocated_households), sum(spent),
               sum(spent_households), sum(noise_allocated), sum(noise_spent)
          FROM monitoring_fundingmonthsummary WHERE __SCOPE__ GROUP BY 1, 2, 3, 4
        """,
    ),
    Rollup(
        "monitoring_fundingrollup",
        """
        INSERT INTO monitoring_fundingrollup
            (municipality_id, silo_id, theme_id, allocated, allocated_households, spent, spent_households,
             noise_allocated, noise_spent)
        SELECT municipality_id, silo_id, theme_id, sum(allocated), sum(allocated_households), sum(spent),
               sum(spent_households), sum(noise_allocated), sum(noise_spent)
          FROM monitoring_fundingmonthrollup WHERE __SCOPE__ GROUP BY 1, 2, 3
        """,
    ),
    Rollup(
        "monitoring_timinghistogram",
        """
        INSERT INTO monitoring_timinghistogram (municipality_id, month, measure, days, cases)
        SELECT municipality_id, month, 'contact', days_to_first_contact, count(*) FROM monitoring_casetiming
         WHERE __SCOPE__ AND days_to_first_contact IS NOT NULL GROUP BY 1, 2, 4
        UNION ALL
        SELECT municipality_id, month, 'plan', days_to_plan, count(*) FROM monitoring_casetiming
         WHERE __SCOPE__ AND days_to_plan IS NOT NULL GROUP BY 1, 2, 4
        """,
    ),
    Rollup(
        "monitoring_nationaltiminghistogram",
        """
        INSERT INTO monitoring_nationaltiminghistogram (month, measure, days, cases)
        SELECT month, measure, days, sum(cases) FROM monitoring_timinghistogram GROUP BY 1, 2, 3
        """,
        whole=True,
    ),
    # The blockage panel of each municipality and of the country, for all themes and for each theme: two
    # statements a scope (municipalities, or the country) whose first deletes the scope's rows of both.
    Rollup(
        "monitoring_blockagepanelrollup",
        """
        INSERT INTO monitoring_blockagepanelrollup __PANEL_COLUMNS__
        SELECT p.municipality_id, NULL, __PANEL_FIGURES__ FROM (__PANEL_PER_MUNICIPALITY__) AS p
        """,
        delete="DELETE FROM monitoring_blockagepanelrollup WHERE municipality_id IS NOT NULL AND __SCOPE__",
    ),
    Rollup(
        "monitoring_blockagepanelrollup",
        """
        INSERT INTO monitoring_blockagepanelrollup __PANEL_COLUMNS__
        SELECT p.municipality_id, p.theme_id, __PANEL_FIGURES__ FROM (__PANEL_PER_MUNICIPALITY_THEME__) AS p
        """,
        deletes=False,  # the statement above emptied the scope
    ),
    Rollup(
        "monitoring_blockagepanelrollup",
        """
        INSERT INTO monitoring_blockagepanelrollup __PANEL_COLUMNS__
        SELECT NULL, NULL, __PANEL_FIGURES__ FROM (__PANEL_NATIONAL__) AS p
        """,
        whole=True,
        delete="DELETE FROM monitoring_blockagepanelrollup WHERE municipality_id IS NULL",
    ),
    Rollup(
        "monitoring_blockagepanelrollup",
        """
        INSERT INTO monitoring_blockagepanelrollup __PANEL_COLUMNS__
        SELECT NULL, p.theme_id, __PANEL_FIGURES__ FROM (__PANEL_NATIONAL_THEME__) AS p
        """,
        whole=True,
        deletes=False,  # the statement above emptied the country's rows
    ),
)


_PANEL_COLUMNS = f"(municipality_id, theme_id, {', '.join(PANEL_COLUMNS)})"
_PANEL_FIGURES = ", ".join(f"p.{column}" for column in PANEL_COLUMNS)
_PANEL_CELLS = "SELECT * FROM monitoring_blockagecell WHERE __SCOPE__"
_PANEL_FACTS = "SELECT * FROM monitoring_blockagefact WHERE __SCOPE__"


def _rollups_refresh(cursor: Any, *, full: bool, buurten: list[int]) -> int:
    """Rebuild the roll-ups of the municipalities whose buurten were recomputed whole; returns the rows written.
    (Cells recomputed alone move their roll-ups by the difference: ``CELL_ROLLUPS``.)"""
    rows = 0
    if not full and not buurten:
        return rows
    cursor.execute("SELECT array_agg(DISTINCT municipality_id) FROM organisations_area WHERE id = ANY(%s)", [buurten])
    municipalities = cursor.fetchone()[0] or []
    for rollup in ROLLUPS:
        params = {"all": full, "municipalities": municipalities, **suppression.cell_key_params()}
        scope = "true" if rollup.whole else _ROLLUP_SCOPE
        if rollup.deletes:
            delete = rollup.delete or f"DELETE FROM {rollup.table} WHERE __SCOPE__"  # noqa: S608
            cursor.execute(delete.replace("__SCOPE__", scope), params)
        # The panel as published (sums of perturbed base cells), as a filtered view adds it up (panel.py).
        sql = (
            rollup.sql.replace("__PANEL_COLUMNS__", _PANEL_COLUMNS)
            .replace("__PANEL_FIGURES__", _PANEL_FIGURES)
            .replace(
                "__PANEL_PER_MUNICIPALITY_THEME__",
                blockage_panel_sql(_PANEL_CELLS, _PANEL_FACTS, groups=("municipality_id", "theme_id")),
            )
            .replace(
                "__PANEL_PER_MUNICIPALITY__",
                blockage_panel_sql(_PANEL_CELLS, _PANEL_FACTS, groups=("municipality_id",)),
            )
            .replace("__PANEL_NATIONAL_THEME__", blockage_panel_sql(_PANEL_CELLS, _PANEL_FACTS, groups=("theme_id",)))
            .replace("__PANEL_NATIONAL__", blockage_panel_sql(_PANEL_CELLS, _PANEL_FACTS))
        )
        cursor.execute(sql.replace("__SCOPE__", scope), params)
        rows += cursor.rowcount
    return rows


# A full refresh computes these on a second connection while its own computes the others (``SharedSnapshot``):
# the casework statement alone takes about as long as these four together.
_SHARED = ("instruments", "coordination", "timing", "funding")
# Sorts and hashes of a full refresh fit in memory at national scale (a refresh runs one at a time).
_REFRESH_SETTINGS = ["SET LOCAL work_mem = '256MB'"]


def _summary_statements() -> dict[str, str]:
    return {
        "casework": _case_month_sql(),
        "goals": _with_noise(_GOAL_MONTH_SQL),
        "instruments": _with_noise(_INSTRUMENT_MONTH_SQL),
        "coordination": _with_noise(_COORDINATION_MONTH_SQL),
        "timing": _CASE_TIMING_SQL,
        "funding": _FUNDING_MONTH_SQL,
        "blockages": _BLOCKAGE_FACT_SQL,
        "blockage cells": _blockage_cell_sql(),  # after the facts it counts
    }


def _summaries_write(cursor: Any, params: dict[str, Any], *, full: bool, shareable: bool) -> int:
    """Replace the summary rows of the buurten in scope (all of them when ``full``); returns the rows written."""
    statements = _summary_statements()
    shared = None
    if full and shareable and settings.WIJKTEAM_SUMMARY_CONNECTIONS > 1:
        shared = SharedSnapshot([statements.pop(name) for name in _SHARED], params, settings=_REFRESH_SETTINGS)
        shared.start()
    for setting in _REFRESH_SETTINGS:
        cursor.execute(setting)
    for table in SUMMARY_TABLES:
        cursor.execute(f"DELETE FROM {table} WHERE %(all)s OR buurt_id = ANY(%(buurten)s)", params)  # noqa: S608
    rows = 0
    try:
        for sql in statements.values():
            cursor.execute(sql, params)
            rows += cursor.rowcount
    except BaseException:
        if shared is not None:
            shared.abandon()
        raise
    if shared is not None:
        rows += shared.write_into(cursor)
    return rows


@dataclass(frozen=True)
class RefreshResult:
    ran: bool
    run: SummaryRun | None = None


def _incremental_since(previous: SummaryRun | None, today: datetime.date) -> datetime.datetime | None:
    """Where an incremental run starts reading changes; None means everything must be recomputed."""
    if previous is None:
        return None
    # Open cases count as active in every month up to today: a new month touches every buurt.
    if timezone.localtime(previous.watermark).date().replace(day=1) != today.replace(day=1):
        return None
    # Rows committed late by a long transaction carry an earlier history_date; reading a margin
    # back costs only a little repeated (idempotent) work.
    return previous.watermark - datetime.timedelta(seconds=settings.WIJKTEAM_SUMMARY_OVERLAP_SECONDS)


def summaries_refresh_request(*, by: User) -> None:
    """Ask for a refresh in the background (the bureau's button), through the outbox; each press is one run."""
    enqueue(
        "monitoring.refresh_summaries",
        {},
        idempotency_key=f"monitoring.refresh_summaries:by={by.pk}:{uuid.uuid4().hex}",
    )


# No savepoint: in a task's transaction the refresh and the claim succeed or fail together, and a snapshot
# can be exported only outside a subtransaction.
@transaction.atomic(savepoint=False)
def summaries_refresh(*, full: bool = False, wrote_only_bookkeeping: bool = False) -> RefreshResult:
    """Bring the summary tables up to date; returns ``ran=False`` when another refresh holds the lock.

    A full refresh shares its work with a second connection (``SharedSnapshot``) when that connection sees
    what this transaction sees: when the transaction has written nothing yet, or when the caller vouches
    that what it wrote is bookkeeping no summary reads (the worker's task claim: ``tasks.py``).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id_if_assigned() IS NULL")
        shareable = (wrote_only_bookkeeping or cursor.fetchone()[0]) and not any(connection.savepoint_ids)
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [REFRESH_LOCK_KEY])
        if not cursor.fetchone()[0]:
            logger.info("Summary refresh skipped: another refresh is running")
            return RefreshResult(ran=False)
        # The transaction's start: every row committed before it is visible to this run.
        cursor.execute("SELECT transaction_timestamp()")
        watermark = cursor.fetchone()[0]
        today = timezone.localdate(watermark)
        previous = SummaryRun.objects.finished().first()
        since = None if full else _incremental_since(previous, today)
        mode = SummaryRun.Mode.FULL if since is None else SummaryRun.Mode.INCREMENTAL
        run = SummaryRun.objects.create(mode=mode, started_at=timezone.now(), watermark=watermark)

        # The cells contacts marked, claimed first: a contact committed from here on marks its cells for the
        # next run, and is seen by this one too (each statement below reads what is committed when it starts).
        cursor.execute(_CLAIM_CELLS_SQL)
        cells = cursor.fetchall()
        buurten: list[int] = []  # recomputed in every table
        if since is not None:
            cursor.execute(_CHANGED_BUURTEN_SQL, {"since": since})
            by_casework = {row[0] for row in cursor.fetchall() if row[0] is not None}
            # Funding changes reach stapeling in the case months too: those buurten refresh every table.
            cursor.execute(_CHANGED_FUNDING_BUURTEN_SQL, {"since": since})
            by_funding = {row[0] for row in cursor.fetchall() if row[0] is not None}
            # Spend has no index by import (it loads in bulk): read it only when an import finished since.
            cursor.execute("SELECT array_agg(id) FROM funding_spendimport WHERE finished_at > %s", [since])
            imports = cursor.fetchone()[0]
            if imports:
                cursor.execute(
                    "SELECT DISTINCT neighbourhood_id FROM funding_spend WHERE spend_import_id = ANY(%s)", [imports]
                )
                by_funding |= {row[0] for row in cursor.fetchall() if row[0] is not None}
            buurten = sorted(by_casework | by_funding)
        params: dict[str, Any] = {
            "all": since is None,
            "buurten": buurten,
            "today": today,
            "tz": settings.TIME_ZONE,
            "cell_buurten": [buurt for buurt, _month, _coordination in cells],
            "cell_months": [month for _buurt, month, _coordination in cells],
            "cell_coordination": [coordination for _buurt, _month, coordination in cells],
            **suppression.cell_key_params(),
        }
        rows = 0
        # Cells outside the buurten recomputed whole: only they, in the tables that read contacts.
        cell_buurten = {buurt for buurt, _month, _coordination in cells} - set(buurten)
        if since is not None and cell_buurten:
            rows += _cells_refresh(cursor, params)
        if since is None or buurten:
            rows += _summaries_write(cursor, params, full=since is None, shareable=shareable)
        rows += _rollups_refresh(cursor, full=since is None, buurten=buurten)
        if since is None:
            cursor.execute("SELECT count(*) FROM organisations_area WHERE kind = 'buurt'")
            run.buurten = cursor.fetchone()[0]
        else:
            run.buurten = len(set(buurten) | cell_buurten)
        run.rows = rows
        run.finished_at = timezone.now()
        run.save(update_fields=["buurten", "rows", "finished_at"])
    logger.info("Summary refresh %s: %s buurten, %s rows", run.mode, run.buurten, run.rows)
    return RefreshResult(ran=True, run=run)

"""Which funding streams may pay for an action, and when none may, why: one SQL definition for one action or all.

The rules are checked as a funnel, in the order of ``BlockageReason``: theme,
period (the stream runs on the action's first day), area, organisation kind,
beneficiary (age on the first day, or household level), the silos the
delivering organisation can bill, the age on *every* day of the action (a
birthday that crosses the stream's age limit inside the period), the stream
reaching the action's last day (itself, or continued by the same silo's stream
of the next period), and remaining budget. For every (action, stream) pair the
*stage* is how many rules in a row the stream passes (0 to 9); 9 means it can
pay. When no stream reaches 9, the reason is the rule at which the stream that
came closest failed, and that stream (and its silo) is what blocks: "the
Jeugdwet stream stops at 17".

An action's period runs from its start (or the day it was recorded) to its end
(or its start when it has none); a payment asks about its own part of it. Age
is monotonic, so "the age fits on every day" is "it fits on the first and on
the last day"; a stream that fails only on a later day may pay up to the day
before the birthday. A stream *continues* in the same silo's stream of the
next period: same municipality, Iv3 taakveld, funding logic, ages and level,
starting exactly the day after it ends (``CONTINUES``); ``chain_until`` is the
last day a stream and its continuations cover.

Paid actions are re-checked daily as well (``detect_funded_sql``): each running
allocation against a stream cut short, a move out of the stream's area, a
beneficiary who left the household, and the stream's ages.

The same SQL serves the check of one action (the cases services call it in the
action's transaction) and the set-based run over millions (the seed), so the
two can never disagree. Streams of a silo-free silo (the flexible budget) are
never matched: paying from them is the doorbraak decision that resolves a
blockage.
"""

from __future__ import annotations

import datetime
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection

from .models import Blockage, BlockageReason

# The stages of the funnel, by the rule a stream failed at (a stream at stage n passed every rule before n).
STAGE_AREA = 2
STAGE_BENEFICIARY = 4
STAGE_AGE_LIMIT = 6  # passed every rule of its own on the first day; fails on a later day of the action
STAGE_STREAM_ENDS = 7
STAGE_BUDGET = 8
ELIGIBLE = 9
# From this stage on a stream's own rules let it pay from the action's first day: it may be chosen to pay,
# and what it cannot cover (the days from an age limit on, past its end, its budget) becomes a blockage.
PAYABLE_FROM = STAGE_AGE_LIMIT

# The funnel: stage → reason when the closest stream stopped there (stage 4 depends on the beneficiary).
REASON_BY_STAGE = {
    0: BlockageReason.THEME,
    1: BlockageReason.PERIOD,
    2: BlockageReason.AREA,
    3: BlockageReason.ORGANISATION_KIND,
    5: BlockageReason.SILO_NOT_BILLABLE,
    6: BlockageReason.AGE_LIMIT,
    7: BlockageReason.STREAM_ENDS,
    8: BlockageReason.BUDGET_EXHAUSTED,
}

REASON_SQL = """
    CASE v.stage
        WHEN 0 THEN 'theme' WHEN 1 THEN 'period' WHEN 2 THEN 'area' WHEN 3 THEN 'organisation_kind'
        WHEN 4 THEN CASE WHEN v.beneficiary_id IS NULL THEN 'household_level' ELSE 'age' END
        WHEN 5 THEN 'silo_not_billable' WHEN 6 THEN 'age_limit' WHEN 7 THEN 'stream_ends'
        WHEN 8 THEN 'budget_exhausted'
    END
"""

# A stream continues in the same silo's stream of the next period: same municipality, Iv3 taakveld, funding
# logic, ages and level, starting exactly the day after it ends (``FundingStreamQuerySet.continuing`` says the
# same for one stream). NULLs compare as equal.
CONTINUES = " AND ".join(
    [
        "n.valid_from = cur.valid_until + 1",
        "n.silo_id = cur.silo_id",
        "n.iv3_taakveld = cur.iv3_taakveld",
        "n.funding_logic = cur.funding_logic",
        "n.household_level = cur.household_level",
    ]
    + [f"n.{column} IS NOT DISTINCT FROM cur.{column}" for column in ("municipality_id", "min_age", "max_age")]
)


def _age_fits(day: str, person: str = "su", stream: str = "sr") -> str:
    """SQL: the beneficiary ``person`` is of an age ``stream`` pays for on ``day`` (an unknown birth date never is)."""
    return (
        f"({person}.date_of_birth IS NOT NULL AND extract(year FROM age({day}, {person}.date_of_birth))"
        f" BETWEEN COALESCE({stream}.min_age, 0) AND COALESCE({stream}.max_age, 200))"
    )


def checks_sql(action_filter: str, *, unfunded_only: bool, include_finished: bool = False) -> str:
    """The CTE chain ``subject`` → ``stream_rules`` → ``checks`` → ``verdict``.

    ``action_filter`` is a fixed SQL condition on ``a`` (cases_action), with
    named parameters. ``checks`` has one row per (action, candidate stream)
    with its final ``stage``; ``verdict`` one row per action with the highest
    stage, the stream that reached it, and its silo.
    """
    unfunded = "AND NOT EXISTS (SELECT 1 FROM funding_allocation al WHERE al.action_id = a.id)" if unfunded_only else ""
    # The seed also pays finished work (done actions, closed cases); detection never looks at it.
    checked = (
        "a.status <> 'cancelled'"
        if include_finished
        else "a.status IN ('proposed', 'approved', 'in_progress') AND c.status <> 'afgesloten'"
    )
    # The fragments are constants of this module, never user input; values travel as parameters.
    return f"""
    subject AS MATERIALIZED (
        SELECT a.id AS action_id, a.theme_id, a.planned_cost, a.beneficiary_id, a.created_by_id,
               a.created_at AS action_created_at,
               -- The action's period, or the part of it a payment asks about (``from``/``until``).
               COALESCE(%(from)s::date, a.start_date, (a.created_at AT TIME ZONE %(tz)s)::date) AS on_day,
               GREATEST(COALESCE(%(until)s::date, a.end_date, a.start_date, (a.created_at AT TIME ZONE %(tz)s)::date),
                        COALESCE(%(from)s::date, a.start_date, (a.created_at AT TIME ZONE %(tz)s)::date)) AS until_day,
               o.kind_id, h.neighbourhood_id, buurt.parent_id AS district_id, buurt.municipality_id,
               p.date_of_birth,
               ARRAY(SELECT os.silo_id FROM organisations_organisation_silos os
                     WHERE os.organisation_id = o.id) AS billable_silo_ids
        FROM cases_action a
        JOIN cases_case c ON c.id = a.case_id
        JOIN cases_household h ON h.id = c.household_id
        JOIN organisations_area buurt ON buurt.id = h.neighbourhood_id
        JOIN organisations_organisation o ON o.id = a.delivering_organisation_id
        LEFT JOIN cases_person p ON p.id = a.beneficiary_id
        WHERE ({action_filter})
          AND {checked}
          {unfunded}
    ),
    -- How far each stream reaches with its continuations (``CONTINUES``): one step per next period.
    stream_chain AS MATERIALIZED (
        WITH RECURSIVE chain(id, last_id, last_until) AS (
            SELECT id, id, valid_until FROM funding_fundingstream
            UNION ALL
            SELECT chain.id, n.id, n.valid_until
            FROM chain
            JOIN funding_fundingstream cur ON cur.id = chain.last_id
            JOIN funding_fundingstream n ON {CONTINUES}
        )
        SELECT id, max(last_until) AS chain_until FROM chain GROUP BY id
    ),
    stream_rules AS MATERIALIZED (
        SELECT s.id, s.silo_id, silo."order" AS silo_order, s.municipality_id, s.valid_from, s.valid_until,
               s.min_age, s.max_age, s.household_level, s.budget,
               ARRAY(SELECT t.theme_id FROM funding_fundingstream_themes t
                     WHERE t.fundingstream_id = s.id) AS theme_ids,
               ARRAY(SELECT k.organisationkind_id FROM funding_fundingstream_organisation_kinds k
                     WHERE k.fundingstream_id = s.id) AS kind_ids,
               ARRAY(SELECT ar.area_id FROM funding_fundingstream_areas ar
                     WHERE ar.fundingstream_id = s.id) AS area_ids,
               chain.chain_until
        FROM funding_fundingstream s
        JOIN funding_silo silo ON silo.id = s.silo_id
        JOIN stream_chain chain ON chain.id = s.id
        WHERE NOT silo.silo_free
          AND (s.municipality_id IS NULL OR s.municipality_id IN (SELECT DISTINCT municipality_id FROM subject))
    ),
    rule_checks AS MATERIALIZED (
        SELECT su.action_id, su.planned_cost, sr.id AS stream_id, sr.silo_id, sr.silo_order, sr.budget,
            sr.chain_until,
            -- The first birthday past the stream's age limit (the day help for a 17-year-old stops fitting).
            (su.date_of_birth + make_interval(years => sr.max_age + 1))::date AS crossing_day,
            CASE
                WHEN NOT (su.on_day BETWEEN sr.valid_from AND sr.valid_until) THEN 1
                WHEN NOT (cardinality(sr.area_ids) = 0 OR su.neighbourhood_id = ANY(sr.area_ids)
                          OR su.district_id = ANY(sr.area_ids)) THEN 2
                WHEN NOT (cardinality(sr.kind_ids) = 0 OR su.kind_id = ANY(sr.kind_ids)) THEN 3
                WHEN su.beneficiary_id IS NULL AND NOT sr.household_level THEN 4
                WHEN su.beneficiary_id IS NOT NULL AND (sr.min_age IS NOT NULL OR sr.max_age IS NOT NULL)
                     AND NOT {_age_fits("su.on_day")} THEN 4
                WHEN NOT (sr.silo_id = ANY(su.billable_silo_ids)) THEN 5
                WHEN su.beneficiary_id IS NOT NULL AND (sr.min_age IS NOT NULL OR sr.max_age IS NOT NULL)
                     AND NOT {_age_fits("su.until_day")} THEN 6
                WHEN sr.chain_until < su.until_day THEN 7
                ELSE 8
            END AS stage
        FROM subject su
        -- Only streams for the action's theme: one that fails on the theme reaches stage 0, the same as
        -- no stream at all (the LEFT JOIN in verdict), so pairing with it would only cost time.
        JOIN stream_rules sr ON (sr.municipality_id IS NULL OR sr.municipality_id = su.municipality_id)
                            AND (cardinality(sr.theme_ids) = 0 OR su.theme_id = ANY(sr.theme_ids))
    ),
    -- Remaining budget only for the streams that may pay from the first day: one sum per stream.
    remaining AS (
        SELECT n.stream_id, n.budget - COALESCE(sum(al.amount), 0) AS remaining
        FROM (SELECT DISTINCT stream_id, budget FROM rule_checks WHERE stage >= {PAYABLE_FROM}) n
        LEFT JOIN funding_allocation al ON al.stream_id = n.stream_id
        GROUP BY n.stream_id, n.budget
    ),
    checks AS MATERIALIZED (
        SELECT rc.action_id, rc.stream_id, rc.silo_id, rc.silo_order, rc.chain_until, rc.crossing_day, r.remaining,
               CASE WHEN rc.stage = {STAGE_BUDGET} AND r.remaining >= rc.planned_cost THEN {ELIGIBLE}
                    ELSE rc.stage END AS stage
        FROM rule_checks rc
        LEFT JOIN remaining r ON r.stream_id = rc.stream_id
    ),
    best AS (
        SELECT DISTINCT ON (action_id) action_id, stream_id, silo_id, stage, chain_until, crossing_day
        FROM checks
        ORDER BY action_id, stage DESC, silo_order, stream_id
    ),
    verdict AS (
        SELECT su.action_id, su.planned_cost, su.beneficiary_id, su.created_by_id, su.action_created_at,
               su.neighbourhood_id, su.until_day,
               COALESCE(b.stage, 0) AS stage,
               -- No stream pays for the theme at all: no stream or silo "blocks", the gap is the theme.
               b.stream_id, b.silo_id,
               -- The days no stream of the closest kind pays: from the age limit, or past the stream's end.
               CASE b.stage WHEN {STAGE_AGE_LIMIT} THEN b.crossing_day
                            WHEN {STAGE_STREAM_ENDS} THEN b.chain_until + 1 END AS gap_from
        FROM subject su
        LEFT JOIN best b ON b.action_id = su.action_id
    ),
    -- An age limit crossed inside the period: the stream of another silo that fits the theme, the area and
    -- the age from that day on (e.g. Wmo after Jeugdwet), preferring one that runs then and that the
    -- deliverer can bill. Only computed where a query asks for it.
    gaps AS (
        SELECT v.*, takeover.id AS takeover_stream_id
        FROM verdict v
        JOIN subject su ON su.action_id = v.action_id
        LEFT JOIN LATERAL (
            SELECT sr.id FROM stream_rules sr
            WHERE v.stage = {STAGE_AGE_LIMIT} AND sr.silo_id <> v.silo_id
              AND (sr.municipality_id IS NULL OR sr.municipality_id = su.municipality_id)
              AND (cardinality(sr.theme_ids) = 0 OR su.theme_id = ANY(sr.theme_ids))
              AND (cardinality(sr.area_ids) = 0 OR su.neighbourhood_id = ANY(sr.area_ids)
                   OR su.district_id = ANY(sr.area_ids))
              AND {_age_fits("v.gap_from")}
            ORDER BY (v.gap_from BETWEEN sr.valid_from AND sr.chain_until) DESC,
                     (sr.silo_id = ANY(su.billable_silo_ids)) DESC, sr.silo_order, sr.valid_from, sr.id
            LIMIT 1
        ) takeover ON TRUE
    )
    """  # noqa: S608


def sql_params(**extra: Any) -> dict[str, Any]:
    return {"tz": settings.TIME_ZONE, "from": None, "until": None, **extra}


@dataclass(frozen=True)
class Verdict:
    """The outcome for one action: the streams that may pay, or the reason none may."""

    action_id: int
    stage: int
    closest_stream_id: int | None
    closest_silo_id: int | None
    beneficiary_is_household: bool
    eligible_stream_ids: tuple[int, ...] = field(default=())
    # When blocked on a later day of the action: the first day no stream of the closest kind pays (the age
    # limit, or past the stream's end), the action's last day, and the stream that could take over then.
    gap_from: datetime.date | None = None
    gap_until: datetime.date | None = None
    takeover_stream_id: int | None = None

    @property
    def blocked(self) -> bool:
        return self.stage < ELIGIBLE

    @property
    def reason(self) -> BlockageReason | None:
        if not self.blocked:
            return None
        if self.stage == 4:
            return BlockageReason.HOUSEHOLD_LEVEL if self.beneficiary_is_household else BlockageReason.AGE
        return REASON_BY_STAGE[self.stage]


def evaluate(action_ids: Sequence[int], *, unfunded_only: bool = False) -> dict[int, Verdict]:
    """The verdict for each action that is checked (open action on an open case); one query."""
    if not action_ids:
        return {}
    sql = (
        "WITH "  # noqa: S608 — constant fragments; values are parameters
        + checks_sql("a.id = ANY(%(ids)s)", unfunded_only=unfunded_only)
        + f"""
        SELECT v.action_id, v.stage, v.stream_id, v.silo_id, v.beneficiary_id IS NULL,
               COALESCE(ARRAY(SELECT ch.stream_id FROM checks ch
                              WHERE ch.action_id = v.action_id AND ch.stage = {ELIGIBLE}
                              ORDER BY ch.silo_order, ch.stream_id),
                        '{{}}'),
               v.gap_from, v.until_day, v.takeover_stream_id
        FROM gaps v
        """  # noqa: S608 — constants of this module
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params(ids=list(action_ids)))
        return {
            row[0]: Verdict(
                action_id=row[0],
                stage=row[1],
                closest_stream_id=row[2],
                closest_silo_id=row[3],
                beneficiary_is_household=row[4],
                eligible_stream_ids=tuple(row[5]),
                gap_from=row[6],
                gap_until=row[7] if row[6] is not None else None,
                takeover_stream_id=row[8],
            )
            for row in cursor.fetchall()
        }


def _insert_blockages_sql(found: str, *, with_history: bool) -> str:
    """Insert the rows of CTE ``found`` as detected blockages, with their "opened" step; idempotent by constraint.

    ``found`` has the columns action_id, reason, stream_id, silo_id, euros_stuck, opened_at, opened_by_id,
    neighbourhood_id, gap_from, gap_until and takeover_stream_id. ``with_history`` also writes each new
    blockage's "+" row of the write history (as django-simple-history would on save), attributed to whoever
    opened it.
    """
    columns = ", ".join(
        connection.ops.quote_name(str(blockage_field.column)) for blockage_field in Blockage._meta.concrete_fields
    )
    history = (
        f""",
    history AS (
        INSERT INTO {Blockage.history.model._meta.db_table}
               ({columns}, history_date, history_change_reason, history_type, history_user_id)
        SELECT {columns}, opened_at, NULL, '+', opened_by_id FROM inserted
    )"""  # noqa: S608 — column names from the model
        if with_history
        else ""
    )
    return f""",
    inserted AS (
        INSERT INTO funding_blockage (uuid, action_id, source, reason, stream_id, silo_id, rule, household_impact,
                                      euros_stuck, delay_days, status, level, resolution, allocation_id,
                                      opened_at, opened_by_id, closed_at, neighbourhood_id,
                                      gap_from, gap_until, takeover_stream_id)
        SELECT gen_random_uuid(), f.action_id, 'detected', f.reason, f.stream_id, f.silo_id, '', '',
               f.euros_stuck, NULL, 'open', 'team', '', NULL, f.opened_at, f.opened_by_id, NULL, f.neighbourhood_id,
               f.gap_from, f.gap_until, f.takeover_stream_id
        FROM {found} f
        ON CONFLICT (action_id, reason) WHERE source = 'detected' DO NOTHING
        RETURNING {columns}
    ){history}
    INSERT INTO funding_blockageevent (blockage_id, kind, from_status, to_status, level, resolution, note, by_id, at)
    SELECT id, 'opened', '', 'open', 'team', '', '', opened_by_id, opened_at FROM inserted
    """  # noqa: S608


def detect_sql(action_filter: str, *, with_history: bool = False) -> str:
    """Insert a blockage for every blocked unpaid action that lacks one for that reason; idempotent.

    The set-based run over all actions (the seed) leaves the history rows out.
    """
    return (
        "WITH "  # noqa: S608 — constant fragments; values are parameters
        + checks_sql(action_filter, unfunded_only=True)
        + f""",
    found AS (
        SELECT v.action_id, {REASON_SQL} AS reason, v.stream_id, v.silo_id, v.planned_cost AS euros_stuck,
               COALESCE(%(at)s, v.action_created_at) AS opened_at, COALESCE(%(by)s, v.created_by_id) AS opened_by_id,
               v.neighbourhood_id, v.gap_from, CASE WHEN v.gap_from IS NOT NULL THEN v.until_day END AS gap_until,
               v.takeover_stream_id
        FROM gaps v
        WHERE v.stage < {ELIGIBLE}
    )"""  # noqa: S608 — constants of this module
        + _insert_blockages_sql("found", with_history=with_history)
    )


def detect(
    *,
    action_ids: Sequence[int] | None,
    by_id: int | None,
    at: datetime.datetime | None,
    with_history: bool | None = None,
) -> int:
    """Run detection for these actions (None: every action); returns how many blockages were opened.

    ``by_id``/``at`` attribute the new blockages; None means the action's own
    creator and creation time (the set-based run over existing actions).
    ``with_history`` defaults to writing history rows for named actions only (the seed's run over all skips them).
    """
    if action_ids is not None and not action_ids:
        return 0
    action_filter = "TRUE" if action_ids is None else "a.id = ANY(%(ids)s)"
    with connection.cursor() as cursor:
        cursor.execute(
            detect_sql(action_filter, with_history=action_ids is not None if with_history is None else with_history),
            sql_params(ids=list(action_ids or []), by=by_id, at=at),
        )
        return cursor.rowcount


def _theme_fits(stream_id: str, theme_id: str) -> str:
    """SQL: the stream pays for the theme (no theme rule: every theme)."""
    rule = f"SELECT 1 FROM funding_fundingstream_themes t WHERE t.fundingstream_id = {stream_id}"  # noqa: S608
    return f"(NOT EXISTS ({rule}) OR EXISTS ({rule} AND t.theme_id = {theme_id}))"


def _area_fits(stream_id: str, neighbourhood_id: str, district_id: str) -> str:
    """SQL: the stream pays in the buurt or its wijk (no area rule: the whole municipality)."""
    rule = f"SELECT 1 FROM funding_fundingstream_areas ar WHERE ar.fundingstream_id = {stream_id}"  # noqa: S608
    return f"(NOT EXISTS ({rule}) OR EXISTS ({rule} AND ar.area_id IN ({neighbourhood_id}, {district_id})))"


def detect_funded_sql(action_filter: str, *, with_history: bool = True) -> str:
    """The daily re-check of paid running actions: each allocation still running on ``today`` against what has
    changed since it was made. A stream cut short before the allocation ends (``stream_ends``), a household
    that moved out of the stream's areas (``area``), a beneficiary who no longer lives in the household until
    the allocation ends (``beneficiary_left``), a beneficiary outside the stream's ages before it ends
    (``age_limit``, naming the stream that could take over). One blockage per action and reason, for the
    first uncovered day; euros stuck are the allocation's amount for the days from then, by days.
    """
    return (
        f"""WITH running AS MATERIALIZED (
        SELECT al.action_id, al.stream_id, al.amount, al.period_start, al.period_end,
               a.beneficiary_id, a.created_by_id, a.theme_id, c.household_id,
               h.neighbourhood_id, buurt.parent_id AS district_id, buurt.municipality_id, p.date_of_birth,
               s.silo_id, s.valid_until, s.min_age, s.max_age
        FROM funding_allocation al
        JOIN funding_fundingstream s ON s.id = al.stream_id
        JOIN funding_silo silo ON silo.id = s.silo_id AND NOT silo.silo_free
        JOIN cases_action a ON a.id = al.action_id
        JOIN cases_case c ON c.id = a.case_id
        JOIN cases_household h ON h.id = c.household_id
        JOIN organisations_area buurt ON buurt.id = h.neighbourhood_id
        LEFT JOIN cases_person p ON p.id = a.beneficiary_id
        WHERE ({action_filter})
          AND a.status IN ('proposed', 'approved', 'in_progress') AND c.status <> 'afgesloten'
          AND al.period_end >= %(today)s
    ),
    changed AS (
        SELECT r.*, f.reason, GREATEST(f.gap_from, r.period_start) AS gap_from
        FROM running r
        CROSS JOIN LATERAL (
            SELECT 'stream_ends' AS reason, r.valid_until + 1 AS gap_from
            WHERE r.valid_until < r.period_end
            UNION ALL
            SELECT 'area', %(today)s::date
            WHERE NOT {_area_fits("r.stream_id", "r.neighbourhood_id", "r.district_id")}
            UNION ALL
            SELECT 'beneficiary_left',
                   COALESCE((SELECT max(m.end_date) + 1 FROM cases_householdmembership m
                             WHERE m.household_id = r.household_id AND m.person_id = r.beneficiary_id),
                            r.period_start)
            WHERE r.beneficiary_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM cases_householdmembership m
                WHERE m.household_id = r.household_id AND m.person_id = r.beneficiary_id
                  AND (m.end_date IS NULL OR m.end_date >= r.period_end))
            UNION ALL
            SELECT 'age_limit',
                   CASE WHEN r.max_age IS NOT NULL AND r.date_of_birth IS NOT NULL
                             AND {_age_fits("r.period_start", "r", "r")}
                        THEN (r.date_of_birth + make_interval(years => r.max_age + 1))::date
                        ELSE r.period_start END
            WHERE r.beneficiary_id IS NOT NULL AND (r.min_age IS NOT NULL OR r.max_age IS NOT NULL)
              AND NOT {_age_fits("r.period_end", "r", "r")}
        ) f
    ),
    first_per_reason AS (
        SELECT DISTINCT ON (action_id, reason) *
        FROM changed
        ORDER BY action_id, reason, gap_from, period_start
    ),
    found AS (
        SELECT x.action_id, x.reason, x.stream_id, x.silo_id,
               round(x.amount * (x.period_end - x.gap_from + 1) / (x.period_end - x.period_start + 1), 2)
                   AS euros_stuck,
               %(at)s::timestamptz AS opened_at, COALESCE(%(by)s, x.created_by_id) AS opened_by_id,
               x.neighbourhood_id, x.gap_from, x.period_end AS gap_until, takeover.id AS takeover_stream_id
        FROM first_per_reason x
        LEFT JOIN LATERAL (
            SELECT s2.id
            FROM funding_fundingstream s2
            JOIN funding_silo silo2 ON silo2.id = s2.silo_id
            WHERE x.reason = 'age_limit' AND NOT silo2.silo_free AND s2.silo_id <> x.silo_id
              AND (s2.municipality_id IS NULL OR s2.municipality_id = x.municipality_id)
              AND {_theme_fits("s2.id", "x.theme_id")}
              AND {_area_fits("s2.id", "x.neighbourhood_id", "x.district_id")}
              AND {_age_fits("x.gap_from", "x", "s2")}
            ORDER BY (x.gap_from BETWEEN s2.valid_from AND s2.valid_until) DESC, silo2."order", s2.valid_from, s2.id
            LIMIT 1
        ) takeover ON TRUE
    )"""  # noqa: S608 — constant fragments; values are parameters
        + _insert_blockages_sql("found", with_history=with_history)
    )


def detect_funded(
    *,
    action_ids: Sequence[int] | None,
    today: datetime.date,
    by_id: int | None,
    at: datetime.datetime,
) -> int:
    """Re-check the paid, running actions (these, or every one); returns how many blockages were opened."""
    if action_ids is not None and not action_ids:
        return 0
    action_filter = "TRUE" if action_ids is None else "a.id = ANY(%(ids)s)"
    with connection.cursor() as cursor:
        cursor.execute(
            detect_funded_sql(action_filter),
            sql_params(ids=list(action_ids or []), today=today, by=by_id, at=at),
        )
        return cursor.rowcount


@dataclass(frozen=True)
class StreamCheck:
    """How far one stream of the action's municipality gets through the funnel for one action."""

    stream_id: int
    stage: int
    chain_until: datetime.date | None
    crossing_day: datetime.date | None
    remaining: Decimal | None
    until_day: datetime.date
    takeover_stream_id: int | None

    @property
    def payable(self) -> bool:
        """Its own rules let it pay from the action's first day and it has the budget for the first part; what
        lies past its end without a continuation becomes a blockage when it is chosen."""
        return self.stage >= PAYABLE_FROM and self.stage != STAGE_BUDGET


STREAM_CHECKS_STATEMENT = "funding_stream_checks_v2"
_prepared_on: weakref.WeakSet[Any] = weakref.WeakSet()


def _stream_checks_sql() -> str:
    return (
        "WITH "  # noqa: S608 — constant fragments; values are parameters
        + checks_sql("a.id = %(id)s", unfunded_only=False)
        + """
        SELECT sr.id, COALESCE(ch.stage, 0), ch.chain_until, ch.crossing_day, ch.remaining, su.until_day,
               g.takeover_stream_id
        FROM subject su
        JOIN gaps g ON g.action_id = su.action_id
        CROSS JOIN stream_rules sr
        LEFT JOIN checks ch ON ch.action_id = su.action_id AND ch.stream_id = sr.id
        ORDER BY COALESCE(ch.stage, 0) DESC, sr.silo_order, sr.valid_from, sr.id
        """
    )


def stream_checks(
    action_id: int, start: datetime.date | None = None, end: datetime.date | None = None
) -> list[StreamCheck]:
    """Every stream that could be asked to pay this open action (over ``start`` to ``end`` when given, else
    its whole period), closest first; one query.

    The same funnel as ``evaluate`` (the CTE chain), kept per stream instead of per action: the pay form lists
    the streams that may pay and, for the others, the rule they fail. Planning this chain costs more than
    running it for one action (about 15 ms against 2), so it is a prepared statement, planned once per
    database connection.
    """
    with connection.cursor() as cursor:
        raw = connection.connection
        if raw not in _prepared_on:
            # A statement is the session's, whatever happens to transactions: prepare it once per connection.
            cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [STREAM_CHECKS_STATEMENT])
            if cursor.fetchone() is None:
                sql = (
                    _stream_checks_sql()
                    .replace("%(id)s", "$1")
                    .replace("%(tz)s", "$2")
                    .replace("%(from)s", "$3")
                    .replace("%(until)s", "$4")
                )
                cursor.execute(f"PREPARE {STREAM_CHECKS_STATEMENT}(bigint, text, date, date) AS {sql}")
            _prepared_on.add(raw)
        cursor.execute(
            f"EXECUTE {STREAM_CHECKS_STATEMENT}(%s, %s, %s, %s)", [action_id, settings.TIME_ZONE, start, end]
        )
        return [StreamCheck(*row) for row in cursor.fetchall()]

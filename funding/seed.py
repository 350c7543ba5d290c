"""Demo data for funding, built on the actions already in the database (run after the casework seed).

1. Funding streams for every silo, per municipality and per year that the
   actions span, each with the eligibility rules such a stream has in a Dutch
   municipality (Jeugdwet stops at 17, Wmo begeleiding is for adults, debt
   help is Wgs money that only debt counsellors and the municipality bill,
   area budgets hold for the focus districts …).
2. Budgets sized against the demand the rules let through, some short of it,
   so that budgets run out.
3. Allocations for most approved, running and finished actions, from the
   first stream whose rules fit, in date order while the budget lasts; plus a
   share of lump-sum subsidy that an institution spent outside the areas the
   subsidy was meant for (the report's "spend outside the intended areas").
4. Monthly spend per allocation up to this month.
5. Blockages: never written in. Detection runs over every action, and what
   the rules block becomes a blockage (set-based, the same SQL as one action).
6. A part of those blockages moves through the workflow: escalated, paid from
   the flexible budget, resolved by exemption, or not resolvable.
7. The audit's summary table, built from all of the above.

Everything large is one SQL statement or COPY, so it runs at a million actions.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from common.seeding import SeedContext
from organisations.models import Area, Municipality, OrganisationKind
from themes.models import Theme

from . import eligibility, services, summary
from .models import (
    Allocation,
    Blockage,
    BlockageEvent,
    FundingLogic,
    FundingStream,
    Silo,
    SpendImport,
)


@dataclass(frozen=True)
class StreamSpec:
    prefix: str
    silo: str
    name: str
    funder: str  # {city} is the municipality's name
    logic: str
    iv3: str
    themes: tuple[str, ...]
    kinds: tuple[str, ...]
    min_age: int | None = None
    max_age: int | None = None
    household_level: bool = False
    focus_areas: bool = False  # bound to the programme's focus districts
    national: bool = False  # one stream for every municipality (not municipal money)
    budget_factor: float = 1.0  # budget against the demand its rules let through


MUNICIPAL = "Gemeente {city}"
STREAMS = [
    StreamSpec("JW-AMB", "jeugdwet", "Jeugdhulp ambulant", MUNICIPAL, FundingLogic.PER_CASE, "6.72",
               ("welzijn", "onderwijs"), ("youth_care", "social_work", "ggd_jgz"), 0, 17, budget_factor=0.9),
    StreamSpec("JW-BESCH", "jeugdwet", "Jeugdbescherming en jeugdreclassering", MUNICIPAL, FundingLogic.PER_CASE,
               "6.82", ("veiligheid",), ("youth_care",), 0, 17),
    StreamSpec("WMO-BEG", "wmo", "Wmo-begeleiding", MUNICIPAL, FundingLogic.PER_UNIT, "6.71",
               ("welzijn", "wonen"), ("social_work", "welfare", "health_care"), 18, None, budget_factor=0.8),
    StreamSpec("WMO-ALG", "wmo", "Algemene voorzieningen welzijn (subsidie)", MUNICIPAL, FundingLogic.LUMP_SUM, "6.1",
               ("welzijn", "democratie"), ("welfare", "social_work"), household_level=True, focus_areas=True),
    StreamSpec("PW-REINT", "participatiewet", "Re-integratie en activering", MUNICIPAL, FundingLogic.PER_CASE, "6.5",
               ("werk",), ("municipality", "uwv"), 18, 66),
    StreamSpec("PW-BB", "participatiewet", "Bijzondere bijstand", MUNICIPAL, FundingLogic.PER_CASE, "6.3",
               ("werk", "wonen"), ("municipality",), 18, None, household_level=True),
    StreamSpec("WGS-SHV", "wgs", "Schuldhulpverlening", MUNICIPAL, FundingLogic.PER_CASE, "6.3",
               ("werk",), ("debt_counselling", "social_work", "municipality"), 18, None, household_level=True,
               budget_factor=0.85),
    StreamSpec("WPG-JGZ", "wpg", "JGZ-basispakket", MUNICIPAL, FundingLogic.LUMP_SUM, "7.1",
               ("welzijn", "onderwijs"), ("ggd_jgz",), 0, 17),
    StreamSpec("OCW-OAB", "ocw", "Onderwijsachterstandenbeleid", "Rijk (OCW) via gemeente {city}",
               FundingLogic.LUMP_SUM, "4.3", ("onderwijs",), ("school",), 2, 17),
    StreamSpec("ZVW-HA", "zvw", "Huisartsenzorg en POH-GGZ", "Zorgverzekeraars", FundingLogic.PER_UNIT, "",
               ("welzijn",), ("health_care",), national=True),
    StreamSpec("WLZ-THUIS", "wlz", "Wlz-zorg thuis", "Zorgkantoor", FundingLogic.PER_CASE, "",
               ("welzijn",), ("health_care",), national=True),
    StreamSpec("JENV-ZVH", "jenv", "Zorg- en Veiligheidshuis",
               "Ministerie van Justitie en Veiligheid en gemeente {city}", FundingLogic.LUMP_SUM, "1.2",
               ("veiligheid",), ("police", "municipality", "social_work"), 12, None, household_level=True),
    StreamSpec("WW-LEEF", "woningwet", "Leefbaarheid (woningcorporatie)", "Woningcorporaties in {city}",
               FundingLogic.AREA_BUDGET, "", ("wonen",), ("housing_corporation",), household_level=True,
               focus_areas=True),
    StreamSpec("VHF-HERS", "vhf", "Volkshuisvestingsfonds: herstructurering", "Rijk (BZK) en gemeente {city}",
               FundingLogic.AREA_BUDGET, "8.3", ("wonen", "democratie"),
               ("housing_corporation", "municipality", "welfare"), household_level=True, focus_areas=True),
    StreamSpec("FLEX", "flexibel", "Maatwerk- en doorbraakbudget", MUNICIPAL, FundingLogic.FLEXIBLE, "6.2",
               (), (), household_level=True),
]  # fmt: skip

BASE_BUDGET = Decimal("50000")
FOCUS_DISTRICTS = 2


def seed(ctx: SeedContext) -> None:
    with ctx.step("funding streams"):
        years = _years_with_actions()
        streams = _create_streams(ctx, years)
    with ctx.step("funding budgets"):
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS seed_fit")
            cursor.execute(
                FIT_TABLE_SQL,
                eligibility.sql_params(area_stage=eligibility.STAGE_AREA, first_day_stage=eligibility.STAGE_AGE_LIMIT),
            )
            cursor.execute("CREATE INDEX ON seed_fit (action_id)")
            cursor.execute("ANALYZE seed_fit")
        _size_budgets(ctx, streams)
    with ctx.step("allocations"):
        _allocate()
    with ctx.step("spend"):
        _spend(ctx)
    with ctx.step("blockages detected from the rules"):
        opened = services.blockages_detect_all()
        ctx.stdout.write(f"    {opened} blockages detected")
    with ctx.step("blockage workflow"):
        _workflow(ctx)
    with ctx.step("funding-flow summary"):
        summary.flow_cells_refresh_all()


# --- 1. Streams ----------------------------------------------------------------------------------------


def _years_with_actions() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(d), max(d) FROM (SELECT COALESCE(start_date, created_at::date) AS d FROM cases_action) x"
        )
        first, last = cursor.fetchone()
    this_year = timezone.localdate().year
    if first is None:
        return [this_year]
    return list(range(max(first.year, last.year - 5), max(last.year, this_year) + 1))


def _create_streams(ctx: SeedContext, years: list[int]) -> list[FundingStream]:
    silos = {silo.code: silo for silo in Silo.objects.all()}
    themes = {theme.code: theme for theme in Theme.objects.all()}
    kinds = {kind.code: kind for kind in OrganisationKind.objects.all()}
    municipalities: list[Municipality] = list(Municipality.objects.order_by("code"))
    focus: dict[int, list[Area]] = {}
    for place in municipalities:
        districts = list(Area.objects.districts().filter(municipality=place).order_by("code"))
        focus[place.pk] = ctx.rng.sample(districts, min(FOCUS_DISTRICTS, len(districts)))
    rows: list[tuple[FundingStream, StreamSpec, list[Area]]] = []
    for year in years:
        for spec in STREAMS:
            owners: list[Municipality | None] = [None] if spec.national else list(municipalities)
            for municipality in owners:
                city = municipality.name.removeprefix("Gemeente ") if municipality else ""
                suffix = f"{municipality.code[2:]}-{year}" if municipality else f"{year}"
                stream = FundingStream(
                    code=f"{spec.prefix}-{suffix}",
                    name=f"{spec.name} {year}",
                    silo=silos[spec.silo],
                    funder=spec.funder.format(city=city),
                    municipality=municipality,
                    valid_from=datetime.date(year, 1, 1),
                    valid_until=datetime.date(year, 12, 31),
                    budget=BASE_BUDGET,
                    funding_logic=spec.logic,
                    iv3_taakveld=spec.iv3,
                    min_age=spec.min_age,
                    max_age=spec.max_age,
                    household_level=spec.household_level,
                )
                areas = focus[municipality.pk] if spec.focus_areas and municipality else []
                rows.append((stream, spec, areas))
    FundingStream.objects.bulk_create(stream for stream, _spec, _areas in rows)
    ThemeLink = FundingStream.themes.through
    KindLink = FundingStream.organisation_kinds.through
    AreaLink = FundingStream.areas.through
    ThemeLink.objects.bulk_create(
        ThemeLink(fundingstream_id=stream.pk, theme_id=themes[code].pk)
        for stream, spec, _ in rows
        for code in spec.themes
    )
    KindLink.objects.bulk_create(
        KindLink(fundingstream_id=stream.pk, organisationkind_id=kinds[code].pk)
        for stream, spec, _ in rows
        for code in spec.kinds
    )
    AreaLink.objects.bulk_create(
        AreaLink(fundingstream_id=stream.pk, area_id=area.pk) for stream, _spec, areas in rows for area in areas
    )
    ctx.shared["funding_streams"] = [stream for stream, _spec, _areas in rows]
    ctx.shared["funding_stream_specs"] = {stream.pk: spec for stream, spec, _areas in rows}
    return [stream for stream, _spec, _areas in rows]


# --- 2. Budgets -----------------------------------------------------------------------------------------

# Every (action, stream) pair whose own rules fit on the action's first day (the seed pays those within the
# stream's period, as it always did; the rules for later days are the detection's) or that fails only on the
# area (stage 2, with the organisation kind and silo right), computed once: budgets, allocations and area
# spill-over all read it. ``stage`` is 6 for the first kind.
FIT_TABLE_SQL = (
    "CREATE TEMP TABLE seed_fit AS WITH "  # noqa: S608 — constant fragments; values are parameters
    + eligibility.checks_sql("TRUE", unfunded_only=True, include_finished=True)
    + """
    SELECT rc.action_id, rc.stream_id, LEAST(rc.stage, 6) AS stage, rc.silo_order, rc.planned_cost, su.on_day,
           COALESCE(NULLIF(cardinality(sr.kind_ids), 0), 99) AS specificity,
           (cardinality(sr.kind_ids) = 0 OR su.kind_id = ANY(sr.kind_ids)) AND sr.silo_id = ANY(su.billable_silo_ids)
               AS fits_but_area
    FROM rule_checks rc
    JOIN subject su ON su.action_id = rc.action_id
    JOIN stream_rules sr ON sr.id = rc.stream_id
    WHERE rc.stage = %(area_stage)s OR rc.stage >= %(first_day_stage)s
    """
)

# Each action's first fitting stream (all rules but the budget): the most specific one first (JGZ money for
# the GGD before Jeugdwet money), then by silo.
FIRST_FIT = """
WITH first_fit AS (
    SELECT DISTINCT ON (action_id) action_id, stream_id, planned_cost, on_day
    FROM seed_fit
    WHERE stage = 6
    ORDER BY action_id, specificity, silo_order, stream_id
)
"""


def _size_budgets(ctx: SeedContext, streams: list[FundingStream]) -> None:
    """Budget = the demand the rules let through, times the stream's factor (some fall short), in hundreds."""
    specs: dict[int, StreamSpec] = ctx.shared["funding_stream_specs"]
    ids = [stream.pk for stream in streams]
    # A little spread per stream, from the seeded RNG, so the same seed gives the same budgets.
    factors = [specs[stream.pk].budget_factor * ctx.rng.uniform(0.85, 1.15) for stream in streams]
    with connection.cursor() as cursor:
        cursor.execute(
            FIRST_FIT  # noqa: S608 — constant fragments; values are parameters
            + """,
            demand AS (SELECT stream_id, sum(planned_cost) AS total FROM first_fit GROUP BY stream_id),
            factor AS (SELECT * FROM unnest(%(ids)s::bigint[], %(factors)s::float8[]) AS f(stream_id, factor))
            UPDATE funding_fundingstream s
            SET budget = GREATEST(round((COALESCE(d.total, 0) * f.factor)::numeric, -2), %(base)s)
            FROM factor f LEFT JOIN demand d ON d.stream_id = f.stream_id
            WHERE s.id = f.stream_id
            """,
            {"ids": ids, "factors": factors, "base": BASE_BUDGET},
        )
        # The flexible budget: a few percent of what all the other streams hold.
        cursor.execute(
            """
            UPDATE funding_fundingstream s
            SET budget = GREATEST(round(other.total * 0.03, -2), %(base)s)
            FROM (
                SELECT o.municipality_id, o.valid_from, sum(o.budget) AS total
                FROM funding_fundingstream o JOIN funding_silo si ON si.id = o.silo_id
                WHERE NOT si.silo_free
                GROUP BY o.municipality_id, o.valid_from
            ) other
            WHERE s.silo_id IN (SELECT id FROM funding_silo WHERE silo_free)
              AND other.municipality_id = s.municipality_id AND other.valid_from = s.valid_from
            """,
            {"base": BASE_BUDGET},
        )


# --- 3. Allocations --------------------------------------------------------------------------------------

INSERT_ALLOCATIONS = """
    INSERT INTO funding_allocation (id, uuid, reference, action_id, stream_id, amount, period_start, period_end,
                                    household_id, neighbourhood_id, created_by_id, created_at)
    SELECT n.id, gen_random_uuid(), 'AL-' || lpad(n.id::text, 9, '0'), n.action_id, n.stream_id, n.planned_cost,
           GREATEST(n.on_day, n.valid_from),
           GREATEST(LEAST(COALESCE(n.end_date, n.on_day + 180), n.valid_until), GREATEST(n.on_day, n.valid_from)),
           h.id, h.neighbourhood_id, n.created_by_id, n.created_at
    FROM numbered n
    JOIN cases_action ha ON ha.id = n.action_id
    JOIN cases_case hc ON hc.id = ha.case_id
    JOIN cases_household h ON h.id = hc.household_id
"""

ALLOCATE_SQL = (
    FIRST_FIT  # noqa: S608 — constant fragments
    + """,
    ordered AS (
        SELECT ff.action_id, ff.stream_id, ff.planned_cost, ff.on_day, a.end_date, a.created_by_id, a.created_at,
               s.budget AS remaining, s.valid_from, s.valid_until,
               sum(ff.planned_cost) OVER (PARTITION BY ff.stream_id ORDER BY ff.on_day, ff.action_id) AS running
        FROM first_fit ff
        JOIN cases_action a ON a.id = ff.action_id
        JOIN funding_fundingstream s ON s.id = ff.stream_id
        -- Proposed actions wait for a decision; the rest is paid while the budget lasts.
        WHERE a.status IN ('approved', 'in_progress', 'done') AND ff.planned_cost > 0
    ),
    numbered AS (
        SELECT nextval(pg_get_serial_sequence('funding_allocation', 'id')) AS id, o.*
        FROM ordered o WHERE o.running <= o.remaining
        ORDER BY o.action_id
    )
    """
    + INSERT_ALLOCATIONS
)

# An institution with a lump-sum or area subsidy that helps households outside the areas it was meant for:
# one in three such actions is paid anyway, while the budget lasts. This is where the audit's "spend outside
# the intended areas" comes from.
OUTSIDE_AREAS_SQL = (
    """
    WITH candidate AS (
        SELECT DISTINCT ON (f.action_id) f.action_id, f.stream_id, f.planned_cost, f.on_day
        FROM seed_fit f
        JOIN funding_fundingstream s ON s.id = f.stream_id
        WHERE f.stage = 2 AND f.fits_but_area AND f.planned_cost > 0
          AND s.funding_logic IN ('lump_sum', 'area_budget')
          AND abs(hashtext('outside-' || f.action_id)) %% 3 = 0
          AND NOT EXISTS (SELECT 1 FROM funding_allocation al WHERE al.action_id = f.action_id)
        ORDER BY f.action_id, f.stream_id
    ),
    left_over AS (
        SELECT s.id AS stream_id, s.budget - COALESCE(sum(al.amount), 0) AS remaining
        FROM funding_fundingstream s LEFT JOIN funding_allocation al ON al.stream_id = s.id
        WHERE s.id IN (SELECT stream_id FROM candidate)
        GROUP BY s.id, s.budget
    ),
    ordered AS (
        SELECT c.*, a.end_date, a.created_by_id, a.created_at, s.valid_from, s.valid_until, lo.remaining,
               sum(c.planned_cost) OVER (PARTITION BY c.stream_id ORDER BY c.on_day, c.action_id) AS running
        FROM candidate c
        JOIN cases_action a ON a.id = c.action_id
        JOIN funding_fundingstream s ON s.id = c.stream_id
        JOIN left_over lo ON lo.stream_id = c.stream_id
        WHERE a.status IN ('approved', 'in_progress', 'done')
    ),
    numbered AS (
        SELECT nextval(pg_get_serial_sequence('funding_allocation', 'id')) AS id, o.*
        FROM ordered o WHERE o.running <= o.remaining
        ORDER BY o.action_id
    )
    """  # noqa: S608 — constant fragments
    + INSERT_ALLOCATIONS
)


def _allocate() -> None:
    with connection.cursor() as cursor:
        cursor.execute(ALLOCATE_SQL)
        cursor.execute(OUTSIDE_AREAS_SQL, {})
        cursor.execute("DROP TABLE seed_fit")


# --- 4. Spend --------------------------------------------------------------------------------------------

SPEND_SQL = """
WITH months AS (
    SELECT al.id AS allocation_id, al.amount, al.stream_id, al.neighbourhood_id, m::date AS month,
           count(*) OVER (PARTITION BY al.id) AS n
    FROM funding_allocation al
    CROSS JOIN LATERAL generate_series(
        date_trunc('month', al.period_start),
        LEAST(date_trunc('month', al.period_end), date_trunc('month', %(today)s::date)),
        interval '1 month'
    ) AS m
)
INSERT INTO funding_spend (allocation_id, month, amount, spend_import_id, stream_id, neighbourhood_id)
SELECT allocation_id, month,
       -- Spend follows the allocation, a month a little over or under it (deterministic per row).
       round(amount / n * (0.75 + (abs(hashtext(allocation_id || '-' || month)) %% 40) / 100.0), 2),
       %(import_id)s, stream_id, neighbourhood_id
FROM months
"""


def _spend(ctx: SeedContext) -> None:
    label = f"seed_demo {ctx.scale.name}"
    record = SpendImport.objects.create(
        filename=f"{label}.csv",
        content_hash=hashlib.sha256(label.encode()).hexdigest(),
        content=b"",
        status=SpendImport.Status.IMPORTED,
        progress=100,
        finished_at=timezone.now(),
    )
    with connection.cursor() as cursor:
        cursor.execute(SPEND_SQL, {"today": timezone.localdate(), "import_id": record.pk})
        cursor.execute(
            "UPDATE funding_spendimport SET rows_total = x.n, rows_imported = x.n, amount_imported = x.total "
            "FROM (SELECT count(*) AS n, COALESCE(sum(amount), 0) AS total FROM funding_spend "
            "WHERE spend_import_id = %(id)s) x WHERE id = %(id)s",
            {"id": record.pk},
        )


# --- 6. The workflow of part of the blockages --------------------------------------------------------------

PATHS = [
    # (share, steps): each step is (kind, to_level, actor, resolution)
    (0.45, []),
    (0.15, [("escalated", "team_lead", "opener", "")]),
    (0.12, [("escalated", "team_lead", "opener", ""), ("resolved", "team_lead", "lead", "flexible_budget")]),
    (0.08, [("escalated", "team_lead", "opener", ""), ("escalated", "programme_bureau", "lead", "")]),
    (
        0.06,
        [
            ("escalated", "team_lead", "opener", ""),
            ("escalated", "programme_bureau", "lead", ""),
            ("escalated", "municipality", "bureau", ""),
        ],
    ),
    (
        0.04,
        [
            ("escalated", "team_lead", "opener", ""),
            ("escalated", "programme_bureau", "lead", ""),
            ("escalated", "municipality", "bureau", ""),
            ("escalated", "rijk", "bureau", ""),
        ],
    ),
    (
        0.05,
        [
            ("escalated", "team_lead", "opener", ""),
            ("escalated", "programme_bureau", "lead", ""),
            ("resolved", "programme_bureau", "bureau", "exemption"),
        ],
    ),
    (0.03, [("escalated", "team_lead", "opener", ""), ("resolved", "team_lead", "lead", "other_route")]),
    (
        0.02,
        [
            ("escalated", "team_lead", "opener", ""),
            ("escalated", "programme_bureau", "lead", ""),
            ("escalated", "municipality", "bureau", ""),
            ("escalated", "rijk", "bureau", ""),
            ("not_resolvable", "rijk", "bureau", ""),
        ],
    ),
]
NOTES = {
    "flexible_budget": "Betaald uit het doorbraakbudget.",
    "exemption": "Ontheffing verleend voor dit huishouden.",
    "other_route": "Opgelost via een andere voorziening.",
    "not_resolvable": "De wet laat geen uitzondering toe.",
}


def _actors() -> tuple[dict[int, int], dict[int, int]]:
    """The first team lead per team and the first programme-bureau member per municipality."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT ON (tm.team_id) tm.team_id, tm.user_id
            FROM organisations_teammembership tm JOIN organisations_user u ON u.id = tm.user_id
            WHERE u.role = 'team_lead' AND u.is_active AND tm.end_date IS NULL
            ORDER BY tm.team_id, tm.user_id
            """
        )
        leads = dict(cursor.fetchall())
        cursor.execute(
            """
            SELECT DISTINCT ON (o.municipality_id) o.municipality_id, u.id
            FROM organisations_user u JOIN organisations_organisation o ON o.id = u.organisation_id
            WHERE u.role = 'programme_bureau' AND u.is_active
            ORDER BY o.municipality_id, u.id
            """
        )
        bureaus = dict(cursor.fetchall())
    return leads, bureaus


def _workflow(ctx: SeedContext) -> None:
    """Take part of the detected blockages through the ladder; events and doorbraak allocations go in by COPY."""
    leads, bureaus = _actors()
    now = timezone.now()
    # Per municipality and year: the flexible stream and what is left in it.
    flexible: dict[tuple[int | None, int], list[object]] = {}
    for stream in FundingStream.objects.flexible().with_remaining():
        flexible[(stream.municipality_id, stream.valid_from.year)] = [stream, stream.remaining]  # type: ignore[attr-defined]
    rows = (
        Blockage.objects.filter(source=Blockage.Source.DETECTED, status="open")
        .order_by("action_id", "reason")
        .values_list(
            "pk",
            "action_id",
            "opened_at",
            "opened_by_id",
            "euros_stuck",
            "action__case__team_id",
            "action__case__team__municipality_id",
            "action__start_date",
            "action__case__household_id",
            "neighbourhood_id",
        )
    )
    events: list[tuple[object, ...]] = []
    updates: list[tuple[object, ...]] = []
    allocations: list[tuple[object, ...]] = []
    for (
        pk,
        action_id,
        opened_at,
        opener,
        euros,
        team_id,
        municipality_id,
        start,
        household_id,
        buurt_id,
    ) in rows.iterator(chunk_size=5000):
        steps = _pick_path(ctx)
        actors = {"opener": opener, "lead": leads.get(team_id), "bureau": bureaus.get(municipality_id)}
        at = opened_at
        status, level, resolution, allocation_id, closed_at = "open", "team", "", None, None
        for kind, to_level, actor, how in steps:
            user = actors[actor]
            at = at + datetime.timedelta(days=ctx.rng.randint(2, 40), hours=ctx.rng.randint(0, 8))
            if user is None or at > now:
                break  # nobody in that role here, or not yet: the blockage waits where it is
            if how == "flexible_budget":
                budget = flexible.get((municipality_id, at.year))
                if budget is None or budget[1] < euros or euros <= 0:  # type: ignore[operator]
                    break
                budget[1] -= euros  # type: ignore[operator]
                flexible_stream = budget[0]
                assert isinstance(flexible_stream, FundingStream)
                allocation_id = len(allocations)  # an index for now; a reserved id when written
                day = min(max(start or at.date(), flexible_stream.valid_from), flexible_stream.valid_until)
                end = min(day + datetime.timedelta(days=90), flexible_stream.valid_until)
                allocations.append((action_id, flexible_stream.pk, euros, day, end, household_id, buurt_id, user, at))
            previous = status
            status = "escalated" if kind == "escalated" else kind
            level = to_level
            resolution = how
            note = NOTES.get(how or kind, "")
            events.append((pk, kind, previous, status, level, resolution, note, user, at))
            if kind != "escalated":
                closed_at = at
        if status != "open":
            updates.append((pk, status, level, resolution, allocation_id, closed_at))
    _write_workflow(ctx, events, updates, allocations)


def _pick_path(ctx: SeedContext) -> list[tuple[str, str, str, str]]:
    draw = ctx.rng.random()
    for share, steps in PATHS:
        if draw < share:
            return steps
        draw -= share
    return []


def _write_workflow(
    ctx: SeedContext,
    events: list[tuple[object, ...]],
    updates: list[tuple[object, ...]],
    allocations: list[tuple[object, ...]],
) -> None:
    import uuid

    ids = ctx.reserve_ids(Allocation, len(allocations)) if allocations else range(0)
    ctx.copy_rows(
        Allocation,
        ["id", "uuid", "reference", "action_id", "stream_id", "amount", "period_start", "period_end",
         "household_id", "neighbourhood_id", "created_by_id", "created_at"],
        (
            (pk, uuid.UUID(int=ctx.rng.getrandbits(128), version=4), services.allocation_reference(pk), *row)
            for pk, row in zip(ids, allocations, strict=True)
        ),
    )  # fmt: skip
    ctx.copy_rows(
        BlockageEvent,
        ["blockage_id", "kind", "from_status", "to_status", "level", "resolution", "note", "by_id", "at"],
        events,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE seed_blockage_state (id bigint, status text, level text, resolution text, "
            "allocation_id bigint, closed_at timestamptz) ON COMMIT DROP"
        )
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy("COPY seed_blockage_state FROM STDIN") as copy:
        for pk, status, level, resolution, placeholder, closed_at in updates:
            allocation_id = ids[int(placeholder)] if placeholder is not None else None  # type: ignore[call-overload]
            copy.write_row((pk, status, level, resolution, allocation_id, closed_at))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE funding_blockage b SET status = s.status, level = s.level, resolution = s.resolution, "
            "allocation_id = s.allocation_id, closed_at = s.closed_at "
            "FROM seed_blockage_state s WHERE b.id = s.id"
        )
        cursor.execute("DROP TABLE seed_blockage_state")

"""Summary tables for the programme bureau: no names, no case ids on screen, only counts per buurt and month.

Every table is keyed by buurt (a household lives in one buurt), so counts of
distinct households add up to wijk and municipality. Averages keep their sum
and count; medians come from ``CaseTiming``, a compact per-case fact table
(days only, no personal details) that the dashboard takes percentiles over.
Everything here is rebuilt from the ``cases`` tables by ``monitoring.refresh``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .querysets import PrecisionReviewQuerySet, RollupQuerySet, SummaryQuerySet, SummaryRunQuerySet


# Summary tables are derived: every row is rebuilt from the source tables by a refresh, through joins that
# only find areas, themes and organisations that exist. Their references therefore carry no database
# constraint: a full refresh writes two million rows nationally, and checking each of their five references
# at commit took longer than computing them (56 of 151 s). Deleting a referenced row still removes the
# summary rows through Django's collector (CASCADE), and the next refresh rebuilds them anyway.
def _derived(to: str, *, index: bool = True, null: bool = False) -> Any:
    """A reference from a summary row: no constraint; an index only where a filter or the refresh reads by it."""
    return models.ForeignKey(
        to, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=index, null=null
    )


class SummaryRun(models.Model):
    """One refresh: when it ran, how, and how many rows it wrote (the dashboard's freshness)."""

    class Mode(models.TextChoices):
        FULL = "full", _("full")
        INCREMENTAL = "incremental", _("incremental")

    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Changes written after this moment are picked up by the next incremental run.
    watermark = models.DateTimeField(_("changes seen up to"))
    buurten = models.PositiveIntegerField(_("neighbourhoods recomputed"), default=0)
    rows = models.PositiveIntegerField(_("rows written"), default=0)

    objects = SummaryRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("summary refresh")
        verbose_name_plural = _("summary refreshes")

    def __str__(self) -> str:
        return f"{self.mode} {self.started_at:%Y-%m-%d %H:%M}"


class DirtyCell(models.Model):
    """A (buurt, month) cell whose contact-fed figures a write changed: coordination minutes of that month,
    or the timing of the cases referred in it. Filled by triggers on ``cases_contact`` in the writing
    transaction itself (migration 0013), emptied by the next refresh, which recomputes only these cells.

    Append-only for writers (no unique key: two writers marking the same cell never wait for each other);
    the refresh claims rows with ``FOR UPDATE SKIP LOCKED`` and takes each distinct cell once.
    """

    buurt = models.ForeignKey(
        "organisations.Area", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    month = models.DateField(_("month"))
    # True: the buurt's coordination minutes of the month; False: the timing of the cases referred in it.
    coordination = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("cell to refresh")
        verbose_name_plural = _("cells to refresh")

    def __str__(self) -> str:
        return f"{self.buurt_id} {self.month:%Y-%m}"


class _BuurtMonth(models.Model):
    buurt = _derived("organisations.Area")
    # Denormalised so filters on wijk and municipality need no join.
    wijk = _derived("organisations.Area")
    municipality = _derived("organisations.Municipality")
    month = models.DateField(_("month"))

    objects = SummaryQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.buurt_id} {self.month:%Y-%m}"


class _CaseMeasures(models.Model):
    """Casework figures; household counts are distinct households within the row's area."""

    active_cases = models.PositiveIntegerField(default=0)
    inflow = models.PositiveIntegerField(default=0)
    outflow = models.PositiveIntegerField(default=0)
    active_households = models.PositiveIntegerField(default=0)
    # One coordinator over all the household's open cases and a plan agreed in the six months up to the month's end.
    coordinated_households = models.PositiveIntegerField(default=0)
    # Allocations from two or more of the Wmo, Jeugdwet and Participatiewet silos (the case-month SQL in services.py).
    stapeling_households = models.PositiveIntegerField(default=0)
    # Fragmentation: per active household, distinct organisations, professionals, silos; summed here.
    sum_organisations = models.PositiveIntegerField(default=0)
    sum_professionals = models.PositiveIntegerField(default=0)
    sum_silos = models.PositiveIntegerField(default=0)
    # The cell-key deviation of each count (privacy/suppression.py, docs/suppression.md), from the
    # keys of the households counted. Screens show count + deviation, never the count alone.
    noise_active_cases = models.IntegerField(default=0)
    noise_inflow = models.IntegerField(default=0)
    noise_outflow = models.IntegerField(default=0)
    noise_active_households = models.IntegerField(default=0)
    noise_coordinated_households = models.IntegerField(default=0)
    noise_stapeling_households = models.IntegerField(default=0)

    class Meta:
        abstract = True


class _GoalMeasures(models.Model):
    """Goals of the current plan versions by theme."""

    theme = _derived("themes.Theme", index=False)
    goals = models.PositiveIntegerField(default=0)
    achieved = models.PositiveIntegerField(default=0)
    partly = models.PositiveIntegerField(default=0)
    households = models.PositiveIntegerField(default=0)
    # Cell-key deviation of ``households`` (privacy/suppression.py); screens show the sum of both.
    noise_households = models.IntegerField(default=0)

    class Meta:
        abstract = True


class _InstrumentMeasures(models.Model):
    """First against latest score per instrument domain."""

    domain = _derived("themes.InstrumentDomain", index=False)
    # Persons measured at least twice on this domain, and the distinct households they live in.
    persons = models.PositiveIntegerField(default=0)
    households = models.PositiveIntegerField(default=0)
    noise_households = models.IntegerField(default=0)  # cell-key deviation, as above
    sum_first = models.PositiveIntegerField(default=0)
    sum_latest = models.PositiveIntegerField(default=0)
    improved = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class _CoordinationMeasures(models.Model):
    """Minutes of coordination and case conferences, by the kind of the author's organisation."""

    organisation_kind = _derived("organisations.OrganisationKind", index=False)
    # The named organisation as well: the bureau asks which organisations carry the coordination.
    organisation = _derived("organisations.Organisation", index=False, null=True)
    minutes = models.PositiveIntegerField(default=0)
    contacts = models.PositiveIntegerField(default=0)
    households = models.PositiveIntegerField(default=0)
    noise_households = models.IntegerField(default=0)  # cell-key deviation, as above
    # The minutes' deviation: each household's minutes moved by a share of themselves (privacy.suppression,
    # ``magnitude_noise``), summed; the bureau reads minutes + noise_minutes.
    noise_minutes = models.IntegerField(default=0)

    class Meta:
        abstract = True


class _FundingMeasures(models.Model):
    """Money by silo and theme: allocated (by the month an allocation starts) and spent (by spend month).

    ``*_households`` are distinct households within the row: the base the
    dashboard suppresses the amounts on.
    """

    silo = _derived("funding.Silo", index=False)
    # The theme of the action the money pays for, so the dashboard's theme filter applies.
    theme = _derived("themes.Theme", index=False)
    allocated = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    allocated_households = models.PositiveIntegerField(default=0)
    spent = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    spent_households = models.PositiveIntegerField(default=0)
    # Each household's amounts moved by a share of themselves (privacy.suppression, ``magnitude_noise``), summed:
    # the same records carry the same deviation here and in the funding audit (``FlowCell``).
    noise_allocated = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    noise_spent = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        abstract = True


class CaseMonthSummary(_BuurtMonth, _CaseMeasures):
    """Casework per buurt and month. Household counts are distinct households within the buurt.

    ``inflow_to_date`` and ``outflow_to_date`` are the buurt's flows as published (each month's count plus
    its deviation) summed over its months up to this one: a period's flows in a buurt are the difference of
    two rows, so the neighbourhood table reads two rows a buurt instead of every month of the period.
    ``latest`` marks each buurt's last row: a view without a period reads those, one row a buurt by one index.
    """

    inflow_to_date = models.IntegerField(default=0)
    outflow_to_date = models.IntegerField(default=0)
    latest = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("casework per neighbourhood and month")
        constraints = [models.UniqueConstraint(fields=["buurt", "month"], name="case_month_summary_unique")]
        indexes = [
            models.Index(fields=["municipality", "month"], name="case_month_muni_idx"),
            models.Index(fields=["buurt"], condition=models.Q(latest=True), name="case_month_latest_idx"),
        ]


class GoalMonthSummary(_BuurtMonth, _GoalMeasures):
    """Goals of the current plan versions, by theme and the month the version was made."""

    class Meta:
        verbose_name = _("goals per neighbourhood, month and theme")
        constraints = [
            models.UniqueConstraint(fields=["buurt", "month", "theme"], name="goal_month_summary_unique"),
        ]


class InstrumentMonthSummary(_BuurtMonth, _InstrumentMeasures):
    """First against latest score per instrument domain, by the month of the latest measurement."""

    class Meta:
        verbose_name = _("instrument trend per neighbourhood and month")
        constraints = [
            models.UniqueConstraint(fields=["buurt", "month", "domain"], name="instrument_month_summary_unique"),
        ]


class CoordinationMonthSummary(_BuurtMonth, _CoordinationMeasures):
    """Minutes of coordination and case conferences, by the kind of the author's organisation."""

    class Meta:
        verbose_name = _("coordination minutes per neighbourhood and month")
        constraints = [
            models.UniqueConstraint(
                fields=["buurt", "month", "organisation_kind", "organisation"],
                name="coordination_month_summary_unique",
            ),
        ]


class CaseTiming(_BuurtMonth):
    """Per case: days from referral to first contact and to the first agreed plan (for medians).

    ``month`` is the referral month. ``case_id`` is kept only to replace the
    row when the case changes; no screen shows it.
    """

    case_id = models.BigIntegerField(unique=True)
    days_to_first_contact = models.IntegerField(null=True)
    days_to_plan = models.IntegerField(null=True)

    class Meta:
        verbose_name = _("case timing")


class FundingMonthSummary(_BuurtMonth, _FundingMeasures):
    """Money per buurt, month and silo: allocated (by the month an allocation starts) and spent (by spend month).

    The buurt is the one copied onto the allocation and the spend when they
    were made. ``*_households`` are distinct households within the row: the
    base the dashboard suppresses the amounts on.
    """

    class Meta:
        verbose_name = _("funding per neighbourhood, month and silo")
        constraints = [
            models.UniqueConstraint(fields=["buurt", "month", "silo", "theme"], name="funding_month_summary_unique"),
        ]


class BlockageFact(_BuurtMonth):
    """Per blockage: its silo, dates, state and euros stuck (for counts and medians by silo).

    ``month`` is the month it was opened. ``blockage_id`` is kept only to
    replace the row, ``household_id`` only to count distinct households for
    suppression; no screen shows either. Days open are computed when read
    (from ``opened_on`` to today or ``closed_on``), so the table does not age.
    """

    blockage_id = models.BigIntegerField(unique=True)
    household_id = models.BigIntegerField()
    silo = _derived("funding.Silo", index=False, null=True)
    theme = _derived("themes.Theme", index=False)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True)
    status = models.CharField(max_length=15)
    resolution = models.CharField(max_length=20, blank=True)
    # Zero unless this blockage is the one its action is counted by (the largest open one, as the funding
    # audit counts it: ``funding.summary.BLOCKED_ACTION_SQL``), so euros stuck have one definition.
    euros_stuck = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    noise_euros_stuck = models.DecimalField(max_digits=12, decimal_places=2, default=0)  # as in the audit

    class Meta:
        verbose_name = _("blockage (monitoring facts)")
        verbose_name_plural = _("blockages (monitoring facts)")


class BlockageCell(_BuurtMonth):
    """The blockage panel's base cell: the blockages of a buurt opened in a month, per theme and silo, counted
    and perturbed once by the refresh (``panel.blockage_cells_sql``). Every panel adds these up, so a period or
    an area costs a sum over stored cells, not counting and hashing every blockage in it at each request.

    The counts are stored as published (each with its cell-key deviation), ``stuck`` as the sum of amounts
    already moved per household; ``households_*`` count distinct households within the cell.
    """

    theme = _derived("themes.Theme", index=False)
    silo = _derived("funding.Silo", index=False, null=True)
    open_n = models.IntegerField(default=0)
    open_households = models.IntegerField(default=0)
    stuck = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    closed_households = models.IntegerField(default=0)
    n_flexible_budget = models.IntegerField(default=0)
    households_flexible_budget = models.IntegerField(default=0)
    n_exemption = models.IntegerField(default=0)
    households_exemption = models.IntegerField(default=0)
    n_other_route = models.IntegerField(default=0)
    households_other_route = models.IntegerField(default=0)
    n_not_resolvable = models.IntegerField(default=0)
    households_not_resolvable = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("blockage panel cell")
        verbose_name_plural = _("blockage panel cells")
        constraints = [
            models.UniqueConstraint(
                fields=["buurt", "month", "theme", "silo"], name="blockage_cell_unique", nulls_distinct=False
            ),
        ]


# --- Roll-ups: the dashboard's grain --------------------------------------------------------------
#
# The bureau reads whole municipalities or the whole country: summing hundreds of thousands of
# buurt rows per request is too slow nationally. These tables hold the same sums per municipality
# and month (a few thousand rows), rebuilt from the buurt tables by every refresh for the
# municipalities it touched. Views of a wijk, a buurt or a team lead's buurten read the buurt tables.


class _MunicipalityMonth(models.Model):
    # Every roll-up's unique key starts with the municipality: that index serves its filters.
    municipality = _derived("organisations.Municipality", index=False)
    month = models.DateField(_("month"))

    objects = RollupQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.month:%Y-%m}"


class CaseMonthRollup(_MunicipalityMonth, _CaseMeasures):
    """``CaseMonthSummary`` summed per municipality (the trend; the neighbourhood table reads buurten)."""

    class Meta:
        verbose_name = _("casework per municipality and month")
        constraints = [models.UniqueConstraint(fields=["municipality", "month"], name="case_month_rollup_unique")]


class GoalMonthRollup(_MunicipalityMonth, _GoalMeasures):
    """``GoalMonthSummary`` summed per municipality."""

    class Meta:
        verbose_name = _("goals per municipality, month and theme")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "month", "theme"], name="goal_month_rollup_unique"),
        ]


class InstrumentMonthRollup(_MunicipalityMonth, _InstrumentMeasures):
    """``InstrumentMonthSummary`` summed per municipality."""

    class Meta:
        verbose_name = _("instrument trend per municipality and month")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "month", "domain"], name="instrument_month_rollup_unique"),
        ]


class CoordinationMonthRollup(_MunicipalityMonth, _CoordinationMeasures):
    """``CoordinationMonthSummary`` summed per municipality."""

    class Meta:
        verbose_name = _("coordination minutes per municipality and month")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "month", "organisation_kind", "organisation"],
                name="coordination_month_rollup_unique",
            ),
        ]


class _AllMonths(models.Model):
    """A monthly roll-up summed over every month: the views without a period (the country, a municipality,
    a theme) read a row per municipality and group instead of one per month as well (46 months at the
    national seed). Rebuilt after the monthly roll-up by every refresh (``services.ROLLUPS``)."""

    municipality = _derived("organisations.Municipality", index=False)

    objects = RollupQuerySet.as_manager()

    class Meta:
        abstract = True


class CoordinationRollup(_AllMonths, _CoordinationMeasures):
    """``CoordinationMonthRollup`` over every month: some 1,400 rows nationally instead of 51,600. Contact
    cells move it by the same differences as the monthly roll-up (``services.CELL_ROLLUPS``)."""

    class Meta:
        verbose_name = _("coordination minutes per municipality")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "organisation_kind", "organisation"],
                name="coordination_rollup_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.organisation_kind_id} {self.organisation_id}"


class GoalRollup(_AllMonths, _GoalMeasures):
    """``GoalMonthRollup`` over every month."""

    class Meta:
        verbose_name = _("goals per municipality and theme")
        constraints = [models.UniqueConstraint(fields=["municipality", "theme"], name="goal_rollup_unique")]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.theme_id}"


class InstrumentRollup(_AllMonths, _InstrumentMeasures):
    """``InstrumentMonthRollup`` over every month."""

    class Meta:
        verbose_name = _("instrument trend per municipality")
        constraints = [models.UniqueConstraint(fields=["municipality", "domain"], name="instrument_rollup_unique")]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.domain_id}"


class FundingRollup(_AllMonths, _FundingMeasures):
    """``FundingMonthRollup`` over every month."""

    class Meta:
        verbose_name = _("funding per municipality and silo")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "silo", "theme"], name="funding_rollup_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.silo_id} {self.theme_id}"


class FundingMonthRollup(_MunicipalityMonth, _FundingMeasures):
    """``FundingMonthSummary`` summed per municipality."""

    class Meta:
        verbose_name = _("funding per municipality, month and silo")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "month", "silo", "theme"], name="funding_month_rollup_unique"
            ),
        ]


class TimingHistogram(_MunicipalityMonth):
    """How many cases referred in the month took so many days to a first contact, or to a plan.

    A median is read from the cumulative counts (``RollupQuerySet.medians``): exact, as
    ``percentile_cont(0.5)`` over ``CaseTiming`` would give, from a few thousand rows.
    """

    class Measure(models.TextChoices):
        FIRST_CONTACT = "contact", _("days to first contact")
        PLAN = "plan", _("days to an agreed plan")

    measure = models.CharField(max_length=7, choices=Measure.choices)
    days = models.IntegerField()
    cases = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("waiting-time histogram per municipality and month")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "month", "measure", "days"], name="timing_histogram_unique"
            ),
        ]


class NationalTimingHistogram(models.Model):
    """``TimingHistogram`` summed over all municipalities: the national view's medians read a few
    thousand rows instead of one histogram per municipality."""

    month = models.DateField(_("month"))
    measure = models.CharField(max_length=7, choices=TimingHistogram.Measure.choices)
    days = models.IntegerField()
    cases = models.PositiveIntegerField(default=0)

    objects = RollupQuerySet.as_manager()

    class Meta:
        verbose_name = _("national waiting-time histogram per month")
        constraints = [
            models.UniqueConstraint(fields=["month", "measure", "days"], name="national_timing_histogram_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.measure} {self.days}"


class BlockagePanelRollup(models.Model):
    """The blockage panel over the whole period, per silo, for a municipality or the whole country
    (``municipality`` None), for all themes (``theme`` None) and for each theme. Distinct households do
    not add up over months, so this is kept only for the views without a period; a period reads
    ``BlockageFact``.

    ``opened_median`` is the median opening day of the open blockages, in days since 2000-01-01:
    the median days open is today minus it, so the row does not age. One ``n_``/``households_``
    pair per way a blockage ends (``dashboard.OUTCOMES``): a new resolution needs a pair here.

    The counts and euros are stored as published: sums of perturbed cells (``dashboard.blockage_panel_sql``),
    the same sums a filtered view adds up, so no view gives a different value for the same blockages.
    """

    municipality = _derived("organisations.Municipality", index=False, null=True)
    theme = _derived("themes.Theme", index=False, null=True)
    silo = _derived("funding.Silo", index=False, null=True)
    open_n = models.PositiveIntegerField(default=0)
    open_households = models.PositiveIntegerField(default=0)
    stuck = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    closed_households = models.PositiveIntegerField(default=0)
    opened_median = models.FloatField(null=True)
    days_to_close = models.FloatField(null=True)
    n_flexible_budget = models.PositiveIntegerField(default=0)
    households_flexible_budget = models.PositiveIntegerField(default=0)
    n_exemption = models.PositiveIntegerField(default=0)
    households_exemption = models.PositiveIntegerField(default=0)
    n_other_route = models.PositiveIntegerField(default=0)
    households_other_route = models.PositiveIntegerField(default=0)
    n_not_resolvable = models.PositiveIntegerField(default=0)
    households_not_resolvable = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("blockage panel per municipality")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "theme", "silo"], name="blockage_panel_rollup_unique", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.theme_id} {self.silo_id}"


class PrecisionReview(models.Model):
    """A periodic review of a programme along the seven precision questions of the report."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.CharField(_("programme"), max_length=160)
    municipality = models.ForeignKey(
        "organisations.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name=_("municipality")
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    q1_problem_analysis = models.TextField(_("1. Local problem analysis"), blank=True)
    q2_selection_and_scale = models.TextField(_("2. Selection criteria and scale"), blank=True)
    q3_what_this_scale_can_do = models.TextField(_("3. What can and cannot be tackled at this scale"), blank=True)
    q4_leefbaarheid = models.TextField(_("4. What leefbaarheid means here"), blank=True)
    q5_integration = models.TextField(_("5. Which integration is wanted, and why"), blank=True)
    q6_continuity = models.TextField(_("6. Continuity of means"), blank=True)
    q7_unintended_effects = models.TextField(_("7. Reflection on unintended effects"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    # The key figures as they stood on the review's date, already suppressed; never recomputed.
    snapshot = models.JSONField(_("key figures at the time"), default=dict, editable=False)
    snapshot_taken_at = models.DateTimeField(_("figures taken at"), null=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Raised on every edit: an edit made on an older version is refused, not silently overwritten.
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last edited by"),
    )
    updated_at = models.DateTimeField(_("last edited at"), null=True, blank=True)

    objects = PrecisionReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("precision review")
        verbose_name_plural = _("precision reviews")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="precision_review_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.period_start} - {self.period_end}"

    @classmethod
    def label_of(cls, name: str) -> str:
        """The label of one of the question fields (or ``decisions``), in the active language."""
        field = cls._meta.get_field(name)
        assert isinstance(field, models.Field)
        return str(field.verbose_name)

    QUESTION_FIELDS = (
        "q1_problem_analysis",
        "q2_selection_and_scale",
        "q3_what_this_scale_can_do",
        "q4_leefbaarheid",
        "q5_integration",
        "q6_continuity",
        "q7_unintended_effects",
    )

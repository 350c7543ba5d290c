"""Funding silos, the streams that flow from them, and where they meet a household's actions.

A *silo* (koker) is a legal or budget framework; a *funding stream* is money
from one silo with a funder, a period, a budget and eligibility rules. An
*allocation* pays an action from a stream; *spend* is what finance actually
paid per allocation per month. A *blockage* (knelpunt) is an action that
cannot proceed because of a silo: detected from the rules or registered by
hand, then escalated and resolved through the transition table in
``workflow.py``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.choices import ChoiceLabels
from common.localised import LocalisedName
from privacy.actor import history_user

from .querysets import (
    AllocationQuerySet,
    BlockageEventQuerySet,
    BlockageQuerySet,
    FundingStreamQuerySet,
    SpendImportQuerySet,
    SpendQuerySet,
)
from .validators import IV3_VALIDATOR, STREAM_CODE_VALIDATOR


class Silo(LocalisedName):
    """A legal or budget framework (koker) that money is bound to."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # The municipality's maatwerk-/doorbraakbudget may pay for anything.
    silo_free = models.BooleanField(_("silo-free (flexible budget)"), default=False)
    # Which organisations may bill this silo: funding's side of the relation, read as ``organisation.silos``.
    # The table keeps the name it had as Organisation.silos (migration funding 0013 moved the field only).
    organisations = models.ManyToManyField(
        "organisations.Organisation",
        blank=True,
        related_name="silos",
        db_table="organisations_organisation_silos",
        verbose_name=_("organisations that can bill it"),
    )

    class Meta:
        ordering = ["order"]
        verbose_name = _("funding silo")
        verbose_name_plural = _("funding silos")


class ProductCategory(models.Model):
    """An iWmo or iJw product category of the iStandaarden (reference data, see ``reference.py``)."""

    class Standard(models.TextChoices):
        IWMO = "iwmo", "iWmo"
        IJW = "ijw", "iJw"

    standard = models.CharField(_("standard"), max_length=4, choices=Standard.choices)
    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=120)
    # Where the list comes from, so an auditor can check it against the published one.
    source = models.CharField(_("source"), max_length=200)
    version = models.CharField(_("version"), max_length=60)

    class Meta:
        ordering = ["code"]
        verbose_name = _("iWmo/iJw product category")
        verbose_name_plural = _("iWmo/iJw product categories")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class FundingLogic(models.TextChoices):
    PER_CASE = "per_case", _("per case")
    PER_UNIT = "per_unit", _("per product unit")
    LUMP_SUM = "lump_sum", _("lump-sum subsidy to an institution")
    AREA_BUDGET = "area_budget", _("area budget")
    FLEXIBLE = "flexible", _("flexible")


class FundingStream(models.Model):
    """A financieringsstroom: money from one silo, with the rules that say what it may pay for.

    An empty rule set means "no restriction": no themes = every theme, no
    organisation kinds = every kind, no areas = the whole municipality, no age
    bounds = every age. A stream of a silo-free silo (the flexible budget) is
    never matched automatically: paying from it is a deliberate decision that
    resolves a blockage (doorbraak).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The code finance uses; the spend file may name it.
    code = models.CharField(_("code"), max_length=40, unique=True, validators=[STREAM_CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=160)
    silo = models.ForeignKey(Silo, on_delete=models.PROTECT, related_name="streams", verbose_name=_("silo"))
    funder = models.CharField(_("funder"), max_length=160, help_text=_("e.g. the municipality, a health insurer"))
    # Empty for money that is not bound to one municipality (Zvw through the health insurer).
    municipality = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funding_streams",
        verbose_name=_("municipality"),
    )
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"))
    budget = models.DecimalField(
        _("budget (€)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    funding_logic = models.CharField(_("funding logic"), max_length=12, choices=FundingLogic.choices)
    iv3_taakveld = models.CharField(
        _("Iv3 taakveld"),
        max_length=5,
        blank=True,
        validators=[IV3_VALIDATOR],
        help_text=_(
            "The municipal budget classification, e.g. 6.2 wijkteams; empty for money outside the municipality."
        ),
    )
    # Eligibility rules.
    themes = models.ManyToManyField(
        "themes.Theme", blank=True, related_name="funding_streams", verbose_name=_("themes it may pay for")
    )
    organisation_kinds = models.ManyToManyField(
        "organisations.OrganisationKind",
        blank=True,
        related_name="funding_streams",
        verbose_name=_("organisation kinds that may deliver"),
    )
    min_age = models.PositiveSmallIntegerField(
        _("youngest beneficiary (years)"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("oldest beneficiary (years)"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    household_level = models.BooleanField(
        _("pays for household-level actions"),
        default=False,
        help_text=_("Whether help for the household as a whole qualifies, not only help for one person."),
    )
    areas = models.ManyToManyField(
        "organisations.Area",
        blank=True,
        related_name="funding_streams",
        verbose_name=_("intended areas"),
        help_text=_("Leave empty for the whole municipality."),
    )

    objects = FundingStreamQuerySet.as_manager()

    class Meta:
        ordering = ["silo__order", "code"]
        verbose_name = _("funding stream")
        verbose_name_plural = _("funding streams")
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=F("valid_from")), name="stream_period_valid"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="stream_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(max_age__gte=F("min_age")),
                name="stream_age_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Allocation(models.Model):
    """An action paid from a stream, for an amount and a period."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The reference finance books spend against (AL-000000123); carries no personal data.
    reference = models.CharField(_("allocation reference"), max_length=20, unique=True)
    action = models.ForeignKey(
        "cases.Action", on_delete=models.PROTECT, related_name="allocations", verbose_name=_("action")
    )
    stream = models.ForeignKey(
        FundingStream,
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("funding stream"),
        db_index=False,  # covered by allocation_stream_amount_idx
    )
    amount = models.DecimalField(
        _("amount (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    # Copied from the action's case when the allocation is made, so the audit groups one table: the household
    # the money is for and the buurt it lived in then (a later move does not move past allocations).
    household = models.ForeignKey(
        "cases.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("household"), db_index=False
    )
    neighbourhood = models.ForeignKey(
        "organisations.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("neighbourhood"),
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("allocated by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = AllocationQuerySet.as_manager()

    # The services only create allocations; the admin can change amount and period, so those edits keep who/when.
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        indexes = [
            # Remaining budget is a sum per stream: an index-only scan.
            models.Index(fields=["stream"], include=["amount"], name="allocation_stream_amount_idx"),
            models.Index(fields=["period_start"], name="allocation_period_start_idx"),
            # Stapeling in the monitoring refresh: a household's allocations running in a month.
            models.Index(fields=["household", "period_start"], name="allocation_household_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="allocation_amount_not_negative"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="allocation_period_valid"),
        ]

    def __str__(self) -> str:
        return self.reference


class SpendImport(models.Model):
    """One spend file from finance. A file (by content hash) is imported at most once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        FAILED = "failed", _("rejected: errors in the file")
        IMPORTED = "imported", _("imported")
        DUPLICATE = "duplicate", _("already imported before")

    class Dialect(models.TextChoices):
        AUTO = "auto", _("detect from the first line")
        COMMA = "comma", _("comma-separated, decimal point (1250.00)")
        SEMICOLON = "semicolon", _("semicolon-separated, decimal comma (1.250,00)")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    filename = models.CharField(_("file name"), max_length=255)
    content_hash = models.CharField(_("SHA-256 of the file"), max_length=64)
    # The file itself: no personal data (references and amounts), and the worker needs no shared disk. Stored
    # uncompressed (STORAGE EXTERNAL, migration 0017): compressing a large file cost a second per upload.
    content = models.BinaryField(_("file content"), editable=False)
    # As chosen on upload; "auto" becomes the dialect the first line shows once the import reads it.
    dialect = models.CharField(_("file dialect"), max_length=10, choices=Dialect.choices, default=Dialect.AUTO)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    phase = models.CharField(_("step"), max_length=60, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in the file"), default=0)
    rows_imported = models.PositiveIntegerField(_("rows imported"), default=0)
    amount_imported = models.DecimalField(_("amount imported (€)"), max_digits=16, decimal_places=2, default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # The first errors, per line: [{"line": 3, "column": "amount", "message": "…", "value": "…"}].
    errors = models.JSONField(_("errors per line"), default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
        help_text=_("Empty for an import from the command line."),
    )
    # The municipality whose auditor uploaded it: auditors see their own municipality's files only.
    municipality = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
        help_text=_("Empty for an import from the command line."),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # When this file had been imported before: the import that holds its rows.
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("same file as")
    )

    objects = SpendImportQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("spend import")
        verbose_name_plural = _("spend imports")
        constraints = [
            # A file's rows go in once: a second import of the same content is a no-op.
            models.UniqueConstraint(
                fields=["content_hash"], condition=Q(status="imported"), name="spend_import_once_per_content"
            ),
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.FAILED, self.Status.IMPORTED, self.Status.DUPLICATE}

    # The steps the import records in ``phase`` (``spend_import._set_progress``), as the progress bar names them.
    PHASES = {
        "reading": _("reading the file"),
        "staging": _("staging the rows"),
        "validating": _("checking every row"),
        "inserting": _("adding the spend"),
    }

    def get_phase_display(self) -> str:
        return str(self.PHASES.get(self.phase, self.phase))


class Spend(models.Model):
    """Actual spend per allocation per month, as finance reports it."""

    # Spend is written by one statement only: the import's INSERT … SELECT (and the seed). A million rows must
    # load in well under a minute, so this table carries no per-row foreign-key triggers and few indexes:
    # - the insert locks the allocations it points to (FOR KEY SHARE, what a foreign-key check does row by
    #   row), so none can disappear before it commits; Django's PROTECT guards deletes through the ORM, and a
    #   trigger refuses any delete of an allocation with spend once it holds the row (funding/0019): PROTECT
    #   cannot see spend an import has not yet committed;
    # - stream and buurt are copies of the allocation's, whose own foreign keys hold;
    # - the import row is created before its spend and never deleted.
    # The unique (allocation, month) index serves lookups by allocation.
    allocation = models.ForeignKey(
        Allocation,
        on_delete=models.PROTECT,
        related_name="spend",
        verbose_name=_("allocation"),
        db_index=False,
        db_constraint=False,
    )
    month = models.DateField(_("month"))
    amount = models.DecimalField(_("amount (€)"), max_digits=12, decimal_places=2)
    spend_import = models.ForeignKey(
        SpendImport,
        on_delete=models.PROTECT,
        related_name="spend",
        verbose_name=_("imported with"),
        db_index=False,
        db_constraint=False,
    )
    # Copied from the allocation so the audit groups one table: the stream, and the buurt of the household
    # the money is for.
    stream = models.ForeignKey(
        FundingStream,
        on_delete=models.PROTECT,
        related_name="spend",
        verbose_name=_("funding stream"),
        db_index=False,
        db_constraint=False,
    )
    neighbourhood = models.ForeignKey(
        "organisations.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("neighbourhood"),
        db_index=False,
        db_constraint=False,
    )

    objects = SpendQuerySet.as_manager()

    class Meta:
        ordering = ["allocation", "month"]
        verbose_name = _("spend")
        verbose_name_plural = _("spend")
        constraints = [
            models.UniqueConstraint(fields=["allocation", "month"], name="spend_once_per_allocation_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="spend_month_is_first_day"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="spend_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.allocation_id} {self.month:%Y-%m}"


class BlockageReason(models.TextChoices):
    """Why no stream pays, in the domain's terms; the order is the order the rules are checked."""

    THEME = "theme", _("no funding stream pays for this theme")
    PERIOD = "period", _("no funding stream pays in this period")
    AREA = "area", _("no funding stream pays in this area")
    ORGANISATION_KIND = "organisation_kind", _("no funding stream lets this kind of organisation deliver")
    AGE = "age", _("the beneficiary's age is outside every funding stream")
    HOUSEHOLD_LEVEL = "household_level", _("a household-level need, but only person-level funding")
    SILO_NOT_BILLABLE = "silo_not_billable", _("a fitting stream exists only in a silo the organisation cannot bill")
    AGE_LIMIT = "age_limit", _("the beneficiary crosses the stream's age limit during the action")
    STREAM_ENDS = "stream_ends", _("the funding stream ends before the action")
    BUDGET_EXHAUSTED = "budget_exhausted", _("the budget of every fitting stream is exhausted")
    # Found by the daily re-check of a paid action: the person it pays for no longer lives in the household.
    BENEFICIARY_LEFT = "beneficiary_left", _("the beneficiary has left the household the stream pays for")
    OTHER = "other", _("another rule (registered by hand)")


class BlockageStatus(models.TextChoices):
    OPEN = "open", _("open")
    ESCALATED = "escalated", _("escalated")
    RESOLVED = "resolved", _("resolved")
    NOT_RESOLVABLE = "not_resolvable", _("not resolvable")


class BlockageLevel(models.TextChoices):
    """Where the blockage lies: with the team, then up the escalation ladder."""

    TEAM = "team", _("team")
    TEAM_LEAD = "team_lead", _("team lead")
    PROGRAMME_BUREAU = "programme_bureau", _("programme bureau")
    MUNICIPALITY = "municipality", _("municipality")
    RIJK = "rijk", _("national government (Rijk)")


class BlockageResolution(models.TextChoices):
    FLEXIBLE_BUDGET = "flexible_budget", _("paid from the flexible budget (doorbraak)")
    EXEMPTION = "exemption", _("exemption from the rule")
    OTHER_ROUTE = "other_route", _("another route")


class Blockage(ChoiceLabels, models.Model):
    """A knelpunt: an action that cannot proceed because of a silo."""

    class Source(models.TextChoices):
        DETECTED = "detected", _("detected from the rules")
        REGISTERED = "registered", _("registered by a professional")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    action = models.ForeignKey(
        "cases.Action", on_delete=models.PROTECT, related_name="blockages", verbose_name=_("action")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=BlockageReason.choices)
    # The stream that came closest to paying, and its silo: "blocked by Jeugdwet".
    stream = models.ForeignKey(
        FundingStream,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="blockages",
        verbose_name=_("closest funding stream"),
    )
    silo = models.ForeignKey(
        Silo, on_delete=models.PROTECT, null=True, blank=True, related_name="blockages", verbose_name=_("silo")
    )
    rule = models.TextField(
        _("rule cited"),
        blank=True,
        help_text=_("The rule that blocks, e.g. an article or a subsidy condition. No names or personal details."),
    )
    household_impact = models.TextField(_("what it costs the household"), blank=True)
    euros_stuck = models.DecimalField(
        _("euros stuck"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(Decimal("0"))]
    )
    delay_days = models.PositiveIntegerField(_("days of delay"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=15, choices=BlockageStatus.choices, default=BlockageStatus.OPEN)
    level = models.CharField(_("lies with"), max_length=20, choices=BlockageLevel.choices, default=BlockageLevel.TEAM)
    resolution = models.CharField(_("resolution"), max_length=20, choices=BlockageResolution.choices, blank=True)
    # The flexible-budget allocation that resolved it (doorbraak).
    allocation = models.ForeignKey(
        Allocation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolved_blockages",
        verbose_name=_("paid by allocation"),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Blocked on later days of the action only (an age limit crossed, a stream that ends first): the days no
    # stream pays, and the stream that could take over from the first of them (Wmo after Jeugdwet).
    gap_from = models.DateField(_("uncovered from"), null=True, blank=True)
    gap_until = models.DateField(_("uncovered until"), null=True, blank=True)
    takeover_stream = models.ForeignKey(
        FundingStream,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("stream that could take over"),
    )
    # The household's buurt when the blockage arose, copied for the audit (as on allocations and spend).
    neighbourhood = models.ForeignKey(
        "organisations.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("neighbourhood"),
        db_index=False,
    )

    objects = BlockageQuerySet.as_manager()

    # The workflow's steps are also BlockageEvent rows; this keeps the other fields' changes (the cited rule,
    # euros stuck, the paying allocation), whoever makes them.
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("blockage")
        verbose_name_plural = _("blockages")
        indexes = [
            models.Index(fields=["status", "opened_at"], name="blockage_status_opened_idx"),
        ]
        constraints = [
            # Detection is idempotent: one detected blockage per action and reason, whatever runs it.
            models.UniqueConstraint(
                fields=["action", "reason"], condition=Q(source="detected"), name="blockage_detected_once"
            ),
            models.CheckConstraint(
                condition=Q(status="open", level="team")
                | Q(status="escalated", level__in=["team_lead", "programme_bureau", "municipality", "rijk"])
                | Q(status__in=["resolved", "not_resolvable"]),
                name="blockage_level_matches_status",
            ),
            models.CheckConstraint(
                condition=(Q(status="resolved") & ~Q(resolution="")) | (~Q(status="resolved") & Q(resolution="")),
                name="blockage_resolution_iff_resolved",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["resolved", "not_resolvable"], closed_at__isnull=False)
                | (Q(status__in=["open", "escalated"]) & Q(closed_at__isnull=True)),
                name="blockage_closed_at_iff_closed",
            ),
            models.CheckConstraint(condition=Q(euros_stuck__gte=0), name="blockage_euros_not_negative"),
            # A doorbraak is only recorded together with the allocation that pays it.
            models.CheckConstraint(
                condition=~Q(resolution="flexible_budget") | Q(allocation__isnull=False),
                name="blockage_doorbraak_has_allocation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in {BlockageStatus.OPEN, BlockageStatus.ESCALATED}

    @property
    def days_open(self) -> int:
        end = self.closed_at or timezone.now()
        return max((end - self.opened_at).days, 0)


class BlockageEvent(models.Model):
    """One step of a blockage: opened, escalated, resolved; timestamped and attributed."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("opened")
        ESCALATED = "escalated", _("escalated")
        RESOLVED = "resolved", _("resolved")
        NOT_RESOLVABLE = "not_resolvable", _("marked not resolvable")

    blockage = models.ForeignKey(Blockage, on_delete=models.CASCADE, related_name="events", verbose_name=_("blockage"))
    kind = models.CharField(_("step"), max_length=15, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=15, choices=BlockageStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=15, choices=BlockageStatus.choices)
    level = models.CharField(_("lies with"), max_length=20, choices=BlockageLevel.choices)
    resolution = models.CharField(_("resolution"), max_length=20, choices=BlockageResolution.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    # An escalation note to the programme bureau or beyond, checked for names and BSNs when written: the
    # register's readers see it. Other notes (and those written before the check existed) stay in the team.
    shared_with_register = models.BooleanField(_("note readable in the register"), default=False, db_default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    objects = BlockageEventQuerySet.as_manager()

    class Meta:
        ordering = ["blockage", "at", "id"]
        verbose_name = _("blockage step")
        verbose_name_plural = _("blockage steps")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


class FlowCell(models.Model):
    """The audit's summary: per municipality, silo, buurt and period, refreshed in the background.

    Built from allocations, spend and blockages by ``summary.flow_cells_refresh`` (after a spend import, after
    the seed, and on a schedule), so the report reads a few thousand rows instead of every allocation and
    every month of spend. Rows for a wijk are sums of its buurten: a household counts in one buurt.
    A null silo holds the blockages for which no stream pays the theme at all.
    """

    class Granularity(models.TextChoices):
        MONTH = "month", _("month")
        QUARTER = "quarter", _("quarter")
        YEAR = "year", _("year")

    municipality = models.ForeignKey(
        "organisations.Municipality", on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    granularity = models.CharField(_("period"), max_length=7, choices=Granularity.choices)
    period = models.DateField(_("period starts"))
    silo = models.ForeignKey(
        Silo, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("silo")
    )
    neighbourhood = models.ForeignKey(
        "organisations.Area",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("neighbourhood"),
        db_index=False,
    )
    allocated = models.DecimalField(_("allocated (€)"), max_digits=14, decimal_places=2, default=0)
    spent = models.DecimalField(_("spent (€)"), max_digits=14, decimal_places=2, default=0)
    spent_outside = models.DecimalField(
        _("spent outside the intended areas (€)"), max_digits=14, decimal_places=2, default=0
    )
    households = models.PositiveIntegerField(_("households reached"), default=0)
    blocked = models.PositiveIntegerField(_("blocked actions"), default=0)
    euros_stuck = models.DecimalField(_("euros stuck"), max_digits=14, decimal_places=2, default=0)
    # The cell-key deviations of the two counts (privacy/suppression.py, docs/suppression.md): the bureau
    # reads count + deviation; the auditor, whose counts are labelled exact, the count.
    noise_households = models.IntegerField(default=0)
    noise_blocked = models.IntegerField(default=0)
    # The amounts' deviations: each household's amounts moved by a share of themselves (``magnitude_noise``),
    # summed; the same records carry the same deviation on the dashboard and per Iv3 taakveld.
    noise_allocated = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    noise_spent = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    noise_spent_outside = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    noise_euros_stuck = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("funding-flow cell")
        verbose_name_plural = _("funding-flow cells")
        indexes = [models.Index(fields=["municipality", "granularity", "period"], name="flowcell_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.granularity} {self.period} {self.silo_id} {self.neighbourhood_id}"


class FlowTaakveldCell(models.Model):
    """The audit's summary per Iv3 taakveld: per municipality, taakveld and period, refreshed with ``FlowCell``.

    Households are counted per taakveld here (not summed from the silo cells), so a household paid from two
    streams of one taakveld counts once. An empty taakveld holds the streams without one (Zvw, Wlz).
    """

    municipality = models.ForeignKey(
        "organisations.Municipality", on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    granularity = models.CharField(_("period"), max_length=7, choices=FlowCell.Granularity.choices)
    period = models.DateField(_("period starts"))
    iv3_taakveld = models.CharField(_("Iv3 taakveld"), max_length=5, blank=True)
    allocated = models.DecimalField(_("allocated (€)"), max_digits=14, decimal_places=2, default=0)
    spent = models.DecimalField(_("spent (€)"), max_digits=14, decimal_places=2, default=0)
    households = models.PositiveIntegerField(_("households reached"), default=0)
    # As in FlowCell: the count's cell-key deviation (a taakveld and period is its own cell: no view is finer)
    # and the amounts' per-household deviations.
    noise_households = models.IntegerField(default=0)
    noise_allocated = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    noise_spent = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("funding-flow cell per Iv3 taakveld")
        verbose_name_plural = _("funding-flow cells per Iv3 taakveld")
        indexes = [models.Index(fields=["municipality", "granularity", "period"], name="flowtaakveld_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.granularity} {self.period} {self.iv3_taakveld}"

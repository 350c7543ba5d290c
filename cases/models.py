"""Households, persons and cases: the household is the starting point of all casework."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.functions import RandomUUID
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.choices import ChoiceLabels
from funding.validators import validate_product_category
from privacy.actor import history_user

from .querysets import (
    ActionQuerySet,
    CaseQuerySet,
    CaseScopedQuerySet,
    CaseTransferQuerySet,
    ContactQuerySet,
    DocumentQuerySet,
    GoalQuerySet,
    HouseholdMembershipQuerySet,
    HouseholdQuerySet,
    InvolvementQuerySet,
    KeyFigureQuerySet,
    MeasurementScoreQuerySet,
    MeldcodeStepQuerySet,
    NetworkPersonQuerySet,
    PersonQuerySet,
    PlanVersionQuerySet,
    ReminderQuerySet,
)
from .search import NameKey, NamePrefixes
from .validators import validate_bsn

POSTCODE_VALIDATOR = RegexValidator(r"^[1-9][0-9]{3}[A-Z]{2}$", _("Enter a Dutch postcode such as 1234AB."))


class Household(ChoiceLabels, models.Model):
    """A huishouden at one address, in one buurt; its members change over time."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    street = models.CharField(_("street"), max_length=120)
    house_number = models.PositiveIntegerField(_("house number"))
    house_number_suffix = models.CharField(_("addition"), max_length=10, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, validators=[POSTCODE_VALIDATOR])
    city = models.CharField(_("city"), max_length=80)
    neighbourhood = models.ForeignKey(
        "organisations.Area",
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"kind": "buurt"},
        verbose_name=_("neighbourhood"),
    )
    # The tenant: the municipality of the buurt, copied so that a distributed database can keep a
    # municipality's rows together (docs/scaling.md). Filled on save from the neighbourhood.
    municipality = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("municipality"),
        db_index=False,
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = HouseholdQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [
            models.Index(fields=["postcode", "house_number"], name="household_address_idx"),
            # A postcode start (LIKE '1115%') for the search, with the id to meet the visible households.
            models.Index(
                fields=["postcode"],
                opclasses=["varchar_pattern_ops"],
                include=["id"],
                name="household_postcode_like_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.street} {self.house_number}{self.house_number_suffix}, {self.postcode} {self.city}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.municipality_id is None and self.neighbourhood_id is not None:
            self.municipality_id = self.neighbourhood.municipality_id
        super().save(*args, **kwargs)

    @property
    def address(self) -> str:
        return str(self)


class Person(ChoiceLabels, models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first_name = models.CharField(_("first name"), max_length=80)
    surname_prefix = models.CharField(_("surname prefix"), max_length=20, blank=True, help_text=_("e.g. van, de"))
    last_name = models.CharField(_("surname"), max_length=120)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    # Optional; findable only by exact match, never shown in full. Not unique: a BSN typed by someone who may
    # not see the person it belongs to makes a new person (docs/bsn-rule.md); the duplicate review merges them.
    # NULL (not "") stays "no BSN", as the seed, retention and the rows already stored have it.
    bsn = models.CharField(  # noqa: DJ001
        _("BSN"), max_length=9, null=True, blank=True, db_index=True, validators=[validate_bsn]
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The whole name, lower case and without accents (cases/search.py), stored by PostgreSQL and
    # trigram-indexed: a search compares text and never calls the function per row, so it can start
    # from the caller's own households (issue 16: under 100 ms at the municipality seed).
    name_key = models.GeneratedField(
        expression=NameKey("first_name", "surname_prefix", "last_name"),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name=_("name key"),
    )

    objects = PersonQuerySet.as_manager()

    # The name key follows the name: the history keeps the name itself.
    history = HistoricalRecords(get_user=history_user, excluded_fields=["name_key"])

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(Lower("last_name"), name="person_last_name_lower_idx"),
            # The duplicate review pairs persons born on the same day (cases/duplicates.py).
            models.Index(fields=["date_of_birth"], name="person_date_of_birth_idx"),
            GinIndex(OpClass("name_key", name="gin_trgm_ops"), name="person_name_key_gin"),
            # The household search: every typed word starts a word of the name (cases/search.py).
            GinIndex(NamePrefixes("name_key"), name="person_name_prefixes_gin"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.surname_prefix, self.last_name) if part)

    @property
    def masked_bsn(self) -> str:
        return f"*****{self.bsn[-4:]}" if self.bsn else ""


class HouseholdMembership(ChoiceLabels, models.Model):
    """A person's membership of a household over a period (co-parenting: two at once)."""

    class Role(models.TextChoices):
        PARENT = "parent", _("parent or carer")
        PARTNER = "partner", _("partner")
        CHILD = "child", _("child")
        OTHER_ADULT = "other_adult", _("other adult")
        OTHER = "other", _("other")

    # Served by membership_household_idx (household, person), not an index of its own.
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("household"), db_index=False
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person"))
    role = models.CharField(_("role in household"), max_length=20, choices=Role.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)

    objects = HouseholdMembershipQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("household membership")
        verbose_name_plural = _("household memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="household_membership_period_valid",
            ),
            models.UniqueConstraint(
                fields=["household", "person"],
                condition=Q(end_date__isnull=True),
                name="household_membership_one_open_per_person",
            ),
        ]
        # The members of a set of households from the index alone (the search's visible households).
        indexes = [models.Index(fields=["household", "person"], name="membership_household_idx")]

    def __str__(self) -> str:
        return f"{self.person} — {self.household}"


class CaseStatus(models.TextChoices):
    REFERRAL = "aanmelding", _("referral")
    INTAKE = "intake", _("intake")
    PLAN = "plan", _("plan")
    EXECUTION = "uitvoering", _("in progress")
    AFTERCARE = "nazorg", _("aftercare")
    CLOSED = "afgesloten", _("closed")


class Case(ChoiceLabels, models.Model):
    """A casus: help for one household, owned by one team, with one coordinator while open."""

    class ReferralSource(models.TextChoices):
        SELF = "self", _("the household itself")
        NETWORK = "network", _("family, friends or neighbours")
        GP = "gp", _("general practitioner")
        SCHOOL = "school", _("school or childcare")
        JGZ = "jgz", _("youth health care (JGZ)")
        POLICE = "police", _("police")
        HOUSING = "housing", _("housing corporation")
        VEILIG_THUIS = "veilig_thuis", _("Veilig Thuis")
        MUNICIPALITY = "municipality", _("municipality")
        OTHER = "other", _("other")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The pseudonymous reference that the programme bureau and auditors see instead of names.
    reference = models.CharField(_("case reference"), max_length=20, unique=True)
    # Served by case_household_idx and case_team_id_idx (Meta.indexes), not by a second index of their own.
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="cases", verbose_name=_("household"), db_index=False
    )
    team = models.ForeignKey(
        "organisations.Team", on_delete=models.PROTECT, related_name="cases", verbose_name=_("team"), db_index=False
    )
    # The tenant: the municipality of the team (docs/scaling.md). Filled on save from the team.
    municipality = models.ForeignKey(
        "organisations.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("municipality"),
        db_index=False,
        editable=False,
    )
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.REFERRAL)
    referral_source = models.CharField(_("referred by"), max_length=20, choices=ReferralSource.choices)
    referral_reason = models.TextField(_("reason for referral"))
    referred_on = models.DateField(_("referral date"), default=timezone.localdate)
    # The ground the referral gives (a LegalBasis value): the coordinator's involvement starts on it when the
    # team lead accepts the referral from the team's inbox, unless the lead states another.
    # Empty by default in the database too: bulk loads (the seed's COPY) leave the column out.
    referral_legal_basis = models.CharField(
        _("legal basis stated at referral"), max_length=20, blank=True, default="", db_default=""
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # Set when retention or an erasure request removed the case's identifying content.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = CaseQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["team", "status"], name="case_team_status_idx"),
            # The team's way into its cases (privacy.policy.visible_case_ids), in the lists' order.
            models.Index(fields=["team", "id"], include=["household"], name="case_team_id_idx"),
            models.Index(fields=["household"], name="case_household_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="afgesloten", closed_on__isnull=False)
                | (~Q(status="afgesloten") & Q(closed_on__isnull=True)),
                name="case_closed_on_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.municipality_id is None and self.team_id is not None:
            self.municipality_id = self.team.municipality_id
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status != CaseStatus.CLOSED


class CaseStatusChange(ChoiceLabels, models.Model):
    """Every status step of a case: who, when, from, to, why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("case"))
    from_status = models.CharField(_("from"), max_length=12, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=CaseStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    objects = CaseScopedQuerySet.as_manager()

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.case}: {self.from_status} → {self.to_status}"


class LegalBasis(models.TextChoices):
    """The ground on which a professional processes a household's data (AVG art. 6/9)."""

    CONSENT = "consent", _("consent")
    JEUGDWET = "jeugdwet", _("legal task: Jeugdwet")
    WMO = "wmo", _("legal task: Wmo 2015")
    PARTICIPATIEWET = "participatiewet", _("legal task: Participatiewet")
    WGS = "wgs", _("legal task: Wet gemeentelijke schuldhulpverlening")
    WPG = "wpg", _("legal task: Wet publieke gezondheid")
    POLICE = "police", _("legal task: Politiewet")
    EDUCATION = "education", _("legal task: education acts")
    HOUSING = "housing", _("legal task: Woningwet")
    OTHER = "other", _("other legal task")


class Involvement(ChoiceLabels, models.Model):
    """A betrokkenheid: a professional working on a case for a period, on a stated legal basis."""

    class Role(models.TextChoices):
        PRACTITIONER = "practitioner", _("practitioner")
        SPECIALIST = "specialist", _("specialist")
        ADVISER = "adviser", _("adviser")
        SIGNALLER = "signaller", _("signaller")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Served by the (case, id) index below: a single-column index on case would be its redundant prefix.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="involvements", verbose_name=_("case"), db_index=False
    )
    # Served by involvement_professional_idx (professional, case): "my cases" starts there.
    professional = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="involvements",
        verbose_name=_("professional"),
        db_index=False,
    )
    # The professional's organisation when the involvement began; kept if they move on.
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="involvements",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PRACTITIONER)
    is_coordinator = models.BooleanField(_("coordinator"), default=False)
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    start_date = models.DateField(_("from"), default=timezone.localdate)
    end_date = models.DateField(_("until"), null=True, blank=True)

    objects = InvolvementQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("involvement")
        verbose_name_plural = _("involvements")
        indexes = [
            # With the period, so "running now" is decided from the index alone: a professional's rows lie
            # scattered over the table, and reading each from the heap was most of the caseload's query.
            models.Index(
                fields=["professional", "case"], include=["start_date", "end_date"], name="involvement_professional_idx"
            ),
            # From the visible cases to their rows, in the API list's order (privacy.policy.case_condition).
            models.Index(fields=["case", "id"], name="involvement_case_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="involvement_period_valid",
            ),
            # At most one active coordinator per case. "At least one while the case is
            # open" is a deferred constraint trigger (migration 0002), so a change of
            # coordinator can pass through zero inside its transaction.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(is_coordinator=True, end_date__isnull=True),
                name="involvement_one_active_coordinator",
            ),
            models.CheckConstraint(
                condition=Q(is_coordinator=False) | Q(end_date__isnull=True),
                name="involvement_coordinator_is_active",
            ),
            # One open involvement per professional per case: parallel requests to add the same
            # professional raced past the service's check and made several (issue #12).
            models.UniqueConstraint(
                fields=["case", "professional"],
                condition=Q(end_date__isnull=True),
                name="involvement_one_open_per_professional",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.professional} — {self.case}"


class Plan(ChoiceLabels, models.Model):
    """The one household plan of a case. Its content lives in versions; ``version`` is the edit lock."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="plan", verbose_name=_("case"))
    version = models.PositiveIntegerField(_("current version"), default=0)

    objects = CaseScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("household plan")
        verbose_name_plural = _("household plans")

    def __str__(self) -> str:
        return f"{self.case} v{self.version}"


class PlanVersion(ChoiceLabels, models.Model):
    class Author(models.TextChoices):
        # Under the Jeugdwet a family may draft its own plan (familiegroepsplan) first.
        HOUSEHOLD = "household", _("the household's own plan (family group plan)")
        TEAM = "team", _("the team's plan with the household")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions", verbose_name=_("plan"))
    number = models.PositiveIntegerField(_("version"))
    author = models.CharField(_("whose plan"), max_length=10, choices=Author.choices)
    summary = models.TextField(_("summary"), blank=True)
    agreed_on = models.DateField(_("agreed with the household on"), null=True, blank=True)
    evaluate_on = models.DateField(_("evaluate on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = PlanVersionQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "-number"]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.plan.case} v{self.number}"


class Goal(ChoiceLabels, models.Model):
    """A goal of one plan version, per theme, in the household's own words."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACHIEVED = "achieved", _("achieved")
        PARTLY = "partly", _("partly achieved")
        NOT_ACHIEVED = "not_achieved", _("not achieved")

    # A database default too, so bulk loads that leave the column out still get one.
    uuid = models.UUIDField(default=uuid.uuid4, db_default=RandomUUID(), unique=True, editable=False)
    plan_version = models.ForeignKey(
        PlanVersion, on_delete=models.CASCADE, related_name="goals", verbose_name=_("plan version")
    )
    theme = models.ForeignKey("themes.Theme", on_delete=models.PROTECT, related_name="+", verbose_name=_("theme"))
    text = models.TextField(_("goal"))
    # The report asks to keep the household's own words as such.
    in_own_words = models.BooleanField(_("in the household's own words"), default=True)
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.OPEN)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = GoalQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["plan_version", "order", "id"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        return self.text[:60]


class CaseConference(ChoiceLabels, models.Model):
    """A casusoverleg / MDO: who took part and what was decided."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="conferences", verbose_name=_("case"))
    held_on = models.DateField(_("held on"))
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="case_conferences", verbose_name=_("participants")
    )
    other_participants = models.CharField(
        _("other participants"), max_length=300, blank=True, help_text=_("e.g. the parents, a neighbour")
    )
    household_present = models.BooleanField(_("household took part"), default=True)
    decisions = models.TextField(_("decisions"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = CaseScopedQuerySet.as_manager()

    # Who took part is case data too: adding or removing a participant is a history entry.
    history = HistoricalRecords(get_user=history_user, m2m_fields=[participants])

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("case conference")
        verbose_name_plural = _("case conferences")

    def __str__(self) -> str:
        return f"{self.case} {self.held_on}"


class Action(ChoiceLabels, models.Model):
    """An actie / interventie / voorziening: what is done, by whom, for whom, at what cost."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        APPROVED = "approved", _("approved")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Served by the (case, id) index below: a single-column index on case would be its redundant prefix.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="actions", verbose_name=_("case"), db_index=False
    )
    theme = models.ForeignKey("themes.Theme", on_delete=models.PROTECT, related_name="+", verbose_name=_("theme"))
    description = models.CharField(_("what is done"), max_length=300)
    delivering_organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="actions",
        verbose_name=_("delivered by"),
    )
    # Empty means the whole household benefits.
    beneficiary = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("for whom"),
    )
    planned_cost = models.DecimalField(
        _("planned cost (€)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED)
    # Raised by every change: a form or API call based on an older version is refused (edit lock),
    # as with the plan. A database default, so bulk loads (COPY) need not name it.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)
    # Set by a correction (``services.action_correct``): the list shows "gecorrigeerd", the history the old values.
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    correction_reason = models.CharField(
        _("reason for the correction"), max_length=300, blank=True, default="", db_default=""
    )
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    # Checked against the iStandaarden reference list loaded by funding/reference.py.
    product_code = models.CharField(
        _("iWmo/iJw product category"), max_length=10, blank=True, validators=[validate_product_category]
    )
    conference = models.ForeignKey(
        CaseConference,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("agreed in case conference"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ActionQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["case", "theme__order", "id"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        # From the visible cases to their rows, in the API list's order (privacy.policy.case_condition).
        indexes = [models.Index(fields=["case", "id"], name="action_case_id_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(planned_cost__gte=0), name="action_planned_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="action_period_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class Contact(ChoiceLabels, models.Model):
    """A contactmoment: what happened, on which themes, how long it took."""

    class Kind(models.TextChoices):
        HOME_VISIT = "home_visit", _("home visit")
        PHONE = "phone", _("phone call")
        OFFICE = "office", _("meeting at the office")
        DIGITAL = "digital", _("video call or message")
        CASE_CONFERENCE = "case_conference", _("case conference")
        COORDINATION = "coordination", _("coordination with partners")
        OUTREACH = "outreach", _("outreach")

    class Confidentiality(models.TextChoices):
        ALL_INVOLVED = "all", _("all involved professionals")
        OWN_ORGANISATION = "own_org", _("own organisation only")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Served by the (case, id) index below: a single-column index on case would be its redundant prefix.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("case"), db_index=False
    )
    occurred_on = models.DateField(_("date"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    # Theme codes (the six are fixed); an array keeps 2.5 million contacts one table.
    themes = ArrayField(models.SlugField(max_length=30), verbose_name=_("themes"), default=list)
    minutes = models.PositiveIntegerField(_("minutes spent"), validators=[MinValueValidator(1)])
    note = models.TextField(_("note"), blank=True)
    confidentiality = models.CharField(
        _("visible to"), max_length=10, choices=Confidentiality.choices, default=Confidentiality.ALL_INVOLVED
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("logged by")
    )
    author_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The edit lock of a correction (``services.contact_correct``); the old note stays in the write history.
    # A database default, so bulk loads (COPY) need not name it.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1)
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    correction_reason = models.CharField(
        _("reason for the correction"), max_length=300, blank=True, default="", db_default=""
    )

    objects = ContactQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["case", "-occurred_on", "-id"], name="contact_case_timeline_idx"),
            # From the visible cases to their rows, in the API list's order (privacy.policy.case_condition), with
            # what the confidentiality rule reads: a page's keys are found in the index alone, without reading
            # each of a team's tens of thousands of contacts from the table (common/api/pagination.KeysFirst).
            models.Index(
                fields=["case", "id"],
                include=["confidentiality", "author_organisation"],
                name="contact_case_id_conf_idx",
            ),
            GinIndex(fields=["themes"], name="contact_themes_gin"),
        ]
        constraints = [models.CheckConstraint(condition=Q(minutes__gte=1), name="contact_minutes_positive")]

    def __str__(self) -> str:
        return f"{self.case} {self.occurred_on} {self.kind}"


class Measurement(ChoiceLabels, models.Model):
    """One measurement with an instrument (ZRM): only the domains that matter, each with a reason."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="measurements", verbose_name=_("case"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="measurements", verbose_name=_("person"))
    instrument = models.ForeignKey(
        "themes.Instrument", on_delete=models.PROTECT, related_name="+", verbose_name=_("instrument")
    )
    measured_on = models.DateField(_("date"))
    measured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("measured by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = CaseScopedQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["case", "measured_on", "id"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.measured_on}"


class MeasurementScore(ChoiceLabels, models.Model):
    measurement = models.ForeignKey(
        Measurement, on_delete=models.CASCADE, related_name="scores", verbose_name=_("measurement")
    )
    domain = models.ForeignKey(
        "themes.InstrumentDomain", on_delete=models.PROTECT, related_name="+", verbose_name=_("domain")
    )
    score = models.PositiveSmallIntegerField(_("score"))
    # The Dutch DPA found teams scoring every domain by default: each score needs a reason.
    reason = models.CharField(_("why this domain was scored"), max_length=300)

    objects = MeasurementScoreQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["measurement", "domain__order"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["measurement", "domain"], name="measurement_score_domain_unique"),
            models.CheckConstraint(condition=~Q(reason=""), name="measurement_score_reason_required"),
        ]

    def __str__(self) -> str:
        return f"{self.domain_id}: {self.score}"


class Consent(ChoiceLabels, models.Model):
    """Consent of one person for one purpose, to named organisations; recorded, never an access switch."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents", verbose_name=_("person"))
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents", verbose_name=_("case"))
    purpose = models.CharField(_("purpose"), max_length=300)
    organisations = models.ManyToManyField(
        "organisations.Organisation", related_name="consents", verbose_name=_("shared with")
    )
    given_on = models.DateField(_("given on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    objects = CaseScopedQuerySet.as_manager()

    # Which organisations a consent covers is what the consent is: each change is a history entry.
    history = HistoricalRecords(get_user=history_user, m2m_fields=[organisations])

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("given_on")),
                name="consent_expiry_after_given",
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=models.F("given_on")),
                name="consent_revoked_after_given",
            ),
        ]

    def __str__(self) -> str:
        return self.purpose

    def is_valid_on(self, day: datetime.date) -> bool:
        return (
            self.given_on <= day
            and (self.revoked_on is None or self.revoked_on > day)
            and (self.expires_on is None or self.expires_on >= day)
        )


class KeyFigure(ChoiceLabels, models.Model):
    """A sleutelfiguur: a person or place in a buurt the team works with (never a client).

    Name, role and how to reach them; nothing about residents. Ending one keeps the row
    (the team may want to know later who it worked with): ``ended_on`` is the first day
    it no longer counts, and the retention rule ``key_figure`` leaves removal to the team.
    """

    uuid = models.UUIDField(default=uuid.uuid4, db_default=RandomUUID(), unique=True, editable=False)
    area = models.ForeignKey(
        "organisations.Area", on_delete=models.CASCADE, related_name="key_figures", verbose_name=_("neighbourhood")
    )
    team = models.ForeignKey(
        "organisations.Team", on_delete=models.CASCADE, related_name="key_figures", verbose_name=_("team")
    )
    name = models.CharField(_("name"), max_length=160)
    description = models.CharField(_("who or what"), max_length=300, help_text=_("e.g. imam, sports club, GP"))
    contact_details = models.CharField(_("how to reach"), max_length=200, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    objects = KeyFigureQuerySet.as_manager()

    class Meta:
        ordering = ["area", "name"]
        verbose_name = _("key figure")
        verbose_name_plural = _("key figures")
        indexes = [models.Index(fields=["team", "area"], name="keyfigure_team_area_idx")]

    def __str__(self) -> str:
        return self.name

    def is_active(self, on: datetime.date | None = None) -> bool:
        """The rule of ``KeyFigureQuerySet.active``, on a loaded row."""
        return self.ended_on is None or self.ended_on > (on or timezone.localdate())


class Document(ChoiceLabels, models.Model):
    """A file on a case, or on a contact, the plan or a conference of that case: a report, a letter, a signed plan.

    The bytes live in ``DocumentContent``, a table of their own, so no list ever loads them, and no URL
    reaches them but the download screen, which asks the policy and logs every download. The type is the
    one its content showed (``cases.documents.inspect``), never the sender's word. Confidentiality works
    as on a contact note: "own organisation only" keeps it inside the uploader's organisation.
    """

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        PNG = "png", "PNG"
        JPEG = "jpeg", "JPEG"
        DOCX = "docx", "Word (DOCX)"
        ODT = "odt", "OpenDocument (ODT)"
        TXT = "txt", _("text")

    Confidentiality = Contact.Confidentiality

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents", verbose_name=_("case"))
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="documents", verbose_name=_("contact")
    )
    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, null=True, blank=True, related_name="documents", verbose_name=_("plan")
    )
    conference = models.ForeignKey(
        CaseConference,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("case conference"),
    )
    name = models.CharField(_("file name"), max_length=120)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    confidentiality = models.CharField(
        _("visible to"), max_length=10, choices=Confidentiality.choices, default=Confidentiality.ALL_INVOLVED
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="documents", verbose_name=_("added by")
    )
    author_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["case", "-created_at", "-id"], name="document_case_idx")]
        constraints = [
            # On the case itself, or on one contact, the plan or one conference of it: never two at once.
            models.CheckConstraint(
                condition=(
                    Q(contact__isnull=True, plan__isnull=True)
                    | Q(contact__isnull=True, conference__isnull=True)
                    | Q(plan__isnull=True, conference__isnull=True)
                ),
                name="document_on_one_record",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="document_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class DocumentContent(ChoiceLabels, models.Model):
    """The bytes of one document, apart from its description: read only by the download, in chunks."""

    document = models.OneToOneField(Document, on_delete=models.CASCADE, primary_key=True, related_name="content")
    data = models.BinaryField()

    class Meta:
        verbose_name = _("document content")
        verbose_name_plural = _("document contents")

    def __str__(self) -> str:
        return f"content of document {self.document_id}"


class Reminder(ChoiceLabels, models.Model):
    """A signal on an open case that asks for attention: kept up to date by the daily reminders task.

    One open reminder per case, kind and consent (a partial unique index); the
    task resolves it when the cause is gone (a contact is logged, the plan gets
    a new version, the consent is renewed or the case closes).
    """

    class Kind(models.TextChoices):
        NO_CONTACT = "no_contact", _("no contact for 30 days")
        PLAN_EVALUATION = "plan_evaluation", _("plan not evaluated for 6 months")
        CONSENT_EXPIRING = "consent_expiring", _("consent expires soon")
        AGE_TRANSITION = "age_transition", _("18-/18+ transition")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    consent = models.ForeignKey(
        Consent, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("consent")
    )
    # The date the cause started to count: the last contact, the plan version's date, the consent's expiry.
    since = models.DateField(_("since"))
    created_at = models.DateTimeField(_("signalled at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["since", "id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "consent"],
                condition=Q(resolved_at__isnull=True),
                nulls_distinct=False,
                name="reminder_one_open_per_cause",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.kind}"


class DuplicateDecision(ChoiceLabels, models.Model):
    """What someone decided about likely duplicates (cases/duplicates.py): linked, registered anew, or not the same.

    A professional who is shown matches at registration links the member to one of them or registers a new
    person with a reason; a team lead in the review queue marks a pair as two different persons or households.
    A pair decided either way leaves the review queue.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        HOUSEHOLD = "household", _("household")

    class Outcome(models.TextChoices):
        LINKED = "linked", _("linked to the existing person")
        NEW = "new", _("registered as a new person")
        DISMISSED = "dismissed", _("not the same")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("person")
    )
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("household")
    )
    # The ids of the persons (or households) it was compared with: a record, not a relation a merge moves.
    other_ids = ArrayField(models.BigIntegerField(), verbose_name=_("compared with"), default=list)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("duplicate decision")
        verbose_name_plural = _("duplicate decisions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="new") | ~Q(reason=""), name="duplicate_decision_new_needs_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.outcome}"


class Merge(ChoiceLabels, models.Model):
    """Two persons or two households merged into one by a team lead: what moved, so it can be undone.

    ``moved`` names every row whose relation was moved (``"app_label.model.field": [pk, …]``); ``removed``
    holds the rows that would have been duplicates after the move (a membership of the same person in the
    same household), serialised, so an undo puts them back as they were. The absorbed person or household
    stays in the database, without relations, until the merge is undone.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("persons")
        HOUSEHOLD = "household", _("households")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    survivor_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("kept person")
    )
    absorbed_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("merged person")
    )
    survivor_household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("kept household")
    )
    absorbed_household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged household"),
    )
    moved = models.JSONField(_("moved relations"), default=dict)
    removed = models.JSONField(_("rows set aside"), default=list)
    reason = models.TextField(_("reason"), blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("merged by")
    )
    merged_at = models.DateTimeField(_("merged at"), default=timezone.now)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        constraints = [
            # A person or household is absorbed by one merge at a time: two merges of it at once cannot both win.
            models.UniqueConstraint(
                fields=["absorbed_person"],
                condition=Q(undone_at__isnull=True, absorbed_person__isnull=False),
                name="merge_one_active_per_absorbed_person",
            ),
            models.UniqueConstraint(
                fields=["absorbed_household"],
                condition=Q(undone_at__isnull=True, absorbed_household__isnull=False),
                name="merge_one_active_per_absorbed_household",
            ),
            models.CheckConstraint(
                condition=Q(kind="person", survivor_person__isnull=False, absorbed_person__isnull=False)
                | Q(kind="household", survivor_household__isnull=False, absorbed_household__isnull=False),
                name="merge_names_both_sides",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.merged_at:%Y-%m-%d}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class MeldcodeStep(ChoiceLabels, models.Model):
    """One step of the meldcode huiselijk geweld en kindermishandeling, taken on a case by one organisation.

    Professionals of these organisations must follow the five steps (Wet verplichte meldcode): map the
    signals; consult a colleague and, if need be, Veilig Thuis; talk with the client; weigh with the
    afwegingskader; decide to report to Veilig Thuis and/or organise help. Each organisation runs its own
    meldcode, in rounds: a round starts again at step 1 when new signals come after a decision. The order
    is the transition table in ``workflow.py``; the record is confidential to the involved professionals
    of the recording organisation and the case's coordinator (``privacy.policy.meldcode_condition``) and
    feeds no aggregate.
    """

    class Step(models.IntegerChoices):
        SIGNALS = 1, _("1. Map the signals")
        CONSULTATION = 2, _("2. Collegial consultation, and if need be Veilig Thuis")
        CONVERSATION = 3, _("3. Conversation with the client")
        WEIGHING = 4, _("4. Weigh with the assessment framework")
        DECISION = 5, _("5. Decide: report to Veilig Thuis and/or organise help")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="meldcode_steps", verbose_name=_("case"))
    # The organisation whose meldcode this is: its involved professionals read it, and the coordinator.
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    step = models.PositiveSmallIntegerField(_("step"), choices=Step.choices)
    done_on = models.DateField(_("date"))
    outcome = models.TextField(_("outcome"))
    # Step 2: Veilig Thuis was consulted (advice, not a report).
    consulted_veilig_thuis = models.BooleanField(_("Veilig Thuis consulted"), null=True, blank=True)
    # Step 4: the afwegingskader's questions (null: not asked at this step).
    suspicion = models.BooleanField(_("suspicion of domestic violence or child abuse"), null=True, blank=True)
    unsafe = models.BooleanField(_("acute or structural unsafety"), null=True, blank=True)
    can_help = models.BooleanField(_("able to offer or organise sufficient help"), null=True, blank=True)
    help_accepted = models.BooleanField(_("those involved accept the help"), null=True, blank=True)
    lasting_safety = models.BooleanField(_("the help leads to lasting safety in time"), null=True, blank=True)
    # Step 5: the decision (one or both).
    report_to_veilig_thuis = models.BooleanField(_("report to Veilig Thuis"), null=True, blank=True)
    organise_help = models.BooleanField(_("organise help"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = MeldcodeStepQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["case", "organisation", "round", "step"]
        verbose_name = _("meldcode step")
        verbose_name_plural = _("meldcode steps")
        constraints = [
            # Two professionals recording the same step at once: the second is refused by the database.
            models.UniqueConstraint(fields=["case", "organisation", "round", "step"], name="meldcode_step_once"),
            models.CheckConstraint(condition=Q(step__gte=1, step__lte=5), name="meldcode_step_known"),
            models.CheckConstraint(condition=~Q(outcome=""), name="meldcode_step_outcome_required"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.round}.{self.step}"


class CaseTransfer(ChoiceLabels, models.Model):
    """A case moving to another team: a referral forwarded from the inbox, or an open case handed over.

    A forward takes effect at once (the referral lands in the other team's inbox); a transfer waits for a
    lead of the receiving team, and until then the case stays with its team. The note is the warm handover.
    """

    class Kind(models.TextChoices):
        FORWARD = "forward", _("referral forwarded")
        TRANSFER = "transfer", _("case transferred")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the receiving team")
        COMPLETED = "completed", _("completed")
        DECLINED = "declined", _("declined")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    from_team = models.ForeignKey(
        "organisations.Team", on_delete=models.PROTECT, related_name="+", verbose_name=_("from team")
    )
    to_team = models.ForeignKey(
        "organisations.Team", on_delete=models.PROTECT, related_name="incoming_transfers", verbose_name=_("to team")
    )
    note = models.TextField(_("handover note"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("reason"), blank=True)

    objects = CaseTransferQuerySet.as_manager()

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="case_transfer_one_pending_per_case"
            ),
            models.CheckConstraint(condition=~Q(from_team=models.F("to_team")), name="case_transfer_other_team"),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.from_team_id} → {self.to_team_id}"


class NetworkPerson(ChoiceLabels, models.Model):
    """Someone around the household who is not a member (ecogram): a grandparent who helps, an ex-partner, a neighbour.

    Related to one member of the household; visible with the household (``NetworkPersonQuerySet.visible_to``).
    """

    class Relation(models.TextChoices):
        GRANDPARENT = "grandparent", _("grandparent")
        PARENT_ELSEWHERE = "parent_elsewhere", _("parent living elsewhere")
        EX_PARTNER = "ex_partner", _("ex-partner")
        FAMILY = "family", _("other family")
        FRIEND = "friend", _("friend")
        NEIGHBOUR = "neighbour", _("neighbour")
        VOLUNTEER = "volunteer", _("volunteer or buddy")
        OTHER = "other", _("other")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="network", verbose_name=_("household")
    )
    name = models.CharField(_("name"), max_length=160)
    related_to = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="network_relations", verbose_name=_("related to")
    )
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    relation_detail = models.CharField(
        _("about the relation"), max_length=200, blank=True, help_text=_("e.g. picks up the children on Fridays")
    )
    start_date = models.DateField(_("from"), default=timezone.localdate)
    end_date = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = NetworkPersonQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["household", "name", "id"]
        verbose_name = _("person in the network")
        verbose_name_plural = _("network around the household")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="network_person_period_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

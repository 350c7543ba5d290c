import uuid

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.choices import ChoiceLabels
from common.localised import LocalisedName
from privacy.actor import history_user

from .querysets import AreaQuerySet, TeamMembershipQuerySet

# A Dutch or international number as people write it: digits, spaces, dashes, brackets, a leading +.
PHONE_VALIDATOR = RegexValidator(
    r"^\+?[0-9][0-9 ()-]{8,18}$", _("Enter a phone number of digits, for example 030 123 45 67 or +31 30 1234567.")
)


class Municipality(models.Model):
    """A gemeente, identified by its CBS code (GM0363) in a given year."""

    code = models.CharField(_("CBS code"), max_length=6)
    # CBS codes change when municipalities merge; the year says which list it comes from.
    code_year = models.PositiveSmallIntegerField(_("code year"))
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [
            models.UniqueConstraint(fields=["code", "code_year"], name="municipality_code_year_unique"),
            models.CheckConstraint(condition=Q(code__regex=r"^GM[0-9A-Z]{4}$"), name="municipality_code_format"),
        ]

    def __str__(self) -> str:
        return self.name


class Area(ChoiceLabels, models.Model):
    """A wijk (district, WK036300) or buurt (neighbourhood, BU03630000)."""

    class Kind(models.TextChoices):
        DISTRICT = "wijk", _("district (wijk)")
        NEIGHBOURHOOD = "buurt", _("neighbourhood (buurt)")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="areas", verbose_name=_("municipality")
    )
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    code = models.CharField(_("CBS code"), max_length=10)
    code_year = models.PositiveSmallIntegerField(_("code year"))
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("district"),
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.UniqueConstraint(fields=["code", "code_year"], name="area_code_year_unique"),
            models.CheckConstraint(
                condition=(Q(kind="wijk", code__regex=r"^WK[0-9A-Z]{6}$", parent__isnull=True))
                | (Q(kind="buurt", code__regex=r"^BU[0-9A-Z]{8}$", parent__isnull=False)),
                name="area_code_matches_kind",
            ),
        ]
        # The dashboard's neighbourhood table by name: a page walks the buurten in this order and reads the
        # figures of its own 50 only (monitoring.dashboard._LinesQuery).
        indexes = [models.Index(fields=["name", "code"], name="area_name_code_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class OrganisationKind(LocalisedName):
    """Municipality, youth care, GGD/JGZ, social work, … (seeded)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("organisation kind")
        verbose_name_plural = _("organisation kinds")


class Organisation(ChoiceLabels, models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=160)
    kind = models.ForeignKey(
        OrganisationKind, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("kind")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("municipality"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="organisation_name_unique")]

    def __str__(self) -> str:
        return self.name


class Team(ChoiceLabels, models.Model):
    """A wijkteam of one municipality, covering areas, with members from several organisations."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=160)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="teams", verbose_name=_("municipality")
    )
    areas = models.ManyToManyField(Area, blank=True, related_name="teams", verbose_name=_("areas covered"))

    class AllocatedBy(models.TextChoices):
        PROFESSIONAL = "professional", _("every professional of the team")
        TEAM_LEAD = "team_lead", _("the team lead only")

    # Who may pay the team's actions from a funding stream (issue 14): some municipalities leave it to the
    # professional, others want the team lead to decide.
    allocated_by = models.CharField(
        _("who pays actions from a funding stream"),
        max_length=12,
        choices=AllocatedBy.choices,
        default=AllocatedBy.PROFESSIONAL,
        db_default=AllocatedBy.PROFESSIONAL,
    )

    # Who changed the team's settings, and when: the team lead's settings page shows the last change.
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="team_name_unique")]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PROFESSIONAL = "professional", _("neighbourhood-team professional")
    TEAM_LEAD = "team_lead", _("team lead")
    PROGRAMME_BUREAU = "programme_bureau", _("programme bureau")
    AUDITOR = "auditor", _("funding auditor")
    PRIVACY_OFFICER = "privacy_officer", _("privacy officer")
    ADMINISTRATOR = "administrator", _("functional administrator")


class User(ChoiceLabels, AbstractUser):
    """A person who logs in: a professional of one organisation, or a staff role."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PROFESSIONAL)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("organisation"),
    )
    # Work contact details, shown to the other professionals on the cases one is involved in.
    phone = models.CharField(
        _("work phone number"),
        max_length=20,
        blank=True,
        validators=[PHONE_VALIDATOR],
        help_text=_("The number colleagues and partners call you on, for example 030 123 45 67 or 06 12345678."),
    )
    # The interface language this user chose ("" = the default, Dutch); the browser's language never decides.
    language = models.CharField(_("interface language"), max_length=8, blank=True, default="")

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class TeamMembership(models.Model):
    """A user's membership of a team over a period; ending it ends the access it gave."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team"))
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    start_date = models.DateField(_("start date"), default=timezone.localdate)
    end_date = models.DateField(_("end date"), null=True, blank=True)

    objects = TeamMembershipQuerySet.as_manager()

    # Who granted or changed a membership, and when: it opens a team's households, so the team's
    # lead sees every change (``organisations:membership-changes``).
    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["team", "user"]
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_period_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.team}"

"""Writes of casework. Each service is one transaction; views and the API call these, nothing else writes.

Services take the objects the caller already fetched through ``visible_to`` and
check what the acting user may do with them; a refusal raises PermissionDenied,
bad input raises ValidationError with messages per field.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from funding import services as funding_services
from notifications.services import notify
from organisations.models import Area, Organisation, Team, User
from privacy import policy
from privacy.actor import service
from themes.models import Instrument, InstrumentDomain, Theme

from . import documents, workflow
from .models import (
    Action,
    Case,
    CaseConference,
    CaseStatus,
    CaseStatusChange,
    Consent,
    Contact,
    Document,
    DocumentContent,
    DuplicateDecision,
    Goal,
    Household,
    HouseholdMembership,
    Involvement,
    KeyFigure,
    LegalBasis,
    Measurement,
    MeasurementScore,
    MeldcodeStep,
    Person,
    Plan,
    PlanVersion,
    Reminder,
)
from .querysets import CONTACT_OVERDUE_DAYS

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone


class StaleVersion(Exception):
    """Someone else saved the object after this edit began (an optimistic edit lock on ``version``)."""

    def __init__(self, current_version: int) -> None:
        super().__init__(current_version)
        self.current_version = current_version


class PlanConflict(StaleVersion):
    """Someone else saved the plan after this edit began."""


class ActionConflict(StaleVersion):
    """Someone else changed the action after this form or API call read it."""

    def __init__(self, current_version: int, current_status: str) -> None:
        super().__init__(current_version)
        self.current_status = current_status


# --- Input shapes ----------------------------------------------------------


@dataclass(frozen=True)
class PersonInput:
    first_name: str
    last_name: str
    role: str
    surname_prefix: str = ""
    date_of_birth: datetime.date | None = None
    bsn: str | None = None
    # The duplicate review (cases/duplicates.py): the existing person chosen instead of a new one, or the
    # persons shown as likely matches and why this one is new nonetheless. Both recorded.
    existing: Person | None = None
    shown_matches: tuple[int, ...] = ()
    new_reason: str = ""


@dataclass(frozen=True)
class GoalInput:
    theme: Theme
    text: str
    in_own_words: bool = True
    status: str = Goal.Status.OPEN


@dataclass(frozen=True)
class ActionInput:
    theme: Theme
    description: str
    delivering_organisation: Organisation
    beneficiary: Person | None = None
    planned_cost: Decimal = Decimal("0")
    status: str = Action.Status.PROPOSED
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    product_code: str = ""
    # A conference's action item: who follows it up, before when (it becomes their task).
    follow_up_by: User | None = None
    follow_up_on: datetime.date | None = None


@dataclass(frozen=True)
class ScoreInput:
    domain: InstrumentDomain
    score: int
    reason: str


@dataclass
class _Errors:
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


# --- Permissions -------------------------------------------------------------


def _require_casework(user: User, case: Case, *, open_only: bool = True) -> None:
    if not Case.objects.visible_to(user).filter(pk=case.pk).exists():
        raise PermissionDenied
    if open_only and not case.is_open:
        raise ValidationError(_("This case is closed; it can no longer be changed."))


def _organisation_of(user: User) -> int:
    # Casework is always done on behalf of an organisation (and its confidentiality).
    if user.organisation_id is None:
        raise PermissionDenied
    return user.organisation_id


def _lock_case(case: Case) -> Case:
    # Two people acting on one case at once (status, coordinator) queue on its row.
    return Case.objects.select_for_update().get(pk=case.pk)


def _new_person(member: PersonInput) -> Person:
    person = Person(
        first_name=member.first_name.strip(),
        surname_prefix=member.surname_prefix.strip(),
        last_name=member.last_name.strip(),
        date_of_birth=member.date_of_birth,
        bsn=member.bsn or None,
    )
    person.full_clean()
    person.save()
    return person


def _known_person(*, bsn: str | None, by: User) -> Person | None:
    """The person with this BSN whom the acting user may already see (co-parenting, a move): linked, not duplicated.

    A person with this BSN whom the user may not see is not linked, and not mentioned either: the caller gets
    a new person, exactly as for a BSN nobody has (the same answer and the same queries), so a BSN typed here
    never tells whether someone is a client of another team. The shared BSN waits for the duplicate review
    (``Person.objects.sharing_a_bsn``); see docs/bsn-rule.md.
    """
    if not bsn:
        return None
    return Person.objects.visible_to(by).filter(bsn=bsn).order_by("pk").first()


def _person_for(member: PersonInput, *, by: User, known: Person | None = None, looked_up: bool = False) -> Person:
    """The person a member row stands for: the existing one the user chose, one known by BSN, or a new one.

    When likely matches were shown (``shown_matches``), the choice is recorded as a DuplicateDecision.
    """
    if member.existing is not None:
        if not Person.objects.visible_to(by).filter(pk=member.existing.pk).exists():
            raise PermissionDenied
        person = member.existing
        outcome = DuplicateDecision.Outcome.LINKED
    else:
        if not looked_up:
            known = _known_person(bsn=member.bsn, by=by)
        person = known or _new_person(member)
        outcome = DuplicateDecision.Outcome.LINKED if known is not None else DuplicateDecision.Outcome.NEW
    if member.shown_matches:
        if outcome == DuplicateDecision.Outcome.NEW and not member.new_reason.strip():
            raise ValidationError({"new_reason": [_("Say why this is not one of the persons shown.")]})
        DuplicateDecision.objects.create(
            kind=DuplicateDecision.Kind.PERSON,
            outcome=outcome,
            person=person,
            other_ids=[pk for pk in member.shown_matches if pk != person.pk],
            reason=member.new_reason.strip() if outcome == DuplicateDecision.Outcome.NEW else "",
            decided_by=by,
        )
    return person


def _create_with_m2m_history(instance: models.Model, *, by: User, m2m: dict[str, Sequence[models.Model]]) -> None:
    """Insert ``instance`` and its many-to-many links as ONE history entry ("+", by ``by``, links included).

    Left to django-simple-history, a save and then ``set()`` write a "+" row without the links and a "~"
    row that adds them: two entries for one act. Later ``add``/``remove`` calls keep their own "~" rows.
    """
    instance.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        instance.save()
        for name, values in m2m.items():
            getattr(instance, name).set(values)
    finally:
        del instance.skip_history_when_saving  # type: ignore[attr-defined]
    model = type(instance)
    [record] = model.history.bulk_history_create([instance], default_user=by)  # type: ignore[attr-defined]
    for name in m2m:
        through = getattr(model, name).through
        # django-simple-history's copy of the link table, reached through the historical model.
        links = getattr(type(record), name).model
        links.objects.bulk_create(
            links(
                history=record,
                **{
                    link_field.attname: getattr(row, link_field.attname) for link_field in through._meta.concrete_fields
                },
            )
            for row in through.objects.filter(**{getattr(model, name).field.m2m_field_name(): instance})
        )


def new_case_reference() -> str:
    return "WT-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


# --- Referral: household, persons and case in one go --------------------------


@service
def referral_create(
    *,
    by: User,
    team: Team,
    street: str,
    house_number: int,
    house_number_suffix: str = "",
    postcode: str,
    city: str,
    neighbourhood: Area,
    members: Sequence[PersonInput],
    referral_source: str,
    referral_reason: str,
    referred_on: datetime.date | None = None,
    legal_basis: str,
) -> Case:
    """Register an aanmelding: a new household with its members and a case in the team's inbox.

    Nobody coordinates it yet: a lead of the team accepts it from the inbox (``inbox.referral_accept``),
    assigning the coordinator, whose involvement starts on the ``legal_basis`` the referral states.
    """
    if not policy.may_see_casework(by) or not policy.belongs_to_team(by, team.pk):
        raise PermissionDenied
    errors = _Errors()
    if not members:
        errors.add("members", _("Add at least one member of the household."))
    bsns = [member.bsn for member in members if member.bsn]
    if len(bsns) != len(set(bsns)):
        errors.add("members", _("The same BSN is given for two members."))
    if not team.areas.filter(pk=neighbourhood.pk).exists():
        errors.add("neighbourhood", _("This neighbourhood is not in the team's area."))
    if legal_basis not in LegalBasis.values:
        errors.add("legal_basis", _("Choose a legal basis."))
    errors.raise_if_any()

    household = Household(
        street=street.strip(),
        house_number=house_number,
        house_number_suffix=house_number_suffix.strip(),
        postcode=postcode.replace(" ", "").upper(),
        city=city.strip(),
        neighbourhood=neighbourhood,
        municipality_id=neighbourhood.municipality_id,  # the tenant (docs/scaling.md)
    )
    household.full_clean()
    household.save()

    today = timezone.localdate()
    for member in members:
        person = _person_for(member, by=by)
        HouseholdMembership.objects.create(household=household, person=person, role=member.role, start_date=today)

    case = Case(
        reference=new_case_reference(),
        household=household,
        team=team,
        municipality_id=team.municipality_id,
        referral_source=referral_source,
        referral_reason=referral_reason.strip(),
        referred_on=referred_on or today,
        referral_legal_basis=legal_basis,
        created_by=by,
    )
    case.full_clean()
    case.save()
    CaseStatusChange.objects.create(case=case, from_status="", to_status=case.status, changed_by=by)
    Plan.objects.create(case=case)
    return case


# --- Status workflow ------------------------------------------------------------


@service
def case_transition(*, case: Case, to_status: str, by: User, reason: str = "") -> Case:
    _require_casework(by, case, open_only=False)
    case = _lock_case(case)
    if not (
        policy.leads_team(by, case.team_id) or case.involvements.filter(professional=by, is_coordinator=True).exists()
    ):
        raise PermissionDenied
    refusal = workflow.refusal(case.status, to_status)
    if refusal:
        raise ValidationError({"to_status": [refusal]})
    if to_status in workflow.REASON_REQUIRED and not reason.strip():
        raise ValidationError({"reason": [_("Say why the case is closed.")]})
    if (
        case.status == CaseStatus.REFERRAL
        and to_status != CaseStatus.CLOSED
        and not case.involvements.filter(is_coordinator=True, end_date__isnull=True).exists()
    ):
        raise ValidationError(
            {"to_status": [_("Accept the referral from the team's inbox first: it needs a coordinator.")]}
        )
    if to_status == CaseStatus.EXECUTION and not PlanVersion.objects.filter(plan__case=case).exists():
        raise ValidationError({"to_status": [_("Agree a plan with the household before the work starts.")]})
    previous = case.status
    case.status = to_status
    case.closed_on = timezone.localdate() if to_status == CaseStatus.CLOSED else None
    case.save(update_fields=["status", "closed_on"])
    CaseStatusChange.objects.create(
        case=case, from_status=previous, to_status=to_status, changed_by=by, reason=reason.strip()
    )
    return case


# --- Involvements and the coordinator -------------------------------------------


@service
def involvement_add(
    *, case: Case, professional: User, by: User, role: str, legal_basis: str, start_date: datetime.date | None = None
) -> Involvement:
    # Adding the same professional twice at once queues on the case's row; the partial unique
    # index ``involvement_one_open_per_professional`` holds the rule should anything else race.
    case = _lock_case(case)
    _require_casework(by, case)
    if professional.role not in policy.CASEWORK_ROLES or professional.organisation_id is None:
        raise ValidationError({"professional": [_("Only professionals of an organisation can be involved.")]})
    if Involvement.objects.active().filter(case=case, professional=professional).exists():
        raise ValidationError({"professional": [_("This professional is already involved.")]})
    involvement = Involvement(
        case=case,
        professional=professional,
        organisation_id=professional.organisation_id,
        role=role,
        legal_basis=legal_basis,
        start_date=start_date or timezone.localdate(),
    )
    # The constraints are left to the database, which names the one broken: a race past the check
    # above answers with the same message on the professional field, not a generic one.
    involvement.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            involvement.save()
    except IntegrityError as error:
        if _constraint_name(error) != "involvement_one_open_per_professional":
            raise
        raise ValidationError({"professional": [_("This professional is already involved.")]}) from error
    notify(kind="involvement_added", subject_id=involvement.pk)
    return involvement


def _constraint_name(error: IntegrityError) -> str | None:
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)


@service
def involvement_end(*, involvement: Involvement, by: User, end_date: datetime.date | None = None) -> Involvement:
    case = _lock_case(involvement.case)
    _require_casework(by, case)
    involvement = Involvement.objects.select_for_update().get(pk=involvement.pk)
    if involvement.is_coordinator:
        raise ValidationError(_("Assign another coordinator before this involvement ends."))
    involvement.end_date = end_date or timezone.localdate()
    involvement.full_clean()
    involvement.save(update_fields=["end_date"])
    return involvement


@service
def coordinator_assign(*, case: Case, professional: User, by: User, legal_basis: str = "") -> Involvement:
    """Make ``professional`` the one coordinator of an open case (team lead only).

    The case row is locked first, so two leads assigning at once queue up and the
    second sees the first one's result; the partial unique index and the deferred
    trigger guarantee one active coordinator whatever path writes.
    """
    _require_casework(by, case)
    if not policy.leads_team(by, case.team_id):
        raise PermissionDenied
    case = _lock_case(case)
    if professional.role not in policy.CASEWORK_ROLES or professional.organisation_id is None:
        raise ValidationError({"professional": [_("Only professionals of an organisation can coordinate.")]})
    if not policy.belongs_to_team(professional, case.team_id):
        raise ValidationError({"professional": [_("The coordinator must be a member of the case's team.")]})
    current = Involvement.objects.filter(case=case, is_coordinator=True, end_date__isnull=True).first()
    if current and current.professional_id == professional.pk:
        return current
    if current:
        current.is_coordinator = False
        current.save(update_fields=["is_coordinator"])
    involvement = Involvement.objects.active().filter(case=case, professional=professional).first()
    if involvement is None:
        if not legal_basis:
            raise ValidationError({"legal_basis": [_("State the legal basis for the new coordinator's involvement.")]})
        involvement = Involvement(
            case=case,
            professional=professional,
            organisation_id=professional.organisation_id,
            legal_basis=legal_basis,
            start_date=timezone.localdate(),
        )
    involvement.is_coordinator = True
    # Coordination lasts while the case is open: a planned end of this involvement is lifted.
    involvement.end_date = None
    involvement.full_clean()
    involvement.save()
    notify(kind="coordinator_changed", subject_id=involvement.pk)
    return involvement


# --- The household plan ------------------------------------------------------------


@service
def plan_save(
    *,
    case: Case,
    by: User,
    based_on_version: int,
    author: str,
    summary: str,
    goals: Sequence[GoalInput],
    agreed_on: datetime.date | None = None,
    evaluate_on: datetime.date | None = None,
) -> PlanVersion:
    """Save the plan as a new version. If someone saved since ``based_on_version``, nothing is written."""
    _require_casework(by, case)
    plan = Plan.objects.select_for_update().get(case=case)
    if plan.version != based_on_version:
        raise PlanConflict(plan.version)
    errors = _Errors()
    if not goals:
        errors.add("goals", _("A plan needs at least one goal."))
    for index, goal in enumerate(goals):
        if not goal.text.strip():
            errors.add(f"goals-{index}-text", _("Describe the goal."))
    if agreed_on and agreed_on > timezone.localdate():
        errors.add("agreed_on", _("The agreement date cannot be in the future."))
    if evaluate_on and agreed_on and evaluate_on < agreed_on:
        errors.add("evaluate_on", _("The evaluation date must come after the agreement date."))
    errors.raise_if_any()

    plan.version += 1
    plan.save(update_fields=["version"])
    version = PlanVersion(
        plan=plan,
        number=plan.version,
        author=author,
        summary=summary.strip(),
        agreed_on=agreed_on,
        evaluate_on=evaluate_on,
        created_by=by,
    )
    version.full_clean()
    version.save()
    # bulk_create alone writes no history rows; this writes one "+" row per goal, attributed to ``by``.
    bulk_create_with_history(
        [
            Goal(
                plan_version=version,
                theme=goal.theme,
                text=goal.text.strip(),
                in_own_words=goal.in_own_words,
                status=goal.status,
                order=index,
            )
            for index, goal in enumerate(goals)
        ],
        Goal,
        default_user=by,
    )
    return version


# --- Actions, contacts, conferences, measurements, consent -----------------------------


def _build_action(*, case: Case, data: ActionInput, by: User, conference: CaseConference | None = None) -> Action:
    if (
        data.beneficiary is not None
        and not HouseholdMembership.objects.filter(household_id=case.household_id, person=data.beneficiary).exists()
    ):
        raise ValidationError({"beneficiary": [_("The beneficiary must be a member of this household.")]})
    action = Action(
        case=case,
        theme=data.theme,
        description=data.description.strip(),
        delivering_organisation=data.delivering_organisation,
        beneficiary=data.beneficiary,
        planned_cost=data.planned_cost,
        status=data.status,
        start_date=data.start_date,
        end_date=data.end_date,
        product_code=data.product_code.strip(),
        conference=conference,
        created_by=by,
    )
    action.full_clean()
    return action


@service
def action_create(*, case: Case, data: ActionInput, by: User) -> Action:
    _require_casework(by, case)
    action = _build_action(case=case, data=data, by=by)
    action.save()
    funding_services.actions_detect(action_ids=[action.pk], by=by)
    return action


@dataclass(frozen=True)
class ActionCorrection:
    """What may be corrected on an action once it exists: its dates, cost, deliverer and beneficiary."""

    delivering_organisation: Organisation
    beneficiary: Person | None
    planned_cost: Decimal
    start_date: datetime.date | None
    end_date: datetime.date | None
    # None leaves the description as it is (the API corrects the figures only).
    description: str | None = None
    reason: str = ""


@service
def action_correct(*, action: Action, data: ActionCorrection, based_on_version: int, by: User) -> Action:
    """Correct an action; if someone changed it since ``based_on_version``, nothing is written.

    Anyone who may work on the case corrects its actions (they are the team's shared work). The old values
    stay in the write history and the action is marked corrected, with the reason when one is given.
    Every correction runs detection again: a new end date can cross an 18th birthday or a stream's end.
    """
    _require_casework(by, action.case)
    # Two people correcting one action at once: the second waits here and then sees the first one's version.
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.version != based_on_version:
        raise ValidationError(
            _("Someone else changed this action while you were editing it. Check the current values and try again."),
            code="stale",
        )
    if (
        data.beneficiary is not None
        and not HouseholdMembership.objects.filter(
            household_id=action.case.household_id, person=data.beneficiary
        ).exists()
    ):
        raise ValidationError({"beneficiary": [_("The beneficiary must be a member of this household.")]})
    action.delivering_organisation = data.delivering_organisation
    action.beneficiary = data.beneficiary
    action.planned_cost = data.planned_cost
    action.start_date = data.start_date
    action.end_date = data.end_date
    if data.description is not None:
        if not data.description.strip():
            raise ValidationError({"description": [_("Describe what is done.")]})
        action.description = data.description.strip()
    action.corrected_at = timezone.now()
    action.correction_reason = data.reason.strip()
    action.version += 1
    action.full_clean()
    action.save()
    funding_services.actions_detect(action_ids=[action.pk], by=by)
    return action


@service
def action_set_status(*, action: Action, status: str, by: User, based_on_version: int | None = None) -> Action:
    """Change an action's status. The screen and the API pass the version they showed; if someone
    changed the action since, nothing is written (``ActionConflict``). Internal callers pass none."""
    _require_casework(by, action.case)
    action = Action.objects.select_for_update().get(pk=action.pk)
    if based_on_version is not None and action.version != based_on_version:
        raise ActionConflict(action.version, action.status)
    action.status = status
    action.version += 1  # the row is locked: no other change can slip in between
    action.full_clean()
    action.save(update_fields=["status", "version"])
    funding_services.actions_detect(action_ids=[action.pk], by=by)
    return action


@service
def contact_log(
    *,
    case: Case,
    by: User,
    occurred_on: datetime.date,
    kind: str,
    themes: Sequence[str],
    minutes: int,
    note: str = "",
    confidentiality: str = Contact.Confidentiality.ALL_INVOLVED,
) -> Contact:
    _require_casework(by, case)
    errors = _Errors()
    known = set(Theme.objects.values_list("code", flat=True))
    if not themes:
        errors.add("themes", _("Choose at least one theme."))
    elif not set(themes) <= known:
        errors.add("themes", _("Unknown theme."))
    if occurred_on > timezone.localdate():
        errors.add("occurred_on", _("A contact cannot take place in the future."))
    if occurred_on < case.referred_on:
        errors.add("occurred_on", _("A contact cannot take place before the referral."))
    errors.raise_if_any()
    contact = Contact(
        case=case,
        occurred_on=occurred_on,
        kind=kind,
        themes=sorted(set(themes)),
        minutes=minutes,
        note=note.strip(),
        confidentiality=confidentiality,
        author=by,
        author_organisation_id=_organisation_of(by),
    )
    contact.full_clean()
    contact.save()
    if occurred_on >= timezone.localdate() - datetime.timedelta(days=CONTACT_OVERDUE_DAYS):
        # The "no contact" signal's cause is gone now, not at the next morning's refresh (cases/reminders.py).
        Reminder.objects.filter(case=case, kind=Reminder.Kind.NO_CONTACT, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
    return contact


@service
def contact_correct(*, contact: Contact, note: str, based_on_version: int, by: User, reason: str = "") -> Contact:
    """Correct a contact's note (its author only); the old text stays in the write history.

    If someone saved the contact since ``based_on_version`` (the author in another tab), nothing is written.
    """
    _require_casework(by, contact.case)
    if not policy.may_correct_contact(by, contact.author_id):
        raise PermissionDenied
    # The author correcting in two tabs at once: the second waits here and then sees the first one's version.
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.version != based_on_version:
        raise StaleVersion(contact.version)
    if note.strip() == contact.note:
        raise ValidationError({"note": [_("The note is unchanged; change the text to correct it.")]})
    contact.note = note.strip()
    contact.corrected_at = timezone.now()
    contact.correction_reason = reason.strip()
    contact.version += 1
    contact.full_clean()
    contact.save(update_fields=["note", "corrected_at", "correction_reason", "version"])
    return contact


@dataclass(frozen=True)
class MeldcodeInput:
    """One step of the meldcode as typed; which answers a step needs is checked by ``meldcode_record``."""

    step: int  # the step the form was shown for: another one recorded since is a conflict, not an overwrite
    done_on: datetime.date
    outcome: str
    consulted_veilig_thuis: bool | None = None
    suspicion: bool | None = None
    unsafe: bool | None = None
    can_help: bool | None = None
    help_accepted: bool | None = None
    lasting_safety: bool | None = None
    report_to_veilig_thuis: bool | None = None
    organise_help: bool | None = None


WEIGHING_QUESTIONS = ("suspicion", "unsafe", "can_help", "help_accepted", "lasting_safety")


def meldcode_next_step(*, case: Case, organisation_id: int) -> tuple[int, int]:
    """The (round, step) the organisation records next on this case (``workflow.meldcode_next``)."""
    last = MeldcodeStep.objects.filter(case=case, organisation_id=organisation_id).order_by("-round", "-step").first()
    if last is None:
        return workflow.meldcode_next(last_round=None, last_step=None)
    return workflow.meldcode_next(last_round=last.round, last_step=last.step, suspicion=last.suspicion)


@service
def meldcode_record(*, case: Case, data: MeldcodeInput, by: User) -> MeldcodeStep:
    """Record the next step of the acting professional's organisation's meldcode on the case, in order.

    The case row is locked, so two professionals of one organisation recording at once queue up and the
    second is told that the step was recorded meanwhile; the unique constraint holds should anything race.
    """
    _require_casework(by, case)
    if not policy.may_use_meldcode(by, case.pk):
        raise PermissionDenied
    organisation_id = _organisation_of(by)
    case = _lock_case(case)
    round_number, step = meldcode_next_step(case=case, organisation_id=organisation_id)
    if data.step != step:
        raise ValidationError(
            _("Meanwhile someone of your organisation recorded this step. Check the steps below and try again."),
            code="stale",
        )
    errors = _Errors()
    earlier = (
        MeldcodeStep.objects.filter(case=case, organisation_id=organisation_id, round=round_number)
        .order_by("step")
        .only("done_on", "unsafe", "step")
    )
    previous = list(earlier)
    if data.done_on > timezone.localdate():
        errors.add("done_on", _("A step cannot be taken in the future."))
    elif previous and data.done_on < previous[-1].done_on:
        errors.add("done_on", _("A step cannot be taken before the step before it."))
    if not data.outcome.strip():
        errors.add("outcome", _("Write down the outcome of this step."))
    answers: dict[str, bool | None] = {}
    if step == MeldcodeStep.Step.CONSULTATION:
        if data.consulted_veilig_thuis is None:
            errors.add("consulted_veilig_thuis", _("Say whether Veilig Thuis was consulted."))
        answers["consulted_veilig_thuis"] = data.consulted_veilig_thuis
    if step == MeldcodeStep.Step.WEIGHING:
        # Without a suspicion the other questions are not asked: the round ends here.
        asked = WEIGHING_QUESTIONS if data.suspicion is not False else WEIGHING_QUESTIONS[:1]
        for name in asked:
            if getattr(data, name) is None:
                errors.add(name, _("Answer this question of the assessment framework."))
            answers[name] = getattr(data, name)
    if step == MeldcodeStep.Step.DECISION:
        if not (data.report_to_veilig_thuis or data.organise_help):
            errors.add("report_to_veilig_thuis", _("Decide to report to Veilig Thuis, to organise help, or both."))
        weighing = next((row for row in previous if row.step == MeldcodeStep.Step.WEIGHING), None)
        # The afwegingskader: acute or structural unsafety is always reported to Veilig Thuis.
        if weighing is not None and weighing.unsafe and not data.report_to_veilig_thuis:
            errors.add(
                "report_to_veilig_thuis",
                _("The weighing found acute or structural unsafety: this must be reported to Veilig Thuis."),
            )
        answers["report_to_veilig_thuis"] = bool(data.report_to_veilig_thuis)
        answers["organise_help"] = bool(data.organise_help)
    errors.raise_if_any()
    record = MeldcodeStep(
        case=case,
        organisation_id=organisation_id,
        round=round_number,
        step=step,
        done_on=data.done_on,
        outcome=data.outcome.strip(),
        recorded_by=by,
        **answers,
    )
    record.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as error:
        if _constraint_name(error) != "meldcode_step_once":
            raise
        raise ValidationError(
            _("Meanwhile someone of your organisation recorded this step. Check the steps below and try again."),
            code="stale",
        ) from error
    return record


@service
def conference_record(
    *,
    case: Case,
    by: User,
    held_on: datetime.date,
    participants: Sequence[User],
    decisions: str,
    other_participants: str = "",
    household_present: bool = True,
    action_items: Sequence[ActionInput] = (),
) -> CaseConference:
    """Record a case conference; its action items become actions of the case in the same transaction."""
    _require_casework(by, case)
    errors = _Errors()
    if held_on > timezone.localdate():
        errors.add("held_on", _("A case conference cannot be recorded before it takes place."))
    if not participants:
        errors.add("participants", _("Choose who took part."))
    errors.raise_if_any()
    conference = CaseConference(
        case=case,
        held_on=held_on,
        decisions=decisions.strip(),
        other_participants=other_participants.strip(),
        household_present=household_present,
        created_by=by,
    )
    conference.full_clean()
    _create_with_m2m_history(conference, by=by, m2m={"participants": participants})
    actions = [_build_action(case=case, data=item, by=by, conference=conference) for item in action_items]
    actions = bulk_create_with_history(actions, Action, default_user=by)
    funding_services.actions_detect(action_ids=[action.pk for action in actions], by=by)
    # The agenda builds on cases (its tasks hang under a case), so it is imported here, not at the top.
    from agenda.services import task_create

    for item, action in zip(action_items, actions, strict=True):
        if item.follow_up_by is not None and item.follow_up_on is not None:
            task_create(
                case=case,
                by=by,
                owner=item.follow_up_by,
                title=action.description[:200],
                due_on=item.follow_up_on,
                action=action,
                conference=conference,
            )
    return conference


@service
def measurement_record(
    *,
    case: Case,
    person: Person,
    instrument: Instrument,
    measured_on: datetime.date,
    scores: Sequence[ScoreInput],
    by: User,
) -> Measurement:
    """Score only the domains that matter for the help asked, each with its reason."""
    _require_casework(by, case)
    errors = _Errors()
    if not HouseholdMembership.objects.filter(household_id=case.household_id, person=person).exists():
        errors.add("person", _("This person is not a member of the household."))
    if measured_on > timezone.localdate():
        errors.add("measured_on", _("A measurement cannot be in the future."))
    if not scores:
        errors.add("scores", _("Score at least one domain."))
    seen: set[int] = set()
    for item in scores:
        key = f"score-{item.domain.code}"
        if item.domain.instrument_id != instrument.pk:
            errors.add(key, _("This domain belongs to another instrument."))
        if item.domain.pk in seen:
            errors.add(key, _("This domain is scored twice."))
        seen.add(item.domain.pk)
        if not instrument.min_score <= item.score <= instrument.max_score:
            errors.add(
                key,
                _("The score must be between %(low)d and %(high)d.")
                % {"low": instrument.min_score, "high": instrument.max_score},
            )
        if not item.reason.strip():
            errors.add(f"reason-{item.domain.code}", _("Say why this domain is scored."))
    errors.raise_if_any()
    measurement = Measurement.objects.create(
        case=case, person=person, instrument=instrument, measured_on=measured_on, measured_by=by
    )
    bulk_create_with_history(
        [
            MeasurementScore(measurement=measurement, domain=item.domain, score=item.score, reason=item.reason.strip())
            for item in scores
        ],
        MeasurementScore,
        default_user=by,
    )
    return measurement


@service
def consent_record(
    *,
    case: Case,
    person: Person,
    purpose: str,
    organisations: Sequence[Organisation],
    given_on: datetime.date,
    expires_on: datetime.date | None,
    by: User,
) -> Consent:
    _require_casework(by, case)
    if not HouseholdMembership.objects.filter(household_id=case.household_id, person=person).exists():
        raise ValidationError({"person": [_("This person is not a member of the household.")]})
    if not organisations:
        raise ValidationError({"organisations": [_("Name the organisations the consent covers.")]})
    consent = Consent(
        case=case, person=person, purpose=purpose.strip(), given_on=given_on, expires_on=expires_on, recorded_by=by
    )
    consent.full_clean()
    _create_with_m2m_history(consent, by=by, m2m={"organisations": organisations})
    return consent


@service
def consent_revoke(*, consent: Consent, by: User, revoked_on: datetime.date | None = None) -> Consent:
    _require_casework(by, consent.case, open_only=False)
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_on:
        raise ValidationError(_("This consent was already revoked."))
    consent.revoked_on = revoked_on or timezone.localdate()
    consent.full_clean()
    consent.save(update_fields=["revoked_on"])
    return consent


# --- Household membership over time ------------------------------------------------------


@service
def household_member_add(
    *, case: Case, by: User, member: PersonInput, start_date: datetime.date | None = None
) -> HouseholdMembership:
    _require_casework(by, case)
    known = member.existing or _known_person(bsn=member.bsn, by=by)
    if (
        known is not None
        and HouseholdMembership.objects.filter(
            household_id=case.household_id, person=known, end_date__isnull=True
        ).exists()
    ):
        field = "match" if member.existing is not None else "bsn"
        raise ValidationError({field: [_("This person is already a member of the household.")]})
    person = _person_for(member, by=by, known=known, looked_up=True)
    membership = HouseholdMembership(
        household_id=case.household_id, person=person, role=member.role, start_date=start_date or timezone.localdate()
    )
    membership.full_clean()
    membership.save()
    return membership


@service
def household_member_end(
    *, case: Case, membership: HouseholdMembership, by: User, end_date: datetime.date | None = None
) -> HouseholdMembership:
    _require_casework(by, case)
    if membership.household_id != case.household_id:
        raise PermissionDenied
    membership = HouseholdMembership.objects.select_for_update().get(pk=membership.pk)
    membership.end_date = end_date or timezone.localdate()
    membership.full_clean()
    membership.save(update_fields=["end_date"])
    return membership


# --- Documents (issue #16, item 3) ------------------------------------------------


@service
def document_attach(
    *,
    case: Case,
    by: User,
    name: str,
    data: bytes,
    confidentiality: str = Contact.Confidentiality.ALL_INVOLVED,
    contact: Contact | None = None,
    plan: Plan | None = None,
    conference: CaseConference | None = None,
) -> Document:
    """Store a document on the case, or on one of its contacts, its plan or one of its conferences.

    The file is checked first (``documents.inspect``: type by content, size, name, viruses); a refused
    file leaves nothing behind. A document on a contact marked "own organisation only" is confidential
    too: it cannot be shown more widely than the note it belongs to.
    """
    _require_casework(by, case)
    organisation_id = _organisation_of(by)
    if contact is not None:
        readable = Contact.objects.readable_on_visible_case(by).filter(pk=contact.pk, case=case)
        if not readable.exists():
            raise PermissionDenied
        if contact.confidentiality == Contact.Confidentiality.OWN_ORGANISATION:
            confidentiality = Contact.Confidentiality.OWN_ORGANISATION
    if (plan is not None and plan.case_id != case.pk) or (conference is not None and conference.case_id != case.pk):
        raise PermissionDenied
    inspected = documents.inspect(name=name, data=data)
    document = Document(
        case=case,
        contact=contact,
        plan=plan,
        conference=conference,
        name=inspected.name,
        kind=inspected.kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        confidentiality=confidentiality,
        author=by,
        author_organisation_id=organisation_id,
    )
    document.full_clean()
    document.save()
    DocumentContent.objects.create(document=document, data=data)
    return document


# --- Key figures (issue #16, item 5) ------------------------------------------------


def _require_key_figure_keeper(by: User, *, team_id: int, area_id: int) -> None:
    if not policy.may_keep_key_figure(by, team_id=team_id, area_id=area_id):
        raise PermissionDenied


@service
def key_figure_add(
    *, by: User, team: Team, area: Area, name: str, description: str, contact_details: str = ""
) -> KeyFigure:
    _require_key_figure_keeper(by, team_id=team.pk, area_id=area.pk)
    key_figure = KeyFigure(
        team=team,
        area=area,
        name=name.strip(),
        description=description.strip(),
        contact_details=contact_details.strip(),
    )
    key_figure.full_clean()
    key_figure.save()
    return key_figure


@service
def key_figure_update(
    *, by: User, key_figure: KeyFigure, name: str, description: str, contact_details: str = ""
) -> KeyFigure:
    # Two members editing one key figure: the second waits, then writes over what it saw (no version: three
    # short fields, and the latest word about how to reach someone is the one to keep).
    key_figure = KeyFigure.objects.select_for_update().get(pk=key_figure.pk)
    _require_key_figure_keeper(by, team_id=key_figure.team_id, area_id=key_figure.area_id)
    key_figure.name = name.strip()
    key_figure.description = description.strip()
    key_figure.contact_details = contact_details.strip()
    key_figure.full_clean()
    key_figure.save(update_fields=["name", "description", "contact_details"])
    return key_figure


@service
def key_figure_end(*, by: User, key_figure: KeyFigure, ended_on: datetime.date | None = None) -> KeyFigure:
    """The team no longer works with this key figure from ``ended_on`` (today): kept, not deleted."""
    key_figure = KeyFigure.objects.select_for_update().get(pk=key_figure.pk)
    _require_key_figure_keeper(by, team_id=key_figure.team_id, area_id=key_figure.area_id)
    if key_figure.ended_on is not None:
        raise ValidationError({"ended_on": [_("This key figure has already ended.")]})
    key_figure.ended_on = ended_on or timezone.localdate()
    key_figure.full_clean()
    key_figure.save(update_fields=["ended_on"])
    return key_figure

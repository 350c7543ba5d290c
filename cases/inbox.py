"""The team's referral inbox and transfers between teams: who takes a case on, and how it moves.

A referral waits in its team's inbox (status ``aanmelding``, no coordinator) until a lead of the team
accepts it (assigning the coordinator: on to intake), rejects it with a reason (closed, the reason in
the history), or forwards it to another team with a handover note. An open case moves to another team
by a transfer that a lead of the receiving team accepts; until then the case stays with its team.
A household known from a closed case gets a new case of its own (``case_open_for_household``).

Every write is one transaction that locks the case's row first (``select_for_update``): two leads who
act on the same referral at once queue, and the second is told what the first did, nothing is written
twice. Status changes go through the transition table (``workflow``); notifications are asked for in
the transaction and created after it commits (``notifications.services.notify``).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify
from organisations.models import Team, User
from privacy import policy
from privacy.actor import service

from . import workflow
from .models import Case, CaseStatus, CaseStatusChange, CaseTransfer, Household, Involvement, LegalBasis, Plan
from .services import _Errors, new_case_reference


def _locked(case: Case) -> Case:
    # Two leads acting on one referral (or one case) at once queue here; the second reads the first one's result.
    return Case.objects.select_for_update().select_related("team").get(pk=case.pk)


def _still_in_inbox(case: Case, *, team_id: int) -> None:
    """Refuse clearly when someone else handled the referral while this one was deciding."""
    if case.team_id != team_id:
        raise ValidationError(
            _("Another team lead forwarded this referral to %(team)s in the meantime; nothing was changed.")
            % {"team": case.team.name},
            code="handled",
        )
    if case.status != CaseStatus.REFERRAL:
        raise ValidationError(
            _("Another team lead already handled this referral (it is now “%(status)s”); nothing was changed.")
            % {"status": case.get_status_display()},
            code="handled",
        )


def _visible(case: Case, by: User) -> None:
    if not Case.objects.visible_to(by).filter(pk=case.pk).exists():
        raise PermissionDenied


def _check_coordinator(professional: User, team_id: int) -> None:
    if professional.role not in policy.CASEWORK_ROLES or professional.organisation_id is None:
        raise ValidationError({"professional": [_("Only professionals of an organisation can coordinate.")]})
    if not policy.belongs_to_team(professional, team_id):
        raise ValidationError({"professional": [_("The coordinator must be a member of the case's team.")]})


def _make_coordinator(case: Case, professional: User, legal_basis: str) -> Involvement:
    """The one active coordinator of ``case`` (locked by the caller): any other's coordination ends here."""
    # One by one, not update(): each change is a history entry.
    for other in Involvement.objects.filter(case=case, is_coordinator=True, end_date__isnull=True).exclude(
        professional=professional
    ):
        other.is_coordinator = False
        other.save(update_fields=["is_coordinator"])
    involvement = Involvement.objects.active().filter(case=case, professional=professional).first()
    if involvement is None:
        if legal_basis not in LegalBasis.values:
            raise ValidationError({"legal_basis": [_("State the legal basis for the new coordinator's involvement.")]})
        assert professional.organisation_id is not None  # checked by _check_coordinator
        involvement = Involvement(
            case=case,
            professional=professional,
            organisation_id=professional.organisation_id,
            legal_basis=legal_basis,
            start_date=timezone.localdate(),
        )
    involvement.is_coordinator = True
    involvement.end_date = None
    involvement.full_clean()
    involvement.save()
    return involvement


def _check_receiving_team(case: Case, to_team: Team) -> None:
    if to_team.pk == case.team_id:
        raise ValidationError({"to_team": [_("Choose another team than the case's own.")]})
    if to_team.municipality_id != case.team.municipality_id:
        raise ValidationError({"to_team": [_("Choose a team of the same municipality.")]})


def _note(note: str) -> str:
    text = note.strip()
    if not text:
        raise ValidationError({"note": [_("Write a handover note for the receiving team.")]})
    return text


# --- The inbox: accept, reject, forward ------------------------------------------------------------------------


@service
def referral_accept(*, case: Case, professional: User, by: User, legal_basis: str = "") -> Involvement:
    """Take the referral on: ``professional`` coordinates it, and the case goes on to intake."""
    _visible(case, by)
    team_id = case.team_id
    case = _locked(case)
    _still_in_inbox(case, team_id=team_id)
    if not policy.leads_team(by, case.team_id):
        raise PermissionDenied
    _check_coordinator(professional, case.team_id)
    refusal = workflow.refusal(case.status, CaseStatus.INTAKE)
    if refusal:
        raise ValidationError(refusal)
    involvement = _make_coordinator(case, professional, legal_basis or case.referral_legal_basis)
    case.status = CaseStatus.INTAKE
    case.save(update_fields=["status"])
    CaseStatusChange.objects.create(
        case=case, from_status=CaseStatus.REFERRAL, to_status=CaseStatus.INTAKE, changed_by=by
    )
    return involvement


@service
def referral_reject(*, case: Case, reason: str, by: User) -> Case:
    """Do not take the referral on: the case closes, the reason stays in its history."""
    _visible(case, by)
    team_id = case.team_id
    case = _locked(case)
    _still_in_inbox(case, team_id=team_id)
    if not policy.leads_team(by, case.team_id):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the referral is not taken on.")]})
    refusal = workflow.refusal(case.status, CaseStatus.CLOSED)
    if refusal:
        raise ValidationError(refusal)
    case.status = CaseStatus.CLOSED
    case.closed_on = timezone.localdate()
    case.save(update_fields=["status", "closed_on"])
    CaseStatusChange.objects.create(
        case=case,
        from_status=CaseStatus.REFERRAL,
        to_status=CaseStatus.CLOSED,
        changed_by=by,
        reason=_("Referral not taken on: %(reason)s") % {"reason": reason.strip()},
    )
    return case


@service
def referral_forward(*, case: Case, to_team: Team, note: str, by: User) -> CaseTransfer:
    """Pass the referral on to another team's inbox with a handover note (warme overdracht).

    The referral leaves this team at once: its members lose access unless they are involved.
    """
    _visible(case, by)
    team_id = case.team_id
    case = _locked(case)
    _still_in_inbox(case, team_id=team_id)
    if not policy.leads_team(by, case.team_id):
        raise PermissionDenied
    _check_receiving_team(case, to_team)
    transfer = CaseTransfer(
        case=case,
        kind=CaseTransfer.Kind.FORWARD,
        from_team_id=case.team_id,
        to_team=to_team,
        note=_note(note),
        status=CaseTransfer.Status.COMPLETED,
        requested_by=by,
        decided_by=by,
        decided_at=timezone.now(),
    )
    transfer.full_clean()
    transfer.save()
    # A coordinator from before the inbox existed does not go along to the other team.
    for involvement in Involvement.objects.filter(case=case, is_coordinator=True, end_date__isnull=True):
        involvement.is_coordinator = False
        involvement.save(update_fields=["is_coordinator"])
    case.team = to_team
    case.save(update_fields=["team"])
    notify(kind="case_arriving", subject_id=transfer.pk)
    return transfer


# --- Transfers of an open case ------------------------------------------------------------------------------------


@service
def transfer_request(*, case: Case, to_team: Team, note: str, by: User) -> CaseTransfer:
    """Ask another team to take over an open case; it stays with its team until a lead there accepts."""
    _visible(case, by)
    case = _locked(case)
    if not case.is_open:
        raise ValidationError(_("This case is closed; it can no longer be changed."))
    if case.status == CaseStatus.REFERRAL:
        raise ValidationError(_("A referral in the inbox is forwarded, not transferred."))
    if not policy.may_request_transfer(by, case.pk, case.team_id):
        raise PermissionDenied
    _check_receiving_team(case, to_team)
    if case.transfers.pending().exists():
        raise ValidationError(_("A transfer of this case already waits for the receiving team."))
    transfer = CaseTransfer(
        case=case,
        kind=CaseTransfer.Kind.TRANSFER,
        from_team_id=case.team_id,
        to_team=to_team,
        note=_note(note),
        requested_by=by,
    )
    transfer.full_clean()
    transfer.save()
    notify(kind="case_arriving", subject_id=transfer.pk)
    return transfer


def _locked_pending(transfer: CaseTransfer, by: User) -> tuple[CaseTransfer, Case]:
    if not CaseTransfer.objects.visible_to(by).filter(pk=transfer.pk).exists():
        raise PermissionDenied
    case = _locked(transfer.case)
    transfer = CaseTransfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != CaseTransfer.Status.PENDING:
        raise ValidationError(
            _("Another team lead already handled this transfer (%(status)s); nothing was changed.")
            % {"status": transfer.get_status_display()},
            code="handled",
        )
    if not policy.leads_team(by, transfer.to_team_id):
        raise PermissionDenied
    return transfer, case


@service
def transfer_accept(*, transfer: CaseTransfer, professional: User, by: User, legal_basis: str = "") -> CaseTransfer:
    """Take the case over: it moves to the receiving team with a new coordinator there.

    The former coordinator's involvement ends (they belonged to the old team); other involvements go on,
    so the old team's members keep access only where they are involved.
    """
    transfer, case = _locked_pending(transfer, by)
    if not case.is_open:
        raise ValidationError(_("This case is closed; it can no longer be changed."))
    _check_coordinator(professional, transfer.to_team_id)
    today = timezone.localdate()
    former = list(
        Involvement.objects.filter(case=case, is_coordinator=True, end_date__isnull=True).exclude(
            professional=professional
        )
    )
    _make_coordinator(case, professional, legal_basis)
    for involvement in former:
        involvement.end_date = max(today, involvement.start_date)
        involvement.save(update_fields=["end_date"])
    case.team_id = transfer.to_team_id
    case.save(update_fields=["team"])
    transfer.status = CaseTransfer.Status.COMPLETED
    transfer.decided_by = by
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    return transfer


@service
def transfer_decline(*, transfer: CaseTransfer, reason: str, by: User) -> CaseTransfer:
    """The receiving team does not take the case over: it stays where it is, the reason recorded."""
    transfer, _case = _locked_pending(transfer, by)
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why your team does not take the case over.")]})
    transfer.status = CaseTransfer.Status.DECLINED
    transfer.decided_by = by
    transfer.decided_at = timezone.now()
    transfer.decision_note = reason.strip()
    transfer.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return transfer


# --- A new case for a household known from a closed case --------------------------------------------------------


@service
def case_open_for_household(
    *,
    household: Household,
    team: Team,
    by: User,
    referral_source: str,
    referral_reason: str,
    legal_basis: str,
    referred_on: datetime.date | None = None,
) -> Case:
    """A new referral for a household the user knows from a closed case: the household and its people are reused.

    The new case waits in the team's inbox like any referral.
    """
    if not Household.objects.visible_to(by).filter(pk=household.pk).exists():
        raise PermissionDenied
    if not policy.may_see_casework(by) or not policy.belongs_to_team(by, team.pk):
        raise PermissionDenied
    # Two professionals opening a case for the same household at once queue on the household's row.
    Household.objects.select_for_update().get(pk=household.pk)
    errors = _Errors()
    if Case.objects.visible_to(by).open().filter(household=household).exists():
        errors.add("__all__", _("This household already has an open case: continue in that case."))
    if not team.areas.filter(pk=household.neighbourhood_id).exists():
        errors.add("team", _("The household's neighbourhood is not in this team's area."))
    if legal_basis not in LegalBasis.values:
        errors.add("legal_basis", _("Choose a legal basis."))
    errors.raise_if_any()
    today = timezone.localdate()
    case = Case(
        reference=new_case_reference(),
        household=household,
        team=team,
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

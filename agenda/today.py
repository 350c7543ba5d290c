"""Vandaag: each role's start page, built from the same reads as the full screens it links to.

Nothing here defines what a signal, a blockage or an open request is: each panel asks the
queryset or selector its full screen uses (``Reminder.objects.open_on_caseload_of`` for
Signalen, ``Blockage.objects.visible_to(...).open()`` for the team's blockages,
``register_blockages`` for the bureau's register, ``officer_reports`` for the privacy
officer's start page, ``report.funding_flow`` for the audit) and shows its first rows with
a link to the rest. Which panels a user gets is asked of the policy's predicates.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import get_language

from cases.models import Case, CaseStatus, Reminder
from funding import register as register_list
from funding import report, workflow
from funding.forms import report_params_for
from funding.models import Blockage, SpendImport
from jobs.models import OutboxMessage, TaskExecution
from organisations.models import TeamMembership, User
from privacy import access_log, policy
from privacy.models import AccessLogEntry, DataSubjectRequest, OfficerVisit
from privacy.services import officer_visit_record

from .models import Appointment, RecentHousehold, Task

ROWS = 5  # per panel: the first rows, then a link to the full screen
FIRST_VISIT_LOOKBACK = datetime.timedelta(days=30)


@dataclass
class Today:
    """What one user's Vandaag shows; a panel left None is not the user's."""

    day: datetime.date
    tasks: list[Task] | None = None
    appointments: list[Appointment] | None = None
    signals: list[Reminder] | None = None
    signal_count: int = 0
    blockages: list[Blockage] | None = None
    recent: list[RecentHousehold] | None = None
    referrals: list[Case] | None = None
    referral_count: int = 0
    without_coordinator: list[Case] | None = None
    without_coordinator_count: int = 0
    register: list[Blockage] | None = None
    register_new: int = 0
    since: datetime.datetime | None = None
    imports: list[SpendImport] | None = None
    outside: list[report.Row] | None = None
    open_requests: int | None = None
    refused_reads: int | None = None
    pending_jobs: int | None = None
    finished_jobs: list[TaskExecution] | None = None
    memberships: list[TeamMembership] = field(default_factory=list)
    logged: list[access_log.Subject] = field(default_factory=list)


def _casework(user: User, today: Today) -> None:
    today.tasks = list(Task.objects.due_this_week(user, today.day).select_related("case__household", "action"))
    today.appointments = list(Appointment.objects.this_week(user, today.day).select_related("case__household"))
    signals = Reminder.objects.open_on_caseload_of(user)
    today.signal_count = signals.count()
    today.signals = list(signals.select_related("case__household").order_by("since", "id")[:ROWS])
    # The team's blockage screen's own read, narrowed to the cases on one's caseload.
    today.blockages = list(
        Blockage.objects.visible_to(user)
        .open()
        .filter(action__case__in=Case.objects.caseload_for(user).values("pk"))
        .select_related("action__case__household", "silo")
        .order_by("-opened_at", "-pk")[:ROWS]
    )
    today.recent = list(RecentHousehold.objects.last_ten(user))
    today.logged += [access_log.subject_for(row) for row in [*today.tasks, *today.appointments, *today.signals]]
    today.logged += [access_log.subject_for(blockage.action) for blockage in today.blockages]
    today.logged += [access_log.subject_for(row.household) for row in today.recent]


def _team(user: User, today: Today) -> None:
    caseload = Case.objects.caseload_for(user)
    referrals = caseload.filter(status=CaseStatus.REFERRAL)
    today.referral_count = referrals.count()
    today.referrals = list(referrals.select_related("household").order_by("referred_on", "id")[:ROWS])
    alone = caseload.without_coordinator()
    today.without_coordinator_count = alone.count()
    today.without_coordinator = list(alone.select_related("household").order_by("referred_on", "id")[:ROWS])
    today.logged += [access_log.subject_for(case) for case in [*today.referrals, *today.without_coordinator]]


def _bureau(user: User, today: Today) -> None:
    """The register's open blockages that reached the bureau or above, and how many are new since the last visit."""
    visit = OfficerVisit.objects.filter(user=user).first()
    now = timezone.now()
    today.since = visit.seen_until if visit is not None else now - FIRST_VISIT_LOOKBACK
    reached = register_list.register_blockages(user, {"status": "open"}).filter(level__in=workflow.REGISTER_LEVELS)
    today.register_new = reached.filter(opened_at__gt=today.since).count()
    today.register = list(reached.for_register()[:ROWS])
    officer_visit_record(user=user, at=now)
    today.logged += [access_log.subject_for(blockage.action) for blockage in today.register]


def _auditor(user: User, today: Today) -> None:
    today.imports = list(
        SpendImport.objects.visible_to(user).defer("content", "errors").select_related("uploaded_by")[:ROWS]
    )
    _form, params = report_params_for(user, None)
    flow = report.funding_flow(params, language=get_language() or "nl") if params is not None else None
    rows = [row for row in flow.rows if row.spent_outside and not row.is_subtotal] if flow else []
    today.outside = sorted(rows, key=lambda row: -row.spent_outside)[:ROWS]


def _privacy(user: User, today: Today) -> None:
    """Counts of what the officer's start page lists; opening Vandaag is no visit of that page."""
    visit = OfficerVisit.objects.filter(user=user).first()
    now = timezone.now()
    since = visit.seen_until if visit is not None else now - FIRST_VISIT_LOOKBACK
    today.since = since
    today.open_requests = DataSubjectRequest.objects.filter(outcome=DataSubjectRequest.Outcome.IN_REVIEW).count()
    today.refused_reads = AccessLogEntry.objects.officer_reports(since=since, until=now, officer_id=user.pk).count()


def _administration(today: Today) -> None:
    today.pending_jobs = OutboxMessage.objects.pending().count()
    today.finished_jobs = list(TaskExecution.objects.order_by("-completed_at", "-id")[:ROWS])


def today_for(user: User) -> Today:
    today = Today(day=timezone.localdate())
    today.memberships = list(
        TeamMembership.objects.current().filter(user=user).select_related("team", "team__municipality")
    )
    if policy.may_see_casework(user):
        _casework(user, today)
    if policy.oversees_team_cases(user):
        _team(user, today)
    if policy.may_escalate_beyond_team(user):
        _bureau(user, today)
    if policy.may_import_spend(user):
        _auditor(user, today)
    if policy.may_handle_privacy(user):
        _privacy(user, today)
    if policy.may_see_background_work(user):
        _administration(today)
    return today

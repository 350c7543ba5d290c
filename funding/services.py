"""Writes of funding data: allocations, detection and the blockage workflow. Each service is one transaction.

Services take objects the caller fetched through ``visible_to`` (or the register
scope) and check what the acting user may do; a refusal raises PermissionDenied,
bad input a ValidationError with messages per field.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.models import Action, Person
from notifications.services import notify
from organisations.models import Role, TeamMembership, User
from privacy import policy
from privacy.actor import service

from . import eligibility, workflow
from .models import (
    Allocation,
    Blockage,
    BlockageEvent,
    BlockageReason,
    BlockageResolution,
    BlockageStatus,
    FundingStream,
    Silo,
)
from .validators import personal_details_in, validate_period_within, validate_positive_amount

CENT = Decimal("0.01")

# --- Detection ------------------------------------------------------------------------


def actions_detect(*, action_ids: Sequence[int], by: User) -> int:
    """Check these actions against the rules; open a blockage for each blocked one (idempotent).

    Called by the cases services inside the transaction that creates or changes
    the actions, so a blocked action and its blockage commit together. A paid action is re-checked against
    what pays it (a corrected date, beneficiary or deliverer can take it outside its stream).
    """
    now = timezone.now()
    return eligibility.detect(action_ids=action_ids, by_id=by.pk, at=now) + eligibility.detect_funded(
        action_ids=action_ids, today=timezone.localdate(), by_id=by.pk, at=now
    )


def blockages_detect_all() -> int:
    """The set-based run over every action (seed, or after the rules change); attributed to each action's creator."""
    return eligibility.detect(action_ids=None, by_id=None, at=None)


def blockages_redetect(*, today: datetime.date | None = None) -> int:
    """The daily re-detection over every running action: a birth date corrected, a household that moved, a
    stream whose rules, period or budget changed can block an action that fitted when it was recorded.

    Unpaid actions are checked over their whole period; paid ones allocation by allocation, for what still
    runs on ``today`` (a stream cut short, a move out of its area, a beneficiary who left the household, an age
    limit crossed). Idempotent (one detected blockage per action and reason, by constraint); new blockages are
    dated now, on the action's creator's name, with their history row. The 90-day "18-/18+ transition" signal
    to the coordinator is a reminder (``cases.reminders``), refreshed by its own daily task.
    """
    now = timezone.now()
    opened = eligibility.detect(action_ids=None, by_id=None, at=now, with_history=True)
    return opened + eligibility.detect_funded(action_ids=None, today=today or timezone.localdate(), by_id=None, at=now)


# --- Allocations ------------------------------------------------------------------------


def _next_allocation_reference() -> tuple[int, str]:
    # The reference is the primary key, so it is unique without a retry loop and tells finance nothing.
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('funding_allocation', 'id'))")
        (pk,) = cursor.fetchone()
    return pk, allocation_reference(pk)


def allocation_reference(pk: int) -> str:
    return f"AL-{pk:09d}"


def _remaining(stream: FundingStream) -> Decimal:
    allocated = Allocation.objects.filter(stream=stream).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return stream.budget - allocated


def _lock_stream(stream_id: int) -> FundingStream:
    # Two allocations against one budget at once: the second waits and sees the first one's amount.
    return FundingStream.objects.select_for_update().select_related("silo").get(pk=stream_id)


def _write_allocation(
    *,
    action: Action,
    stream: FundingStream,
    amount: Decimal,
    period_start: datetime.date,
    period_end: datetime.date,
    by: User,
) -> Allocation:
    """Budget and period checks on a locked stream, then the row. Callers check eligibility and access."""
    errors: dict[str, list[str]] = {}
    try:
        validate_positive_amount(amount)
    except ValidationError as error:
        errors.setdefault("amount", []).extend(error.messages)
    try:
        validate_period_within(period_start, period_end, stream.valid_from, stream.valid_until)
    except ValidationError as error:
        errors.setdefault("period_start", []).extend(error.messages)
    remaining = _remaining(stream) if not errors else Decimal("0")
    if not errors and remaining < amount:
        errors["amount"] = [
            _("The stream “%(stream)s” has %(remaining)s left; this allocation needs %(amount)s.")
            % {"stream": stream.name, "remaining": f"€ {remaining:,.2f}", "amount": f"€ {amount:,.2f}"}
        ]
    if errors:
        raise ValidationError(errors)
    pk, reference = _next_allocation_reference()
    household = action.case.household
    allocation = Allocation(
        id=pk,
        reference=reference,
        action=action,
        stream=stream,
        amount=amount,
        period_start=period_start,
        period_end=period_end,
        household=household,
        neighbourhood_id=household.neighbourhood_id,
        created_by=by,
    )
    allocation.full_clean()
    allocation.save(force_insert=True)
    return allocation


@dataclass(frozen=True)
class Payment:
    """What paying an action from a stream did: the allocations written (one per stream the period runs
    through), and the blockage opened for what could not be paid (the budget, or days past the stream's end)."""

    allocations: list[Allocation]
    blockage: Blockage | None = None


@dataclass(frozen=True)
class _Part:
    stream_id: int
    start: datetime.date
    end: datetime.date


def _days(start: datetime.date, end: datetime.date) -> int:
    return (end - start).days + 1


def _share(amount: Decimal, parts: Sequence[tuple[datetime.date, datetime.date]]) -> list[Decimal]:
    """Split ``amount`` over consecutive periods by their days, in cents; the last takes the rounding."""
    total = sum(_days(start, end) for start, end in parts)
    shares = [(amount * _days(start, end) / total).quantize(CENT, rounding=ROUND_HALF_UP) for start, end in parts]
    shares[-1] = amount - sum(shares[:-1], Decimal("0"))
    return shares


def _parts(
    first: FundingStream,
    start: datetime.date,
    end: datetime.date,
    following: Callable[[FundingStream, datetime.date], FundingStream | None],
) -> tuple[list[_Part], datetime.date | None]:
    """Cut ``start`` to ``end`` at each stream's end, continuing in ``following(stream, next day)``.

    Returns the parts, and the first day no stream covers (None when the whole period is covered).
    """
    parts: list[_Part] = []
    stream: FundingStream | None = first
    day = start
    while stream is not None:
        part_end = min(end, stream.valid_until)
        parts.append(_Part(stream.pk, day, part_end))
        if part_end >= end:
            return parts, None
        day = part_end + datetime.timedelta(days=1)
        stream = following(stream, day)
    return parts, day


def _opened(blockage: Blockage, *, by: User, at: datetime.datetime) -> Blockage:
    """Save a new blockage and its first step ("opened"), whoever opened it: detection, paying or a person."""
    blockage.full_clean()
    blockage.save()
    BlockageEvent.objects.create(
        blockage=blockage,
        kind=BlockageEvent.Kind.OPENED,
        to_status=BlockageStatus.OPEN,
        level=blockage.level,
        by=by,
        at=at,
    )
    return blockage


def _detected_blockage(
    *,
    action: Action,
    reason: str,
    stream: FundingStream,
    euros_stuck: Decimal,
    by: User,
    gap: tuple[datetime.date, datetime.date] | None = None,
    takeover_stream_id: int | None = None,
) -> Blockage:
    """Open the blockage the rules found while paying (one per action and reason, as detection keeps it)."""
    existing = Blockage.objects.filter(action=action, reason=reason, source=Blockage.Source.DETECTED).first()
    if existing is not None:
        return existing
    now = timezone.now()
    blockage = Blockage(
        action=action,
        source=Blockage.Source.DETECTED,
        reason=reason,
        stream=stream,
        silo_id=stream.silo_id,
        euros_stuck=euros_stuck,
        gap_from=gap[0] if gap else None,
        gap_until=gap[1] if gap else None,
        takeover_stream_id=takeover_stream_id,
        opened_at=now,
        opened_by=by,
        neighbourhood_id=action.case.household.neighbourhood_id,
    )
    return _opened(blockage, by=by, at=now)


@service
def allocation_create(
    *,
    action: Action,
    stream: FundingStream,
    amount: Decimal,
    period_start: datetime.date,
    period_end: datetime.date,
    by: User,
) -> Payment:
    """Pay an action from a stream its rules allow, for an amount and a period.

    The rules are checked over the period paid (the rest of an action can be paid from another stream). A
    period past the stream's end continues in the same silo's stream of the next period (one allocation per
    stream, the amount shared by days); days no stream covers are a blockage "the stream ends before the
    action" with those dates. A beneficiary who passes the stream's age limit during the period is paid for
    up to the day before that birthday; the days from it are a blockage "age limit" naming the date and the
    stream that could take over (Wmo after Jeugdwet), which can then pay them. A stream whose budget cannot
    carry its part is a blockage "budget exhausted", and nothing is paid. Either way one transaction.
    """
    if not Action.objects.visible_to(by).filter(pk=action.pk).exists():
        raise PermissionDenied
    action = Action.objects.select_related("case__team", "case__household").get(pk=action.pk)
    if not policy.may_pay_from_stream(by, action.case.team):
        raise PermissionDenied
    if not action.case.is_open:
        raise ValidationError(_("This case is closed; it can no longer be changed."))
    stream = _lock_stream(stream.pk)
    if stream.silo.silo_free:
        raise ValidationError(
            {"stream": [_("The flexible budget pays only through a doorbraak decision on a blockage.")]}
        )
    errors: dict[str, list[str]] = {}
    try:
        validate_positive_amount(amount)
    except ValidationError as error:
        errors["amount"] = error.messages
    if period_end < period_start:
        errors["period_end"] = [_("The end cannot be before the start.")]
    elif not stream.valid_from <= period_start <= stream.valid_until:
        errors["period_start"] = [
            _("The stream “%(stream)s” runs from %(start)s to %(end)s; start the period within it.")
            % {"stream": stream.name, "start": date_format(stream.valid_from), "end": date_format(stream.valid_until)}
        ]
    if errors:
        raise ValidationError(errors)
    check = next(
        (c for c in eligibility.stream_checks(action.pk, period_start, period_end) if c.stream_id == stream.pk), None
    )
    if check is None or check.stage < eligibility.PAYABLE_FROM:
        raise ValidationError({"stream": [_("This funding stream's rules do not allow it to pay for this action.")]})
    # An age limit crossed inside the period: this stream (and its continuations) pays up to the day before.
    age_gap: tuple[datetime.date, datetime.date] | None = None
    covered_until = period_end
    if check.stage == eligibility.STAGE_AGE_LIMIT and check.crossing_day is not None:
        age_gap = (check.crossing_day, period_end)
        covered_until = check.crossing_day - datetime.timedelta(days=1)
    parts, uncovered_from = _parts(
        stream, period_start, covered_until, lambda current, _day: FundingStream.objects.continuing(current).first()
    )
    periods = [(part.start, part.end) for part in parts]
    if uncovered_from is not None:
        periods.append((uncovered_from, covered_until))
    if age_gap is not None:
        periods.append(age_gap)
    shares = _share(amount, periods)
    locked = {part.stream_id: _lock_stream(part.stream_id) for part in parts}
    for part, share in zip(parts, shares, strict=False):
        if _remaining(locked[part.stream_id]) < share:
            blockage = _detected_blockage(
                action=action,
                reason=BlockageReason.BUDGET_EXHAUSTED,
                stream=locked[part.stream_id],
                euros_stuck=amount,
                by=by,
            )
            return Payment(allocations=[], blockage=blockage)
    allocations = [
        _write_allocation(
            action=action,
            stream=locked[part.stream_id],
            amount=share,
            period_start=part.start,
            period_end=part.end,
            by=by,
        )
        for part, share in zip(parts, shares, strict=False)
    ]
    uncovered: Blockage | None = None
    if uncovered_from is not None:
        uncovered = _detected_blockage(
            action=action,
            reason=BlockageReason.STREAM_ENDS,
            stream=locked[parts[-1].stream_id],
            euros_stuck=shares[len(parts)],
            by=by,
            gap=(uncovered_from, covered_until),
        )
    if age_gap is not None:
        uncovered = _detected_blockage(
            action=action,
            reason=BlockageReason.AGE_LIMIT,
            stream=stream,
            euros_stuck=shares[-1],
            by=by,
            gap=age_gap,
            takeover_stream_id=check.takeover_stream_id,
        )
    return Payment(allocations=allocations, blockage=uncovered)


# --- Blockages: registration by hand ----------------------------------------------------------


@service
def blockage_register(
    *,
    action: Action,
    by: User,
    rule: str,
    household_impact: str,
    euros_stuck: Decimal,
    delay_days: int,
    reason: str = BlockageReason.OTHER,
    silo: Silo | None = None,
) -> Blockage:
    """A professional reports a blockage the rules did not catch, citing the rule and what it costs."""
    if not Action.objects.visible_to(by).filter(pk=action.pk).exists():
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if not action.case.is_open:
        errors["__all__"] = [_("This case is closed; it can no longer be changed.")]
    if not rule.strip():
        errors["rule"] = [_("Cite the rule that blocks.")]
    if not household_impact.strip():
        errors["household_impact"] = [_("Say what the blockage costs the household.")]
    if euros_stuck < 0:
        errors["euros_stuck"] = [_("Enter an amount of zero or more.")]
    if delay_days < 0:
        errors["delay_days"] = [_("Enter a number of days of zero or more.")]
    if reason not in BlockageReason.values:
        errors["reason"] = [_("Unknown reason.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    blockage = Blockage(
        action=action,
        source=Blockage.Source.REGISTERED,
        reason=reason,
        silo=silo,
        rule=rule.strip(),
        household_impact=household_impact.strip(),
        euros_stuck=euros_stuck,
        delay_days=delay_days,
        opened_at=now,
        opened_by=by,
        neighbourhood_id=action.case.household.neighbourhood_id,
    )
    return _opened(blockage, by=by, at=now)


# --- Blockages: the workflow --------------------------------------------------------------------


def _may_act_as(user: User, blockage: Blockage, actor: workflow.Actor) -> bool:
    case = blockage.action.case
    if actor == workflow.Actor.TEAM_MEMBER:
        return Blockage.objects.visible_to(user).filter(pk=blockage.pk).exists()
    if actor == workflow.Actor.TEAM_LEAD:
        return (
            user.role == Role.TEAM_LEAD
            and TeamMembership.objects.current().filter(user_id=user.pk, team_id=case.team_id).exists()
        )
    return (
        policy.may_escalate_beyond_team(user) and Blockage.objects.in_register_of(user).filter(pk=blockage.pk).exists()
    )


def may_take_step(user: User, blockage: Blockage, step: str) -> bool:
    """For screens: whether to offer the step (the services check again)."""
    return workflow.refusal(blockage.status, blockage.level, step) is None and _may_act_as(
        user, blockage, workflow.actor(blockage.level, step)
    )


def _lock_blockage(blockage: Blockage) -> Blockage:
    # A team lead and the bureau acting on one blockage at once: the second sees the first one's step.
    return (
        Blockage.objects.select_for_update(of=("self",)).select_related("action__case__household").get(pk=blockage.pk)
    )


def _take_step(
    *,
    blockage: Blockage,
    step: workflow.Step,
    by: User,
    note: str = "",
    resolution: str = "",
    allocation: Allocation | None = None,
) -> Blockage:
    """Check the table and the actor, move the blockage, and record the event; the caller holds the lock."""
    refusal = workflow.refusal(blockage.status, blockage.level, step)
    if refusal:
        raise ValidationError({"step": [refusal]})
    if not _may_act_as(by, blockage, workflow.actor(blockage.level, step)):
        raise PermissionDenied
    previous = blockage.status
    shared = step == workflow.Step.ESCALATE and workflow.NEXT_LEVEL[blockage.level] in workflow.REGISTER_LEVELS
    if shared and note.strip():
        _check_note_for_register(note, blockage)
    blockage.status, blockage.level = workflow.target(blockage.status, blockage.level, step)
    now = timezone.now()
    if step != workflow.Step.ESCALATE:
        blockage.closed_at = now
    blockage.resolution = resolution
    blockage.allocation = allocation
    blockage.full_clean()
    blockage.save(update_fields=["status", "level", "resolution", "allocation", "closed_at"])
    kinds = {
        workflow.Step.ESCALATE: BlockageEvent.Kind.ESCALATED,
        workflow.Step.RESOLVE: BlockageEvent.Kind.RESOLVED,
        workflow.Step.NOT_RESOLVABLE: BlockageEvent.Kind.NOT_RESOLVABLE,
    }
    event = BlockageEvent.objects.create(
        blockage=blockage,
        kind=kinds[step],
        from_status=previous,
        to_status=blockage.status,
        level=blockage.level,
        resolution=resolution,
        note=note.strip(),
        shared_with_register=shared,
        by=by,
        at=now,
    )
    if step == workflow.Step.ESCALATE:
        # Whoever can act at the new level hears of it in the application, once this commits.
        notify(kind="blockage_escalated", subject_id=event.pk)
    return blockage


def _check_note_for_register(note: str, blockage: Blockage) -> None:
    """A note the programme bureau will read holds no BSN and no name of anyone in the household."""
    people = Person.objects.filter(memberships__household_id=blockage.action.case.household_id).values_list(
        "first_name", "surname_prefix", "last_name"
    )
    names = [name for first, prefix, last in people for name in (first, last, f"{prefix} {last}" if prefix else "")]
    found = personal_details_in(note, names)
    if found:
        raise ValidationError(
            {
                "note": [
                    _("This note goes to the programme bureau, which may not see names or BSNs. Remove: %(found)s.")
                    % {"found": ", ".join(f"“{item}”" for item in found)}
                ]
            }
        )


@service
def blockage_escalate(*, blockage: Blockage, by: User, note: str = "") -> Blockage:
    """One rung up: team lead → programme bureau → municipality → Rijk."""
    return _take_step(blockage=_lock_blockage(blockage), step=workflow.Step.ESCALATE, by=by, note=note)


@service
def blockage_resolve(*, blockage: Blockage, by: User, resolution: str, note: str = "") -> Blockage:
    """Resolved by an exemption or another route. Paying from the flexible budget is ``blockage_pay_flexible``."""
    if resolution not in {BlockageResolution.EXEMPTION, BlockageResolution.OTHER_ROUTE}:
        raise ValidationError({"resolution": [_("Choose an exemption or another route.")]})
    if not note.strip():
        raise ValidationError({"note": [_("Describe how the blockage was resolved.")]})
    return _take_step(
        blockage=_lock_blockage(blockage), step=workflow.Step.RESOLVE, by=by, note=note, resolution=resolution
    )


@service
def blockage_mark_not_resolvable(*, blockage: Blockage, by: User, note: str) -> Blockage:
    if not note.strip():
        raise ValidationError({"note": [_("Say why the blockage cannot be resolved.")]})
    return _take_step(blockage=_lock_blockage(blockage), step=workflow.Step.NOT_RESOLVABLE, by=by, note=note)


@service
def blockage_pay_flexible(*, blockage: Blockage, by: User, amount: Decimal | None = None, note: str = "") -> Blockage:
    """Doorbraak: pay the action from the flexible budget and resolve the blockage, in one transaction.

    Over the action's real period: one allocation per year's flexible stream it runs through, the amount
    shared by days (the blockage points at the first). A year without a flexible stream is refused by name.
    The allocations and the resolution commit together or not at all: a refusal (no flexible budget left,
    a year without one, a step not allowed) writes nothing.
    """
    blockage = _lock_blockage(blockage)
    refusal = workflow.refusal(blockage.status, blockage.level, workflow.Step.RESOLVE)
    if refusal:
        raise ValidationError({"step": [refusal]})
    if not _may_act_as(by, blockage, workflow.actor(blockage.level, workflow.Step.RESOLVE)):
        raise PermissionDenied
    action = blockage.action
    amount = amount if amount is not None else (blockage.euros_stuck or action.planned_cost)
    today = timezone.localdate()
    municipality_id = action.case.team.municipality_id
    # The action's real period: a doorbraak for help that runs into next year charges next year's flexible
    # budget for those days (one allocation per year's flexible stream), not this year's last weeks.
    start = action.start_date or today

    def flexible_on(day: datetime.date) -> FundingStream | None:
        candidate = (
            FundingStream.objects.flexible()
            .active_on(day)
            .for_municipality(municipality_id)
            .order_by("valid_until", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        return _lock_stream(candidate) if candidate is not None else None

    first = flexible_on(start)
    if first is None:
        raise ValidationError(
            {"amount": [_("There is no flexible budget for %(year)s in this municipality.") % {"year": start.year}]}
        )
    # Without an end date the real period is unknown: a quarter, within the flexible budget that pays its start.
    end = max(start, action.end_date or min(start + datetime.timedelta(days=90), first.valid_until))
    parts, uncovered_from = _parts(first, start, end, lambda _current, day: flexible_on(day))
    if uncovered_from is not None:
        raise ValidationError(
            {
                "amount": [
                    _(
                        "The action runs until %(end)s, but this municipality has no flexible budget for "
                        "%(year)s (from %(start)s on). A doorbraak pays the action's whole period: open the "
                        "flexible budget of %(year)s first."
                    )
                    % {"end": date_format(end), "year": uncovered_from.year, "start": date_format(uncovered_from)}
                ]
            }
        )
    shares = _share(amount, [(part.start, part.end) for part in parts])
    allocations = [
        _write_allocation(
            action=action,
            stream=_lock_stream(part.stream_id),
            amount=share,
            period_start=part.start,
            period_end=part.end,
            by=by,
        )
        for part, share in zip(parts, shares, strict=True)
    ]
    allocation = allocations[0]
    return _take_step(
        blockage=blockage,
        step=workflow.Step.RESOLVE,
        by=by,
        note=note,
        resolution=BlockageResolution.FLEXIBLE_BUDGET,
        allocation=allocation,
    )

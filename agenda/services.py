"""Writes of the agenda: each a service in one transaction, the write history naming who did it."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Action, Case, CaseConference
from organisations.models import User
from privacy import policy
from privacy.actor import service

from .models import Appointment, CalendarFeed, Task, new_feed_token

RECENT_KEPT = 10


def _require_case(by: User, case: Case) -> None:
    if not Case.objects.visible_to(by).filter(pk=case.pk).exists():
        raise PermissionDenied
    if not case.is_open:
        raise ValidationError(_("This case is closed; it can no longer be changed."))


def _require_owner_on_case(owner: User, case: Case) -> None:
    """The owner must see the case: a task for someone who cannot open it helps nobody."""
    if not Case.objects.visible_to(owner).filter(pk=case.pk).exists():
        raise ValidationError({"owner": [_("Choose someone who works on this case.")]})


@service
def task_create(
    *,
    case: Case,
    by: User,
    owner: User,
    title: str,
    due_on: datetime.date,
    action: Action | None = None,
    conference: CaseConference | None = None,
) -> Task:
    _require_case(by, case)
    _require_owner_on_case(owner, case)
    if action is not None and action.case_id != case.pk:
        raise ValidationError({"action": [_("Choose an action of this case.")]})
    if conference is None and action is not None:
        conference = action.conference
    if conference is not None and conference.case_id != case.pk:
        raise ValidationError({"action": [_("Choose an action of this case.")]})
    task = Task(
        case=case,
        owner=owner,
        title=title.strip(),
        due_on=due_on,
        action=action,
        conference=conference,
        created_by=by,
    )
    task.full_clean()
    task.save()
    return task


@service
def task_set_done(*, task: Task, by: User, done: bool = True) -> Task:
    """Tick a task off (or undo that); its owner or anyone on the case may."""
    _require_case(by, task.case)
    task = Task.objects.select_for_update().get(pk=task.pk)
    task.done_at = timezone.now() if done else None
    task.save(update_fields=["done_at"])
    return task


@service
def appointment_create(
    *,
    case: Case,
    by: User,
    owner: User,
    title: str,
    starts_at: datetime.datetime,
    place: str,
    duration_minutes: int = 60,
) -> Appointment:
    _require_case(by, case)
    _require_owner_on_case(owner, case)
    appointment = Appointment(
        case=case,
        owner=owner,
        title=title.strip(),
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=place.strip(),
        created_by=by,
    )
    appointment.full_clean()
    appointment.save()
    return appointment


@service
def appointment_cancel(*, appointment: Appointment, by: User) -> Appointment:
    _require_case(by, appointment.case)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.cancelled_at is None:
        appointment.cancelled_at = timezone.now()
        appointment.save(update_fields=["cancelled_at"])
    return appointment


@service
def calendar_feed_reset(*, by: User) -> CalendarFeed:
    """A new secret for the user's feed: the old URL stops working at once."""
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=by)
    if not created:
        feed.token = new_feed_token()
        feed.save(update_fields=["token"])
    return feed


def calendar_feed_of(user: User) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


def recent_household_record(*, user: User, household_id: int) -> None:
    """Remember that ``user`` opened the household, keeping their last ten: one statement.

    The upsert and the pruning are one data-modifying CTE, so the household page pays one
    query for it. The DELETE sees the rows as they were before the upsert: it keeps the
    nine newest others and the one just written.
    """
    if not policy.may_see_casework(user):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH upsert AS (
                INSERT INTO agenda_recenthousehold (user_id, household_id, viewed_at)
                VALUES (%(user)s, %(household)s, now())
                ON CONFLICT (user_id, household_id) DO UPDATE SET viewed_at = EXCLUDED.viewed_at
                RETURNING id
            )
            DELETE FROM agenda_recenthousehold
             WHERE user_id = %(user)s
               AND id NOT IN (SELECT id FROM upsert)
               AND id NOT IN (
                    SELECT id FROM agenda_recenthousehold WHERE user_id = %(user)s AND household_id <> %(household)s
                     ORDER BY viewed_at DESC, id DESC LIMIT %(keep)s
               )
            """,
            {"user": user.pk, "household": household_id, "keep": RECENT_KEPT - 1},
        )

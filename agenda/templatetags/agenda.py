"""``{% case_agenda case %}``: the case's open tasks and coming appointments on the household page.

The case came through ``Case.objects.visible_to`` (the household page's one read of the
policy); what hangs under it is read through the relation, as the page's other panels do.
One query, whatever the number of rows: the open tasks and the coming appointments as one
``UNION ALL`` of the columns the panel shows, each row a light ``AgendaEntry``; none when the page
read them with the case (``with_agenda_rows``).
"""

from __future__ import annotations

import datetime
import functools
import uuid
from dataclasses import dataclass
from typing import Any

from django import template
from django.contrib.auth import get_user_model
from django.db.models import CharField, DateField, DateTimeField, F, JSONField, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from cases.models import Case

from ..models import Appointment, Task

register = template.Library()


@dataclass(frozen=True, slots=True)
class AgendaEntry:
    """A task (``due_on``) or an appointment (``starts_at``, ``place``) as the panel shows it."""

    uuid: uuid.UUID
    title: str
    due_on: datetime.date | None
    starts_at: datetime.datetime | None
    place: str
    owner_name: str  # the owner's full name, else their username (as ``User.get_full_name|default:username``)


def _columns(kind: str, *, due_on: Any, starts_at: Any, place: Any) -> dict[str, Any]:
    """The panel's columns under names of their own, in one order: both halves of the UNION line up."""
    return {
        "entry_kind": Value(kind, output_field=CharField()),
        "entry_id": F("id"),
        "entry_uuid": F("uuid"),
        "entry_title": F("title"),
        "entry_due_on": due_on,
        "entry_starts_at": starts_at,
        "entry_place": place,
        "owner_first": F("owner__first_name"),
        "owner_last": F("owner__last_name"),
        "owner_username": F("owner__username"),
    }


def case_agenda_entries(case: Case) -> tuple[list[AgendaEntry], list[AgendaEntry]]:
    """The case's open tasks (soonest due first) and coming appointments (earliest first), in one query."""
    task_columns = _columns(
        "task",
        due_on=F("due_on"),
        starts_at=Value(None, output_field=DateTimeField()),
        place=Value("", output_field=CharField()),
    )
    appointment_columns = _columns(
        "appointment", due_on=Value(None, output_field=DateField()), starts_at=F("starts_at"), place=F("place")
    )
    tasks = Task.objects.filter(case=case).open().annotate(**task_columns).values_list(*task_columns)
    appointments = (
        Appointment.objects.filter(case=case)
        .upcoming()
        .annotate(**appointment_columns)
        .values_list(*appointment_columns)
    )
    # Each kind in the order it had on its own: tasks by due date, appointments by start, then by id.
    order = ("entry_kind", "entry_due_on", "entry_starts_at", "entry_id")
    rows = tasks.union(appointments, all=True).order_by(*order)
    entries: dict[str, list[AgendaEntry]] = {"task": [], "appointment": []}
    for kind, _id, row_uuid, title, due_on, starts_at, place, first, last, username in rows:
        name = f"{first} {last}".strip() or username
        entries[kind].append(AgendaEntry(row_uuid, title, due_on, starts_at, place, name))
    return entries["task"], entries["appointment"]


@functools.cache
def _agenda_rows_sql() -> str:
    task, appointment = Task._meta.db_table, Appointment._meta.db_table
    user, case = get_user_model()._meta.db_table, Case._meta.db_table
    # The rules of TaskQuerySet.open (not done) and AppointmentQuerySet.upcoming (not cancelled, from a day
    # ago, the parameter); each kind in the order case_agenda_entries gives it.
    return f"""
        SELECT jsonb_build_object(
          'task', (SELECT coalesce(jsonb_agg(jsonb_build_array(t.uuid, t.title, t.due_on, NULL, '', u.first_name,
                                                               u.last_name, u.username) ORDER BY t.due_on, t.id), '[]')
                     FROM {task} t LEFT JOIN {user} u ON u.id = t.owner_id
                    WHERE t.case_id = {case}.id AND t.done_at IS NULL),
          'appointment', (SELECT coalesce(jsonb_agg(jsonb_build_array(a.uuid, a.title, NULL, a.starts_at, a.place,
                                                                      u.first_name, u.last_name, u.username)
                                                    ORDER BY a.starts_at, a.id), '[]')
                            FROM {appointment} a LEFT JOIN {user} u ON u.id = a.owner_id
                           WHERE a.case_id = {case}.id AND a.cancelled_at IS NULL AND a.starts_at >= %s))
    """  # noqa: S608 - table and column names from the models; the moment a parameter


def with_agenda_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases with their open tasks and coming appointments read in the same query, as JSON rows: the
    household page's panel (``{% case_agenda case %}``) then needs no query of its own."""
    since = timezone.now() - datetime.timedelta(days=1)
    return cases.annotate(agenda_rows=RawSQL(f"({_agenda_rows_sql()})", (since,), output_field=JSONField()))  # noqa: S611


def _entry(row: list[Any]) -> AgendaEntry:
    row_uuid, title, due_on, starts_at, place, first, last, username = row
    return AgendaEntry(
        uuid.UUID(row_uuid),
        title,
        datetime.date.fromisoformat(due_on) if due_on else None,
        datetime.datetime.fromisoformat(starts_at) if starts_at else None,
        place,
        f"{first} {last}".strip() or username,
    )


@register.inclusion_tag("agenda/_household.html", takes_context=True)
def case_agenda(context: template.Context, case: Case) -> dict[str, Any]:
    rows = getattr(case, "agenda_rows", None)  # read with the case (with_agenda_rows), else one query here
    if rows is not None:
        tasks, appointments = [_entry(row) for row in rows["task"]], [_entry(row) for row in rows["appointment"]]
    else:
        tasks, appointments = case_agenda_entries(case)
    return {
        "case": case,
        "tasks": tasks,
        "appointments": appointments,
        "today": context.get("today"),
        "csrf_token": context.get("csrf_token"),
    }

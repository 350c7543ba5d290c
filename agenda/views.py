"""The agenda's screens: a task or appointment on a case, ticking one off, and the calendar feed."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases.formviews.base import CaseFormView, household_url
from common.http import AuthenticatedHttpRequest
from organisations.models import User
from privacy import access_log, policy
from privacy.access import get_visible_or_404, record_refused

from . import ical, services
from .forms import AppointmentForm, TaskForm
from .models import Appointment, CalendarFeed, Task

# How far back and ahead the feed reaches: a calendar needs no history of years.
FEED_PAST = datetime.timedelta(days=30)
FEED_AHEAD = datetime.timedelta(days=365)


class TaskCreateView(CaseFormView):
    form_class = TaskForm
    template_name = "cases/forms/simple_form.html"
    title = gettext_lazy("Add a task")
    submit_label = gettext_lazy("Add the task")
    success_message = gettext_lazy("Task added.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"choices": self.choices, "user": self.request.user}

    def perform(self, form: forms.Form) -> None:
        data = form.cleaned_data
        services.task_create(
            case=self.case,
            by=self.request.user,
            owner=data["owner"],
            title=data["title"],
            due_on=data["due_on"],
            action=data.get("action"),
        )


class AppointmentCreateView(CaseFormView):
    form_class = AppointmentForm
    template_name = "cases/forms/simple_form.html"
    title = gettext_lazy("Make an appointment")
    submit_label = gettext_lazy("Save the appointment")
    success_message = gettext_lazy("Appointment saved.")

    def form_kwargs(self) -> dict[str, Any]:
        return {"choices": self.choices, "user": self.request.user}

    def perform(self, form: forms.Form) -> None:
        assert isinstance(form, AppointmentForm)
        data = form.cleaned_data
        services.appointment_create(
            case=self.case,
            by=self.request.user,
            owner=data["owner"],
            title=data["title"],
            starts_at=form.starts_at(),
            place=data["place"],
            duration_minutes=data["duration_minutes"],
        )


def _back(request: AuthenticatedHttpRequest, fallback: str) -> HttpResponseRedirect:
    """Back to Vandaag when the form came from there, else to the household page: a fixed choice, no free URL."""
    return HttpResponseRedirect(reverse("home") if request.POST.get("terug") == "vandaag" else fallback)


def _case_record(request: AuthenticatedHttpRequest, queryset: Any, *, detail: str, uuid: str) -> Any:
    """A task or appointment the user may see, through its case's door; the change is logged (a refused one too).

    Like a blockage step, ticking one off shows nothing of the household, so no reason is asked first.
    """
    return get_visible_or_404(
        queryset.select_related("case__household"), request, action=access_log.Action.UPDATE, detail=detail, uuid=uuid
    )


@login_required
@require_POST
def task_done(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    task = _case_record(request, Task.objects.all(), detail="task done", uuid=uuid)
    done = request.POST.get("klaar", "1") == "1"
    try:
        services.task_set_done(task=task, by=request.user, done=done)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Task ticked off.") if done else _("Task opened again."))
    return _back(request, household_url(task.case))


@login_required
@require_POST
def appointment_cancel(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    appointment = _case_record(request, Appointment.objects.all(), detail="appointment cancelled", uuid=uuid)
    try:
        services.appointment_cancel(appointment=appointment, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Appointment cancelled."))
    return _back(request, household_url(appointment.case))


@login_required
def calendar_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's feed address, and a button that gives it a new secret."""
    if not policy.may_see_casework(request.user):
        record_refused(request, detail="calendar feed")
        raise Http404
    if request.method == "POST":
        services.calendar_feed_reset(by=request.user)
        messages.success(request, _("Your calendar address has been renewed; the old one no longer works."))
        return HttpResponseRedirect(reverse("agenda:calendar"))
    feed = services.calendar_feed_of(request.user)
    url = request.build_absolute_uri(reverse("agenda:feed", args=[feed.token]))
    return render(request, "agenda/calendar.html", {"feed_url": url})


def feed_events(user: User) -> tuple[list[ical.Event], list[access_log.Subject]]:
    """The user's open tasks and planned appointments on cases they still see, by case reference only."""
    now = timezone.now()
    today = timezone.localdate()
    tasks = (
        Task.objects.owned_by(user)
        .open()
        .filter(due_on__gte=today - FEED_PAST, due_on__lte=today + FEED_AHEAD)
        .select_related("case__household")
    )
    appointments = (
        Appointment.objects.owned_by(user)
        .planned()
        .filter(starts_at__gte=now - FEED_PAST, starts_at__lte=now + FEED_AHEAD)
        .select_related("case__household")
    )
    events = [
        ical.Event(
            uid=f"task-{task.uuid}@wijkteam",
            summary=_("Task for case %(reference)s") % {"reference": task.case.reference},
            url=reverse("cases:household", args=[task.case.household.uuid]),
            start=task.due_on,
            end=task.due_on + datetime.timedelta(days=1),
            stamp=task.created_at,
        )
        for task in tasks
    ]
    events += [
        ical.Event(
            uid=f"appointment-{appointment.uuid}@wijkteam",
            summary=_("Appointment for case %(reference)s") % {"reference": appointment.case.reference},
            url=reverse("cases:household", args=[appointment.case.household.uuid]),
            start=appointment.starts_at,
            end=appointment.ends_at,
            stamp=appointment.created_at,
        )
        for appointment in appointments
    ]
    cases = {(row.case_id, row.case.household_id) for row in [*tasks, *appointments]}
    subjects = [
        access_log.Subject(case_id=case_id, household_id=household_id, object_type="cases.case")
        for case_id, household_id in sorted(cases)
    ]
    return events, subjects


@require_GET
def calendar_feed(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """The feed itself: no session (a calendar application fetches it), the secret in the URL is the key.

    A reset token, a disabled account or a role without casework answers 404, as an unknown one does.
    Each fetch is one access-log row per case it names.
    """
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not policy.may_see_casework(feed.user):
        raise Http404
    user = feed.user
    events, subjects = feed_events(user)
    events = [dataclasses.replace(event, url=request.build_absolute_uri(event.url)) for event in events]
    # One row per case the feed names, in one INSERT: the calendar application reads on the user's behalf.
    # The log keeps the path: without the secret, or whoever reads the log could subscribe to the feed.
    request.path = reverse("agenda:feed", args=["-"])
    access_log.record_many(
        user=user, action=access_log.Action.READ, subjects=subjects, request=request, detail="calendar feed"
    )
    body = ical.calendar(events, name=_("Wijkteam agenda"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response

"""The professional's day: tasks and appointments on a case, the calendar feed, and recently viewed households.

Tasks and appointments are case data: visible with their case (``visible_to`` asks the
policy through the case), kept in the write history (``cases/history.py``) and scrubbed
with the case (``privacy.retention.cases_anonymise``). What leaves the application in the
calendar feed is a case reference and a time, never a title or a place (``ical.py``).
"""

from __future__ import annotations

import datetime
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from privacy.actor import history_user

from .querysets import AppointmentQuerySet, RecentHouseholdQuerySet, TaskQuerySet


class Task(models.Model):
    """Something one professional does for a case before a date ("call the school before Friday")."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="tasks", verbose_name=_("case"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("owner")
    )
    title = models.CharField(_("what to do"), max_length=200)
    due_on = models.DateField(_("due date"))
    # Where it comes from, when it does: an action of the plan, or an item agreed in a case conference.
    action = models.ForeignKey(
        "cases.Action",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("from action"),
    )
    conference = models.ForeignKey(
        "cases.CaseConference",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("from case conference"),
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = TaskQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            # "My open tasks up to a date": the Vandaag page and the calendar feed.
            models.Index(fields=["owner", "due_on"], condition=Q(done_at__isnull=True), name="task_open_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Appointment(models.Model):
    """An afspraak for a case: a date, a time and a place, kept by one professional."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="appointments", verbose_name=_("case")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("owner")
    )
    title = models.CharField(_("what"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=60)
    place = models.CharField(_("place"), max_length=200)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = AppointmentQuerySet.as_manager()

    history = HistoricalRecords(get_user=history_user)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [models.Index(fields=["owner", "starts_at"], name="appointment_owner_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="appointment_duration_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The secret of one user's calendar feed URL; resetting it makes the old URL answer 404."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("user")
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user_id}"


class RecentHousehold(models.Model):
    """That a user opened a household's page, and when: their last ten, shown on Vandaag."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    household = models.ForeignKey(
        "cases.Household", on_delete=models.CASCADE, related_name="+", verbose_name=_("household")
    )
    viewed_at = models.DateTimeField(_("viewed at"), default=timezone.now)

    objects = RecentHouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("recently viewed household")
        verbose_name_plural = _("recently viewed households")
        constraints = [models.UniqueConstraint(fields=["user", "household"], name="recent_household_once")]
        indexes = [models.Index(fields=["user", "-viewed_at"], name="recent_household_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.household_id}"

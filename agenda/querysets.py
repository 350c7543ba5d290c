"""Reads of the agenda, named for the question; the Vandaag page, the household page and the feed share them."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.utils import timezone

from cases.querysets import CaseScopedQuerySet
from organisations.models import User
from privacy import policy

if TYPE_CHECKING:
    from .models import Appointment, RecentHousehold, Task  # noqa: F401


def week_end(day: datetime.date) -> datetime.date:
    """The Sunday that ends ``day``'s week (Monday first, as in the Netherlands)."""
    return day + datetime.timedelta(days=6 - day.weekday())


class TaskQuerySet(CaseScopedQuerySet["Task"]):
    def open(self) -> TaskQuerySet:
        return self.filter(done_at__isnull=True)

    def owned_by(self, user: User | AnonymousUser) -> TaskQuerySet:
        """The user's own tasks on cases they still see (a task on a case they left is not theirs to read)."""
        return cast(TaskQuerySet, self.visible_to(user)).filter(owner_id=getattr(user, "pk", None))

    def due_this_week(self, user: User, today: datetime.date | None = None) -> TaskQuerySet:
        """My open tasks due by the end of this week, overdue ones included, soonest first."""
        day = today or timezone.localdate()
        return self.owned_by(user).open().filter(due_on__lte=week_end(day)).order_by("due_on", "id")


class AppointmentQuerySet(CaseScopedQuerySet["Appointment"]):
    def planned(self) -> AppointmentQuerySet:
        return self.filter(cancelled_at__isnull=True)

    def owned_by(self, user: User | AnonymousUser) -> AppointmentQuerySet:
        return cast(AppointmentQuerySet, self.visible_to(user)).filter(owner_id=getattr(user, "pk", None))

    def this_week(self, user: User, today: datetime.date | None = None) -> AppointmentQuerySet:
        """My appointments from today to the end of this week, earliest first."""
        day = today or timezone.localdate()
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        end = timezone.make_aware(
            datetime.datetime.combine(week_end(day) + datetime.timedelta(days=1), datetime.time.min)
        )
        return self.owned_by(user).planned().filter(starts_at__gte=start, starts_at__lt=end).order_by("starts_at", "id")

    def upcoming(self) -> AppointmentQuerySet:
        return self.planned().filter(starts_at__gte=timezone.now() - datetime.timedelta(days=1))


class RecentHouseholdQuerySet(models.QuerySet["RecentHousehold"]):
    def visible_to(self, user: User | AnonymousUser) -> RecentHouseholdQuerySet:
        """One's own visits, to households one still sees (checked when read, not when recorded)."""
        if not policy.may_see_casework(user):
            return self.none()
        assert isinstance(user, User)
        return self.filter(user_id=user.pk, household_id__in=policy.visible_case_ids(user, "household_id"))

    def last_ten(self, user: User | AnonymousUser) -> RecentHouseholdQuerySet:
        return self.visible_to(user).select_related("household").order_by("-viewed_at", "-id")[:10]

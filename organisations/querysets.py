from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone

if TYPE_CHECKING:
    from .models import Area, TeamMembership  # noqa: F401


class AreaQuerySet(models.QuerySet["Area"]):
    def districts(self) -> AreaQuerySet:
        return self.filter(kind="wijk")

    def neighbourhoods(self) -> AreaQuerySet:
        return self.filter(kind="buurt")


class TeamMembershipQuerySet(models.QuerySet["TeamMembership"]):
    def current(self, on: datetime.date | None = None) -> TeamMembershipQuerySet:
        """Memberships in force on a date (today by default): begun, and not yet ended.

        The end date is the first day without the membership: one ended today
        gives no access today (ending takes effect at the next request).
        """
        day = on or timezone.localdate()
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gt=day))

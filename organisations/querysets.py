from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

if TYPE_CHECKING:
    from .models import Area, TeamMembership, User  # noqa: F401


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


def membership_changes_of(team_ids: Iterable[int], *, limit: int = 100) -> models.QuerySet[Any]:
    """The write history of the memberships of these teams (a lead's: ``policy.team_ids_of``), newest first."""
    from .models import TeamMembership

    history = TeamMembership.history.model.objects
    return (
        history.filter(team_id__in=team_ids)
        .select_related("team", "user", "history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )


# The change reason of a history row that changed who pays a team's actions (``services.team_settings_save``).
ALLOCATED_BY_CHANGED = "allocated_by"


def settings_changes_of(team_ids: Iterable[int]) -> dict[int, Any]:
    """Per team, the write-history row of the last change of who pays its actions (none when never changed).

    One query over the teams' history (a team's history is short: its settings and renamings); a row
    counts when the settings screen named the change (``ALLOCATED_BY_CHANGED``: a team created by a bulk
    load has no first row to compare with), or when its ``allocated_by`` differs from the row before it
    (a change in the admin site).
    """
    from .models import Team

    rows = (
        Team.history.model.objects.filter(id__in=list(team_ids))
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    last: dict[int, Any] = {}
    previous: dict[int, str] = {}
    for row in rows:
        named = row.history_change_reason == ALLOCATED_BY_CHANGED
        if named or (row.id in previous and previous[row.id] != row.allocated_by):
            last[row.id] = row
        previous[row.id] = row.allocated_by
    return last

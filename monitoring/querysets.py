"""Reads of the summary tables. No method here touches a ``cases`` table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from organisations.models import User

    from .models import PrecisionReview, SummaryRun  # noqa: F401 (named in a string below)


class SummaryRunQuerySet(models.QuerySet["SummaryRun"]):
    def finished(self) -> SummaryRunQuerySet:
        return self.filter(finished_at__isnull=False).order_by("-started_at", "-id")


class SummaryQuerySet(models.QuerySet[Any]):
    def in_scope(
        self,
        *,
        municipality_id: int | None = None,
        area_ids: list[int] | None = None,
        buurt_ids: list[int] | None = None,
    ) -> SummaryQuerySet:
        """Rows of a municipality, of some wijken or buurten (``area_ids``), within ``buurt_ids`` if given."""
        query = self
        if municipality_id is not None:
            query = query.filter(municipality_id=municipality_id)
        if area_ids is not None:
            query = query.filter(models.Q(wijk_id__in=area_ids) | models.Q(buurt_id__in=area_ids))
        if buurt_ids is not None:
            query = query.filter(buurt_id__in=buurt_ids)
        return query


class PrecisionReviewQuerySet(models.QuerySet["PrecisionReview"]):
    def visible_to(self, user: User | Any) -> PrecisionReviewQuerySet:
        """The bureau: every review. A team lead: reviews of their current teams' municipalities. Others: none.

        A review holds no personal data, only answers and suppressed figures; a team lead
        still reads only their own municipality's programme.
        """
        from organisations.models import Role, TeamMembership

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role == Role.PROGRAMME_BUREAU:
            return self.all()
        if user.role == Role.TEAM_LEAD:
            teams = TeamMembership.objects.current().filter(user=user)
            return self.filter(municipality__in=teams.values("team__municipality_id"))
        return self.none()

"""Reads of the summary tables. No method here touches a ``cases`` table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, models

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

    def per_silo(self, **aggregates: Any) -> list[dict[str, Any]]:
        """``aggregates`` per silo (None: no silo recorded), with ``silo__code``, ``silo__name_nl``,
        ``silo__name_en`` and ``silo__order``, by the silos' order.

        Summed by silo id first and named afterwards, for the reason ``per_buurt`` gives.
        """
        try:
            sql, params = self.values("silo_id").annotate(**aggregates).order_by().query.sql_with_params()
        except EmptyResultSet:
            return []
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"""
                SELECT silo.code AS silo__code, silo.name_nl AS silo__name_nl, silo.name_en AS silo__name_en,
                       silo."order" AS silo__order, s.*
                  FROM ({sql}) AS s LEFT JOIN funding_silo silo ON silo.id = s.silo_id
                 ORDER BY silo."order"
                """,  # noqa: S608 (the inner query is Django's, with its parameters kept apart)
                params,
            )
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def per_buurt(self, **aggregates: Any) -> list[dict[str, Any]]:
        """``aggregates`` per buurt, with the buurt's ``code`` and ``name``, by CBS code.

        Summed by buurt id first and named afterwards: grouping the joined rows by code and
        name as well cost several times as much over a national selection.
        """
        try:
            sql, params = self.values("buurt_id").annotate(**aggregates).order_by().query.sql_with_params()
        except EmptyResultSet:  # e.g. a team lead whose teams cover no buurt
            return []
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"""
                SELECT a.code, a.name, s.* FROM ({sql}) AS s
                  JOIN organisations_area a ON a.id = s.buurt_id ORDER BY a.code
                """,  # noqa: S608 (the inner query is Django's, with its parameters kept apart)
                params,
            )
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class RollupQuerySet(models.QuerySet[Any]):
    def in_scope(
        self,
        *,
        municipality_id: int | None = None,
        area_ids: list[int] | None = None,
        buurt_ids: list[int] | None = None,
    ) -> RollupQuerySet:
        """Rows of a municipality (or all). A roll-up knows no wijk or buurt: read the buurt tables for those."""
        if area_ids is not None or buurt_ids is not None:
            raise ValueError("A roll-up holds whole municipalities; areas are read from the buurt tables.")
        return self.filter(municipality_id=municipality_id) if municipality_id is not None else self

    def medians(self) -> dict[str, tuple[float | None, int]]:
        """Per measure of a ``TimingHistogram`` selection: the median days and the number of cases.

        The same value as ``percentile_cont(0.5)`` over the cases: the mean of the values at the
        two middle positions (one position when the count is odd), found by cumulative counts.
        """
        try:
            histogram = self.values("measure", "days").annotate(n=models.Sum("cases")).order_by()
            sql, params = histogram.query.sql_with_params()
        except EmptyResultSet:
            return {}
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"""
                WITH h AS ({sql}),
                c AS (SELECT measure, days, sum(n) OVER (PARTITION BY measure ORDER BY days) AS upto,
                             sum(n) OVER (PARTITION BY measure) AS total FROM h)
                SELECT measure, total,
                       (min(days) FILTER (WHERE upto > floor((total - 1) / 2.0))
                        + min(days) FILTER (WHERE upto > ceil((total - 1) / 2.0))) / 2.0
                  FROM c GROUP BY measure, total
                """,  # noqa: S608 (the inner query is Django's, with its parameters kept apart)
                params,
            )
            return {measure: (float(median), int(total)) for measure, total, median in cursor.fetchall()}


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

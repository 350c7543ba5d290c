"""Reads of the summary tables. No method here touches a ``cases`` table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, models

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from organisations.models import User

    from .models import PrecisionReview, SummaryRun  # noqa: F401 (named in a string below)


class SummaryRunQuerySet(models.QuerySet["SummaryRun"]):
    def finished(self) -> SummaryRunQuerySet:
        return self.filter(finished_at__isnull=False).order_by("-started_at", "-id")


def dict_rows(cursor: Any) -> list[dict[str, Any]]:
    """The rows of an executed statement as dicts by column name."""
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass(frozen=True)
class Named:
    """A reference a summary groups by (``column``, an id) and the columns of its table that name it, read as
    ``<prefix>__<name>`` (``silo__code``), the way ``values("silo__code")`` would."""

    column: str
    table: str
    prefix: str
    names: tuple[str, ...]


SILO = Named("silo_id", "funding_silo", "silo", ("code", "name_nl", "name_en", "order"))
THEME = Named("theme_id", "themes_theme", "theme", ("code", "name_nl", "name_en", "order"))
DOMAIN = Named("domain_id", "themes_instrumentdomain", "domain", ("code", "name_nl", "order"))
ORGANISATION_KIND = Named(
    "organisation_kind_id", "organisations_organisationkind", "organisation_kind", ("code", "name_nl", "order")
)
ORGANISATION = Named("organisation_id", "organisations_organisation", "organisation", ("name",))


class _Summed(models.QuerySet[Any]):
    def summed(self, by: Sequence[Named], order: Sequence[str], **sums: models.Sum) -> list[dict[str, Any]]:
        """``sums`` per combination of the names of the references ``by`` (as ``values("silo__code", …)`` would
        group them), in the ``order`` of those names (``"silo__order"``; None sorts last).

        Summed by ids first, then named and summed again by the names: grouping the joined rows by the names
        at once cost two to three times as much over the country's 51,600 coordination rows.
        """
        try:
            grouped = self.values(*(named.column for named in by)).annotate(**sums).order_by()
            sql, params = grouped.query.sql_with_params()
        except EmptyResultSet:  # e.g. a team lead whose teams cover no buurt
            return []
        names, joins = [], []
        for index, named in enumerate(by):
            names += [f'n{index}."{name}" AS {named.prefix}__{name}' for name in named.names]
            joins.append(f"LEFT JOIN {named.table} n{index} ON n{index}.id = s.{named.column}")
        totals = []
        for alias in sums:
            # The sum of integer sums is numeric in PostgreSQL: back to the type the first sum had.
            integer = isinstance(grouped.query.annotations[alias].output_field, models.IntegerField)
            totals.append(f"sum(s.{alias}){'::bigint' if integer else ''} AS {alias}")
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"""
                SELECT {", ".join(names)}, {", ".join(totals)} FROM ({sql}) AS s {" ".join(joins)}
                 GROUP BY {", ".join(str(position) for position in range(1, len(names) + 1))}
                 ORDER BY {", ".join(order)}
                """,  # noqa: S608 (names from the constants above; the inner query is Django's, parameters apart)
                params,
            )
            return dict_rows(cursor)


class SummaryQuerySet(_Summed):
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


class RollupQuerySet(_Summed):
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
    def visible_to(self, user: User | AnonymousUser) -> PrecisionReviewQuerySet:
        """The reviews the user may read (``policy.precision_review_condition``)."""
        from privacy import policy

        return self.filter(policy.precision_review_condition(user))

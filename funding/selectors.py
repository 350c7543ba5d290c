"""Reads for other pages: the funding of one household, its fragmentation, and the silo that pays an
organisation's work.

Both start from the access policy (``visible_to``) and run a fixed number of
queries, whatever the size of the household's history.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Count, DecimalField, Exists, JSONField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language

from cases.models import Action, Case, Household, Involvement
from common.json_rows import from_json, json_object_sql
from organisations.models import Organisation
from privacy import policy

from .models import Allocation, Blockage, FundingStream, Silo, Spend
from .querysets import OPEN_BLOCKAGE_STATUSES
from .silo_look import SiloLook, look_of

if TYPE_CHECKING:
    from organisations.models import User

MONEY = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class SiloBadge:
    code: str
    name: str
    amount: Decimal
    # The silo itself, when the query that found the badge read it whole (``with_funding``): the diagram
    # needs its order for the legend and then reads no silos of its own.
    silo: Silo | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return self.name

    @property
    def look(self) -> SiloLook:
        """The silo's colours and short label (``funding.silo_look``), the same as in the household diagram."""
        return look_of(self.code)

    @property
    def css_class(self) -> str:
        """``silo-badge silo-badge--<code>``: rules generated from the look into static/css/funding.css, as a
        strict CSP allows no inline styles."""
        return f"silo-badge silo-badge--{self.code}"


@dataclass
class ActionFunding:
    action: Action
    silos: list[SiloBadge]
    allocated: Decimal
    spent: Decimal
    blocked: bool
    may_pay: bool = False  # the user may pay it from a stream (the team may leave that to its lead)


@dataclass(frozen=True)
class Fragmentation:
    """Versnippering: how many organisations, professionals and silos work on one household now."""

    organisations: int
    professionals: int
    silos: int


@dataclass
class HouseholdFunding:
    household: Household
    actions: list[ActionFunding] = field(default_factory=list)
    fragmentation: Fragmentation = field(default_factory=lambda: Fragmentation(0, 0, 0))
    open_blockages: list[Blockage] = field(default_factory=list)
    # The silo that pays most of each delivering organisation's actions (the diagram's colour).
    paying: dict[int, SiloBadge] = field(default_factory=dict)

    @property
    def allocated(self) -> Decimal:
        return sum((row.allocated for row in self.actions), Decimal("0"))

    @property
    def spent(self) -> Decimal:
        return sum((row.spent for row in self.actions), Decimal("0"))


def _silo_name(code: str, name_nl: str, name_en: str) -> str:
    language = get_language() or "nl"
    return name_en if language.startswith("en") else name_nl


# What the allocations of some cases come to, in one pass: per action and silo (the
# funding table), and per delivering organisation and silo (the diagram's colour).
# Largest amount first within each action or organisation. Cancelled actions pay nothing.
ALLOCATION_TOTALS_SQL = """
SELECT grouping(action.id) = 1 AS per_organisation,
       action.id, action.delivering_organisation_id,
       silo.code, silo.name_nl, silo.name_en, sum(allocation.amount) AS amount
  FROM funding_allocation allocation
  JOIN cases_action action ON action.id = allocation.action_id
  JOIN funding_fundingstream stream ON stream.id = allocation.stream_id
  JOIN funding_silo silo ON silo.id = stream.silo_id
 WHERE action.case_id = ANY(%(cases)s) AND action.status <> %(cancelled)s
 GROUP BY GROUPING SETS ((action.id, silo.code, silo.name_nl, silo.name_en),
                         (action.delivering_organisation_id, silo.code, silo.name_nl, silo.name_en))
 ORDER BY per_organisation, action.id, action.delivering_organisation_id, amount DESC, silo.code
"""


@dataclass
class AllocationTotals:
    by_action: dict[int, list[SiloBadge]]
    paying: dict[int, SiloBadge]


def allocation_totals(case_ids: Sequence[int]) -> AllocationTotals:
    """The allocations of these cases by action and silo, and the silo paying most per organisation: one query."""
    by_action: dict[int, list[SiloBadge]] = {}
    paying: dict[int, SiloBadge] = {}
    with connection.cursor() as cursor:
        cursor.execute(ALLOCATION_TOTALS_SQL, {"cases": list(case_ids), "cancelled": Action.Status.CANCELLED})
        for per_organisation, action_id, organisation_id, code, name_nl, name_en, amount in cursor.fetchall():
            badge = SiloBadge(code=code, name=_silo_name(code, name_nl, name_en), amount=amount)
            if not per_organisation:
                by_action.setdefault(action_id, []).append(badge)
            elif organisation_id is not None:
                # Ordered by amount, so the first row per organisation is the silo that pays most.
                paying.setdefault(organisation_id, badge)
    return AllocationTotals(by_action=by_action, paying=paying)


def _count(queryset: QuerySet[Any], field_name: str) -> Subquery:
    """COUNT(DISTINCT field) of a queryset, as a scalar subquery."""
    counted = queryset.order_by().annotate(_one=Value(1)).values("_one")
    return Subquery(counted.annotate(n=Count(field_name, distinct=True)).values("n"))


def _visible_cases(
    household: Household, user: User | AnonymousUser, visible_cases: Sequence[Case] | None
) -> tuple[list[int], list[int]]:
    """The ids of the household's cases the user may see, and of the open ones among them.

    A caller that already fetched them through ``visible_to`` (the household
    page) passes them in; otherwise one query fetches them. Plain id lists are
    far cheaper to compile into the reads below than the policy's subqueries.
    """
    if visible_cases is None:
        visible_cases = list(Case.objects.visible_to(user).filter(household=household).select_related("team"))
    mine = [case for case in visible_cases if case.household_id == household.pk]
    return [case.pk for case in mine], [case.pk for case in mine if case.is_open]


def household_fragmentation(
    household: Household, user: User | AnonymousUser, *, visible_cases: Sequence[Case] | None = None
) -> Fragmentation:
    """The one definition of a household's fragmentation (versnippering), shown above the diagram and in the
    funding panel: over the household's open cases the user may see, now, the distinct organisations involved
    or delivering an open action, the professionals involved, and the silos paying its actions (those not
    cancelled). One query, two without ``visible_cases`` (as for :func:`household_funding`, which includes it).
    """
    return _fragmentation(household, _visible_cases(household, user, visible_cases)[1])


def _fragmentation(household: Household, open_cases: Sequence[int]) -> Fragmentation:
    """:func:`household_fragmentation` over these open case ids: one query of three scalar subqueries."""
    open_actions = Action.objects.filter(case__in=open_cases).exclude(
        status__in=[Action.Status.DONE, Action.Status.CANCELLED]
    )
    involved = Involvement.objects.active().filter(case__in=open_cases)
    organisations = Organisation.objects.filter(
        Q(pk__in=involved.values("organisation_id")) | Q(pk__in=open_actions.values("delivering_organisation_id"))
    )
    paying = Silo.objects.filter(
        pk__in=Allocation.objects.filter(action__case__in=open_cases)
        .exclude(action__status=Action.Status.CANCELLED)
        .values("stream__silo_id")
    )
    figures = (
        Household.objects.filter(pk=household.pk)
        .annotate(
            organisation_count=_count(organisations, "pk"),
            professional_count=_count(involved, "professional_id"),
            silo_count=_count(paying, "pk"),
        )
        .values_list("organisation_count", "professional_count", "silo_count")
        .first()
    ) or (0, 0, 0)
    return Fragmentation(*(value or 0 for value in figures))


# Each action's allocations per silo, largest first, as one JSON array in the row of the action:
# [[silo id, code, name_nl, name_en, order, silo_free, amount as text], …] (text keeps the amount exact).
SILO_TOTALS_SQL = """
SELECT coalesce(jsonb_agg(jsonb_build_array(totals.id, totals.code, totals.name_nl, totals.name_en, totals."order",
                                            totals.silo_free, totals.amount::text)
                          ORDER BY totals.amount DESC, totals.code), '[]'::jsonb)
  FROM (SELECT silo.id, silo.code, silo.name_nl, silo.name_en, silo."order", silo.silo_free,
               sum(allocation.amount) AS amount
          FROM funding_allocation allocation
          JOIN funding_fundingstream stream ON stream.id = allocation.stream_id
          JOIN funding_silo silo ON silo.id = stream.silo_id
         WHERE allocation.action_id = "cases_action"."id"
         GROUP BY silo.id) totals
"""


def with_funding(actions: QuerySet[Action]) -> QuerySet[Action]:
    """The actions with what :func:`household_funding` shows of each, read in the query that loads them:
    ``spent``, ``blocked`` (an open blockage holds it) and ``silo_totals`` (its allocations per silo)."""
    spent = (
        Spend.objects.filter(allocation__action_id=OuterRef("pk"))
        .order_by()
        .values("allocation__action_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return actions.annotate(
        spent=Coalesce(Subquery(spent, output_field=MONEY), Value(Decimal("0")), output_field=MONEY),
        blocked=Exists(Blockage.objects.open().filter(action_id=OuterRef("pk"))),
        silo_totals=RawSQL(f"({SILO_TOTALS_SQL})", (), output_field=JSONField()),  # noqa: S611 — no parameters
    )


@functools.cache
def _open_blockage_rows_sql() -> str:
    blockage, silo, stream = Blockage._meta.db_table, Silo._meta.db_table, FundingStream._meta.db_table
    return f"""
        SELECT jsonb_agg(jsonb_build_object('blockage', {json_object_sql(Blockage, "b")},
                                            'silo', {json_object_sql(Silo, "s")},
                                            'stream', {json_object_sql(FundingStream, "st")},
                                            'takeover_stream', {json_object_sql(FundingStream, "ts")}))
          FROM {blockage} b
               LEFT JOIN {silo} s ON s.id = b.silo_id
               LEFT JOIN {stream} st ON st.id = b.stream_id
               LEFT JOIN {stream} ts ON ts.id = b.takeover_stream_id
         WHERE b.action_id = {Action._meta.db_table}.id AND b.status = ANY(%s)
    """  # noqa: S608 - table and column names from the models; the statuses a parameter


def with_open_blockages(actions: QuerySet[Action]) -> QuerySet[Action]:
    """The actions with their open blockages (``OPEN_BLOCKAGE_STATUSES``) read in the query that loads them, as
    JSON rows with the silo, stream and takeover stream the funding panel names: :func:`open_blockages_of`
    turns them back into objects for :func:`household_funding`, one query fewer than reading them apart."""
    sql = f"({_open_blockage_rows_sql()})"
    return actions.annotate(
        open_blockage_rows=RawSQL(sql, (list(OPEN_BLOCKAGE_STATUSES),), output_field=JSONField())  # noqa: S611
    )


def open_blockages_of(actions: Sequence[Action]) -> list[Blockage]:
    """The open blockages read with ``actions`` (:func:`with_open_blockages`), oldest first, each with its
    action, silo, stream and takeover stream."""
    blockages = []
    for action in actions:
        db = action._state.db or "default"
        for row in action.open_blockage_rows or []:  # type: ignore[attr-defined]  # NULL: none open
            blockage = from_json(Blockage, row["blockage"], db)
            blockage.action = action
            # A blockage without a silo or stream has a row of NULLs there (the outer join found nothing).
            blockage.silo = from_json(Silo, row["silo"], db) if blockage.silo_id else None
            blockage.stream = from_json(FundingStream, row["stream"], db) if blockage.stream_id else None
            blockage.takeover_stream = (
                from_json(FundingStream, row["takeover_stream"], db) if blockage.takeover_stream_id else None
            )
            blockages.append(blockage)
    return sorted(blockages, key=lambda blockage: (blockage.opened_at, blockage.pk))


def _badges(action: Action) -> list[SiloBadge]:
    """An action's allocations per silo (from :func:`with_funding`), the largest first."""
    return [
        SiloBadge(
            code=code,
            name=_silo_name(code, name_nl, name_en),
            amount=Decimal(amount),
            silo=Silo(id=pk, code=code, name_nl=name_nl, name_en=name_en, order=order, silo_free=silo_free),
        )
        for pk, code, name_nl, name_en, order, silo_free, amount in action.silo_totals  # type: ignore[attr-defined]
    ]


def _paying(rows: Sequence[ActionFunding]) -> dict[int, SiloBadge]:
    """Per delivering organisation, the silo that pays most of its actions (ties: the first code), as
    :func:`allocation_totals` finds it in SQL."""
    totals: dict[tuple[int, str], SiloBadge] = {}
    for row in rows:
        for badge in row.silos:
            key = (row.action.delivering_organisation_id, badge.code)
            earlier = totals.get(key)
            totals[key] = badge if earlier is None else replace(badge, amount=earlier.amount + badge.amount)
    paying: dict[int, SiloBadge] = {}
    for (organisation_id, _code), badge in sorted(totals.items(), key=lambda item: (-item[1].amount, item[0][1])):
        if organisation_id is not None:
            paying.setdefault(organisation_id, badge)
    return paying


# ``Action.objects.open()`` leaves these out.
CLOSED_ACTION_STATUSES = frozenset({Action.Status.DONE, Action.Status.CANCELLED})


def _fragmentation_of(
    open_cases: Sequence[int], rows: Sequence[ActionFunding], involvements: Sequence[Involvement]
) -> Fragmentation:
    """:func:`household_fragmentation`'s figures, counted on rows already loaded: the involvements running
    today and the open actions of the open cases, and the silos paying those cases' actions not cancelled
    (``rows`` leaves cancelled actions out)."""
    today = timezone.localdate()
    open_ids = set(open_cases)
    running = [
        row
        for row in involvements
        if row.case_id in open_ids and row.start_date <= today and (row.end_date is None or row.end_date > today)
    ]
    organisations = {row.organisation_id for row in running} | {
        row.action.delivering_organisation_id
        for row in rows
        if row.action.case_id in open_ids and row.action.status not in CLOSED_ACTION_STATUSES
    }
    professionals = {row.professional_id for row in running}
    silos = {badge.code for row in rows if row.action.case_id in open_ids for badge in row.silos}
    return Fragmentation(len(organisations - {None}), len(professionals - {None}), len(silos))


def household_funding(
    household: Household,
    user: User | AnonymousUser,
    *,
    visible_cases: Sequence[Case] | None = None,
    actions: Sequence[Action] | None = None,
    involvements: Sequence[Involvement] | None = None,
) -> HouseholdFunding:
    """Which silos pay for what, the fragmentation figures and the open blockages: four queries, none when
    the caller passes what it loaded already.

    Only what the user may see of the household: its visible cases' actions
    (``visible_cases``: those cases, when the caller already has them from
    ``Case.objects.visible_to(user)``; ``actions``: all their actions, loaded
    through :func:`with_funding` and :func:`with_open_blockages` with their theme,
    delivering organisation and beneficiary; ``involvements``: all their
    involvements). The fragmentation counts what :func:`household_fragmentation` counts.
    """
    if visible_cases is None:
        visible_cases = list(Case.objects.visible_to(user).filter(household=household).select_related("team"))
    cases, open_cases = _visible_cases(household, user, visible_cases)
    by_id = {case.pk: case for case in visible_cases if case.household_id == household.pk}
    if actions is None:
        actions = list(
            with_open_blockages(with_funding(Action.objects.filter(case__in=cases))).select_related(
                "theme", "delivering_organisation", "beneficiary"
            )
        )
    if involvements is None:
        involvements = list(Involvement.objects.active().filter(case__in=open_cases))
    shown = []
    for action in actions:
        if action.case_id not in by_id:
            continue
        action.case = by_id[action.case_id]
        if action.status != Action.Status.CANCELLED:  # cancelled actions pay nothing
            shown.append(action)
    shown.sort(key=lambda action: (action.case.reference, action.theme.order, action.pk))
    # Per team, not per action: a query only where a team leaves paying to its lead.
    may_pay = {case.team_id: policy.may_pay_from_stream(user, case.team) for case in by_id.values()}
    rows = []
    for action in shown:
        badges = _badges(action)
        rows.append(
            ActionFunding(
                action=action,
                silos=badges,
                allocated=sum((badge.amount for badge in badges), Decimal("0")),
                spent=action.spent,  # type: ignore[attr-defined]
                blocked=action.blocked,  # type: ignore[attr-defined]
                may_pay=may_pay[action.case.team_id],
            )
        )
    # The open blockages of every action of these cases, a cancelled one's too.
    blockages = open_blockages_of([action for action in actions if action.case_id in by_id])
    return HouseholdFunding(
        household=household,
        actions=rows,
        fragmentation=_fragmentation_of(open_cases, rows, [row for row in involvements if row.case_id in by_id]),
        open_blockages=blockages,
        paying=_paying(rows),
    )


def paying_silo_by_organisation(
    household: Household, user: User | AnonymousUser, *, visible_cases: Sequence[Case] | None = None
) -> dict[int, SiloBadge]:
    """For each organisation delivering to the household: the silo that pays most of its actions, from
    real allocations. An organisation without allocations is absent: nothing pays it yet.
    ``visible_cases`` as for :func:`household_funding`, which also returns this as ``paying``.

    Use it to colour involvements: ``paying.get(involvement.organisation_id)``, or in a template
    ``{{ paying|silo_for:involvement }}`` (``funding_tags``).
    """
    return allocation_totals(_visible_cases(household, user, visible_cases)[0]).paying

"""Reads for other pages: the funding of one household, its fragmentation, and the silo that pays an
organisation's work.

Both start from the access policy (``visible_to``) and run a fixed number of
queries, whatever the size of the household's history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from cases.models import Action, Case, Household, Involvement
from organisations.models import Organisation

from .models import Allocation, Blockage, Silo, Spend
from .silo_look import SiloLook, look_of

if TYPE_CHECKING:
    from organisations.models import User

MONEY = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class SiloBadge:
    code: str
    name: str
    amount: Decimal

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
        visible_cases = list(Case.objects.visible_to(user).filter(household=household))
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


def household_funding(
    household: Household, user: User | AnonymousUser, *, visible_cases: Sequence[Case] | None = None
) -> HouseholdFunding:
    """Which silos pay for what, the fragmentation figures and the open blockages: four queries.

    Only what the user may see of the household: its visible cases' actions
    (``visible_cases``: those cases, when the caller already has them from
    ``Case.objects.visible_to(user)``). The fragmentation is
    :func:`household_fragmentation`'s.
    """
    cases, open_cases = _visible_cases(household, user, visible_cases)
    spent = (
        Spend.objects.filter(allocation__action_id=OuterRef("pk"))
        .order_by()
        .values("allocation__action_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    actions = list(
        Action.objects.filter(case__in=cases)
        .exclude(status=Action.Status.CANCELLED)
        .select_related("theme", "delivering_organisation", "beneficiary", "case")
        .annotate(
            spent=Coalesce(Subquery(spent, output_field=MONEY), Value(Decimal("0")), output_field=MONEY),
            blocked=Exists(Blockage.objects.open().filter(action_id=OuterRef("pk"))),
        )
        .order_by("case__reference", "theme__order", "pk")
    )
    totals = allocation_totals(cases)
    by_action = totals.by_action

    fragmentation = _fragmentation(household, open_cases)

    blockages = list(
        Blockage.objects.filter(action__case__in=cases)
        .open()
        .select_related(
            "action__theme", "action__delivering_organisation", "silo", "stream", "takeover_stream", "action__case"
        )
        .order_by("opened_at", "pk")
    )
    return HouseholdFunding(
        household=household,
        actions=[
            ActionFunding(
                action=action,
                silos=by_action.get(action.pk, []),
                allocated=sum((badge.amount for badge in by_action.get(action.pk, [])), Decimal("0")),
                spent=action.spent,
                blocked=action.blocked,
            )
            for action in actions
        ],
        fragmentation=fragmentation,
        open_blockages=blockages,
        paying=totals.paying,
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

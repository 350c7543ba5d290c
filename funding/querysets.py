"""Reads of funding data. Anything that reaches a household starts from ``visible_to`` or the register scope."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from privacy import policy

if TYPE_CHECKING:
    from organisations.models import User

    from .models import Allocation, Blockage, BlockageEvent, FundingStream, Spend, SpendImport  # noqa: F401

OPEN_BLOCKAGE_STATUSES = ("open", "escalated")
OPEN_BLOCKAGE = Q(status__in=OPEN_BLOCKAGE_STATUSES)
MONEY = DecimalField(max_digits=14, decimal_places=2)


class FundingStreamQuerySet(models.QuerySet["FundingStream"]):
    def flexible(self) -> FundingStreamQuerySet:
        """The silo-free streams (maatwerk-/doorbraakbudget): a resolution route, never matched automatically."""
        return self.filter(silo__silo_free=True)

    def active_on(self, day: datetime.date | None = None) -> FundingStreamQuerySet:
        day = day or timezone.localdate()
        return self.filter(valid_from__lte=day, valid_until__gte=day)

    def for_municipality(self, municipality_id: int) -> FundingStreamQuerySet:
        return self.filter(Q(municipality_id=municipality_id) | Q(municipality__isnull=True))

    def continuing(self, stream: FundingStream) -> FundingStreamQuerySet:
        """The same silo's streams of the next period, which carry ``stream`` on past its end: same municipality,
        Iv3 taakveld, funding logic, ages and level, starting exactly the day after it ends
        (``eligibility.CONTINUES`` says the same in SQL)."""
        return self.filter(
            silo_id=stream.silo_id,
            municipality_id=stream.municipality_id,
            iv3_taakveld=stream.iv3_taakveld,
            funding_logic=stream.funding_logic,
            min_age=stream.min_age,
            max_age=stream.max_age,
            household_level=stream.household_level,
            valid_from=stream.valid_until + datetime.timedelta(days=1),
        ).order_by("-valid_until", "pk")

    def with_remaining(self) -> FundingStreamQuerySet:
        """Annotate ``allocated`` and ``remaining`` (budget minus every allocation) in one query."""
        from .models import Allocation

        allocated = (
            Allocation.objects.filter(stream_id=OuterRef("pk"))
            .order_by()
            .values("stream_id")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return self.annotate(
            allocated=Coalesce(Subquery(allocated, output_field=MONEY), Value(Decimal("0")), output_field=MONEY)
        ).annotate(remaining=models.F("budget") - models.F("allocated"))


class AllocationQuerySet(models.QuerySet["Allocation"]):
    def visible_to(self, user: User | AnonymousUser) -> AllocationQuerySet:
        return self.filter(policy.case_condition(user, prefix="action__case__"))


class SpendQuerySet(models.QuerySet["Spend"]):
    def visible_to(self, user: User | AnonymousUser) -> SpendQuerySet:
        return self.filter(policy.case_condition(user, prefix="allocation__action__case__"))


class SpendImportQuerySet(models.QuerySet["SpendImport"]):
    def visible_to(self, user: User | AnonymousUser) -> SpendImportQuerySet:
        """Spend files hold references and amounts, no personal data; each municipality's auditors manage its own."""
        return self.filter(policy.spend_import_condition(user))


class BlockageQuerySet(models.QuerySet["Blockage"]):
    def visible_to(self, user: User | AnonymousUser) -> BlockageQuerySet:
        """With household context: the team's blockages, as the casework policy allows."""
        return self.filter(policy.case_condition(user, prefix="action__case__"))

    def in_register_of(self, user: User | AnonymousUser) -> BlockageQuerySet:
        """Pseudonymous: the programme bureau's and the auditor's view of their municipality."""
        return self.filter(policy.funding_register_condition(user, prefix="action__case__"))

    def reachable_by(self, user: User | AnonymousUser) -> BlockageQuerySet:
        """Through either door (the team's or the register's): only for views that show register columns alone."""
        return self.filter(
            policy.case_condition(user, prefix="action__case__")
            | policy.funding_register_condition(user, prefix="action__case__")
        )

    def open(self) -> BlockageQuerySet:
        return self.filter(OPEN_BLOCKAGE)

    def for_register(self) -> BlockageQuerySet:
        """Only the columns the register may show: no names, addresses, dates of birth or notes."""
        return self.select_related(
            "silo",
            "stream",
            "action__theme",
            "action__case",
            "action__case__household__neighbourhood__parent",
        ).only(
            "uuid",
            "reason",
            "source",
            "status",
            "level",
            "resolution",
            "euros_stuck",
            "delay_days",
            "opened_at",
            "closed_at",
            "silo__name_nl",
            "silo__name_en",
            "silo__code",
            "stream__code",
            "stream__name",
            "action__theme__name_nl",
            "action__theme__name_en",
            "action__case__reference",
            "action__case__household__neighbourhood__name",
            "action__case__household__neighbourhood__code",
            "action__case__household__neighbourhood__parent__name",
            "action__case__household__neighbourhood__parent__code",
        )


class BlockageEventQuerySet(models.QuerySet["BlockageEvent"]):
    def visible_to(self, user: User | AnonymousUser) -> BlockageEventQuerySet:
        return self.filter(policy.case_condition(user, prefix="blockage__action__case__"))

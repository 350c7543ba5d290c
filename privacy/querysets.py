from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import OuterRef, Q, Subquery

if TYPE_CHECKING:
    from .models import AccessLogEntry  # noqa: F401


class AccessLogQuerySet(models.QuerySet["AccessLogEntry"]):
    def for_household(self, household_id: int) -> AccessLogQuerySet:
        return self.filter(household_id=household_id)

    def reads_of_household(self, household_id: int) -> AccessLogQuerySet:
        """Who looked at this household: allowed reads, prints and exports."""
        return self.filter(household_id=household_id, outcome="allowed", action__in=["read", "print", "export"])

    def officer_reports(
        self, *, since: datetime.datetime, until: datetime.datetime, officer_id: int | None
    ) -> AccessLogQuerySet:
        """What the privacy officer's start page reports: refused reads, and reads outside the reader's usual
        purpose (those that carry a reason), in a window, the officer's own left out. Vandaag counts the same."""
        from . import register

        out_of_purpose = [activity.code for activity in register.REGISTER if activity.needs_reason]
        return (
            self.filter(occurred_at__gt=since, occurred_at__lte=until)
            .filter(Q(outcome="refused") | ~Q(reason="") | Q(activity__in=out_of_purpose))
            .exclude(user_id=officer_id)
        )

    def with_reader_names(self) -> AccessLogQuerySet:
        """The reader's current first and last name next to the logged username (one query, no join on rows)."""
        from organisations.models import User

        reader = User.objects.filter(pk=OuterRef("user_id"))
        return self.annotate(
            reader_first_name=Subquery(reader.values("first_name")[:1]),
            reader_last_name=Subquery(reader.values("last_name")[:1]),
        )

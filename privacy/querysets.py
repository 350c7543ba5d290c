from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import OuterRef, Subquery

if TYPE_CHECKING:
    from .models import AccessLogEntry  # noqa: F401


class AccessLogQuerySet(models.QuerySet["AccessLogEntry"]):
    def for_household(self, household_id: int) -> AccessLogQuerySet:
        return self.filter(household_id=household_id)

    def reads_of_household(self, household_id: int) -> AccessLogQuerySet:
        """Who looked at this household: allowed reads, prints and exports."""
        return self.filter(household_id=household_id, outcome="allowed", action__in=["read", "print", "export"])

    def with_reader_names(self) -> AccessLogQuerySet:
        """The reader's current first and last name next to the logged username (one query, no join on rows)."""
        from organisations.models import User

        reader = User.objects.filter(pk=OuterRef("user_id"))
        return self.annotate(
            reader_first_name=Subquery(reader.values("first_name")[:1]),
            reader_last_name=Subquery(reader.values("last_name")[:1]),
        )

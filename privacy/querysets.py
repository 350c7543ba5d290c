from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from .models import AccessLogEntry  # noqa: F401


class AccessLogQuerySet(models.QuerySet["AccessLogEntry"]):
    def for_household(self, household_id: int) -> AccessLogQuerySet:
        return self.filter(household_id=household_id)

    def reads_of_household(self, household_id: int) -> AccessLogQuerySet:
        """Who looked at this household: allowed reads, prints and exports."""
        return self.filter(household_id=household_id, outcome="allowed", action__in=["read", "print", "export"])

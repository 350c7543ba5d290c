from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db import models

from organisations.models import User
from privacy import policy

if TYPE_CHECKING:
    from .models import ExportJob  # noqa: F401


class ExportJobQuerySet(models.QuerySet["ExportJob"]):
    def visible_to(self, user: User | AnonymousUser | None) -> ExportJobQuerySet:
        """The jobs the user asked for themselves; nobody sees another's exports."""
        return self.filter(policy.export_job_condition(user))

    def for_listing(self) -> ExportJobQuerySet:
        """Without the files: a list never loads them."""
        return self.defer("content", "parameters")

    def expired_by(self, moment: datetime.datetime) -> ExportJobQuerySet:
        """Finished jobs whose file has passed its expiry."""
        return self.filter(status="done", expires_at__lte=moment)

    def pending_since(self, moment: datetime.datetime) -> ExportJobQuerySet:
        """Jobs asked for before ``moment`` that are still queued or running."""
        return self.filter(status__in=["queued", "running"], created_at__lt=moment)

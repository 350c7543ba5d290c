from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from .models import OutboxMessage, Probe, TaskExecution  # noqa: F401


class OutboxMessageQuerySet(models.QuerySet["OutboxMessage"]):
    def pending(self) -> OutboxMessageQuerySet:
        """Messages not yet handed to the broker."""
        return self.filter(published_at__isnull=True)

    def lockable_pending(self) -> OutboxMessageQuerySet:
        """Pending messages, locked for the caller's transaction as they are read.

        SKIP LOCKED: rows another relay (or an after-commit publish) holds are
        passed over rather than waited for, so two publishers never send the
        same message at once and neither blocks the other.
        """
        return self.pending().select_for_update(skip_locked=True)

    def next_to_publish(self, limit: int) -> OutboxMessageQuerySet:
        """The oldest pending messages that nobody else is publishing, locked."""
        return self.lockable_pending().order_by("id")[:limit]

    def published_before(self, moment: datetime.datetime) -> OutboxMessageQuerySet:
        return self.filter(published_at__lt=moment)


class TaskExecutionQuerySet(models.QuerySet["TaskExecution"]):
    def completed_before(self, moment: datetime.datetime) -> TaskExecutionQuerySet:
        return self.filter(completed_at__lt=moment)


class ProbeQuerySet(models.QuerySet["Probe"]):
    def recent(self, count: int = 10) -> ProbeQuerySet:
        return self.select_related("requested_by").order_by("-requested_at")[:count]

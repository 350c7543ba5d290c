"""The transactional outbox, the record of finished idempotent tasks, and the probe job.

How a task travels: a service calls ``jobs.services.enqueue`` inside its own
transaction, which writes an ``OutboxMessage``. After the commit the message is
published to the broker; if the broker is unreachable the row stays pending and
the relay publishes it later. The worker runs the task; an idempotent task
writes a ``TaskExecution`` in the same transaction as its effect, so a second
delivery of the same message finds it and does nothing.
"""

import datetime
import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .querysets import OutboxMessageQuerySet, ProbeQuerySet, TaskExecutionQuerySet


class OutboxMessage(models.Model):
    """A task to publish to the broker, written in the transaction of the change that asked for it."""

    task_name = models.CharField(_("task"), max_length=200)
    # Ids and other plain values only: the row is kept for weeks and shown in the admin.
    kwargs = models.JSONField(_("arguments"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    # The Celery task id, fixed here so that every publication of this row is the same task.
    task_id = models.UUIDField(_("task id"), default=uuid.uuid4, unique=True, editable=False)
    request_id = models.CharField(_("request id"), max_length=128, blank=True)
    # The W3C traceparent of the operation that asked for the task: its access-log rows join that trace.
    traceparent = models.CharField(_("trace context"), max_length=55, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("publish attempts"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The relay asks for the oldest pending rows; published rows are the great majority.
            models.Index(fields=["id"], condition=Q(published_at__isnull=True), name="jobs_outbox_pending_idx"),
            models.Index(fields=["published_at"], name="jobs_outbox_published_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.idempotency_key})"

    @property
    def is_pending(self) -> bool:
        return self.published_at is None


class TaskExecution(models.Model):
    """An idempotent task whose effect has committed: written in the effect's own transaction."""

    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    task_name = models.CharField(_("task"), max_length=200)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    retries = models.PositiveIntegerField(_("retries before success"), default=0)
    completed_at = models.DateTimeField(_("completed at"), default=timezone.now, db_index=True)

    objects = TaskExecutionQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_at"]
        verbose_name = _("task execution")
        verbose_name_plural = _("task executions")

    def __str__(self) -> str:
        return f"{self.task_name} ({self.idempotency_key})"


class Probe(models.Model):
    """A test job an administrator sends through the whole pipeline: outbox, broker, worker.

    It can hold (stay busy) before or after its effect commits, so that a
    failure drill can kill a worker at that moment and see the effect happen
    exactly once. ``runs`` counts how often the effect happened; anything but
    0 or 1 means the exactly-once guarantee is broken in this deployment.
    """

    class HoldPhase(models.TextChoices):
        BEFORE_COMMIT = "before_commit", _("before its effect is committed")
        AFTER_COMMIT = "after_commit", _("after its effect is committed, before it is acknowledged")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    hold_seconds = models.PositiveSmallIntegerField(
        _("hold for (seconds)"), default=0, validators=[MaxValueValidator(300)]
    )
    hold_phase = models.CharField(_("hold"), max_length=20, choices=HoldPhase.choices, default=HoldPhase.BEFORE_COMMIT)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)

    objects = ProbeQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("test job")
        verbose_name_plural = _("test jobs")

    def __str__(self) -> str:
        return _("Test job %(number)s") % {"number": self.pk}

    @property
    def hold_until(self) -> datetime.datetime:
        """The hold is a fixed window after the request, so a redelivered run does not hold all over again."""
        return self.requested_at + datetime.timedelta(seconds=self.hold_seconds)

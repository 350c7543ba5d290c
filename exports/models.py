"""Background exports: a file a user asked for, built by a Celery task and collected on "Mijn exports".

The file is kept in the database (``content``), never under a public URL: it
is served only by the download view, to the user who asked for it, after the
access policy has been asked again. It is removed at ``expires_at``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .querysets import ExportJobQuerySet


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"
    JSON = "json", "JSON"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("being prepared")
    DONE = "done", _("ready")
    FAILED = "failed", _("failed")
    EXPIRED = "expired", _("expired")


class ExportFailure(models.TextChoices):
    """Why a job failed, as the user reads it (never a traceback)."""

    NO_ACCESS = "no_access", _("You may no longer see these data, so the file was not made.")
    INVALID = "invalid", _("The choices for this export are no longer valid. Ask for the export again.")
    ERROR = "error", _("The file could not be made because of an error. Try again later or contact the service desk.")


class ExportJob(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by")
    )
    # Who asked, as they were at the time (the access log keeps the same snapshot).
    role = models.CharField(_("role"), max_length=32)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    # One of the kinds the apps register with the engine (exports.kinds.register).
    kind = models.CharField(_("kind"), max_length=32)
    # The screen's filter form data as submitted, validated again by the same form when the file is built.
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    language = models.CharField(_("language"), max_length=8, default="nl")
    # A data-subject export names the person; the access log and the download check use it.
    person = models.ForeignKey(
        "cases.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("person")
    )
    status = models.CharField(_("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    failure = models.CharField(_("reason of failure"), max_length=16, choices=ExportFailure.choices, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), null=True, blank=True)
    # Private: only the download view reads it (lists defer it).
    content = models.BinaryField(_("file"), null=True, blank=True, editable=False)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="exports_job_user_idx"),
            # The expiry sweep looks for finished files past their time.
            models.Index(fields=["expires_at"], condition=Q(status="done"), name="exports_job_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="done", content__isnull=False) | ~Q(status="done"),
                name="exports_job_done_has_file",
            ),
            models.CheckConstraint(
                condition=Q(status="expired", content__isnull=True) | ~Q(status="expired"),
                name="exports_job_expired_has_no_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} ({self.get_format_display()}, {self.uuid})"

    @property
    def kind_label(self) -> str:
        from .kinds import label_of

        return label_of(self.kind)

    @property
    def is_pending(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    @property
    def is_downloadable(self) -> bool:
        return self.status == ExportStatus.DONE and (self.expires_at is None or self.expires_at > timezone.now())

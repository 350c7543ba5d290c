"""In-app notifications: a short message to one user that something needs them, with a link to it.

A notification names no person: it refers to a case by its pseudonymous
reference or to an object by its page, because it is shown in a header, an
inbox and possibly to a stand-in. Each app says what its kinds mean in
``kinds.py``; notifications are created after the causing change commits
(``services.notify``, through the outbox).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.models import User


class NotificationQuerySet(models.QuerySet["Notification"]):
    def visible_to(self, user: User | object) -> NotificationQuerySet:
        """Each user sees their own notifications only, whatever their role."""
        if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
            return self.none()
        return self.filter(recipient_id=getattr(user, "pk", None))

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    class Kind(models.TextChoices):
        BLOCKAGE_ESCALATED = "blockage_escalated", _("a blockage reached your level")
        INVOLVEMENT_ADDED = "involvement_added", _("a new involvement on your case")
        COORDINATOR_CHANGED = "coordinator_changed", _("a new coordinator on your case")
        REMINDERS_CREATED = "reminders_created", _("new reminders on your cases")
        EXPORT_FINISHED = "export_finished", _("your export is ready")
        CASE_ARRIVING = "case_arriving", _("a referral or case arrives for your team")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    # No personal names: a case reference, a level, a reason.
    text = models.CharField(_("text"), max_length=300)
    link = models.CharField(_("link"), max_length=300, blank=True)
    # What caused it (an id in the kind's own table), so one cause notifies each recipient once.
    subject_id = models.BigIntegerField(_("subject"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The header's count and the inbox: one user's unread ones, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "subject_id"], name="notification_once_per_cause"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class NotificationSettings(models.Model):
    """One user's choice of an e-mail digest of their unread notifications, and when the last one went out."""

    class Digest(models.TextChoices):
        NONE = "none", _("no e-mail")
        DAILY = "daily", _("a daily e-mail with what is unread")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
        verbose_name=_("user"),
    )
    digest = models.CharField(_("e-mail digest"), max_length=10, choices=Digest.choices, default=Digest.NONE)
    # The digest covers unread notifications created after this moment; moved on by each digest sent.
    digest_sent_until = models.DateTimeField(_("digest sent until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")
        indexes = [models.Index(fields=["digest"], name="notification_digest_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.digest}"

"""Writes of notifications: asked for inside the causing transaction, created after it commits."""

from __future__ import annotations

from django.utils import timezone

from jobs.services import enqueue
from organisations.models import User
from privacy.actor import service

from . import kinds
from .models import Notification


def notify(*, kind: str, subject_id: int) -> None:
    """Ask for the notifications of one cause; call inside the transaction that makes the cause.

    The outbox row commits with the cause (a rollback takes it along) and the
    ``notifications.deliver`` task creates the rows once it has committed.
    """
    kinds.builder(kind)  # an unknown kind fails here, in the caller's transaction, not later in a worker
    enqueue(
        "notifications.deliver",
        {"kind": kind, "subject_id": subject_id},
        idempotency_key=f"notifications.deliver:{kind}:{subject_id}",
    )


@service
def notifications_deliver(*, kind: str, subject_id: int) -> int:
    """Create one notification per recipient the kind's builder names; a second run adds nothing."""
    drafts = kinds.builder(kind)(subject_id)
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=draft.recipient_id,
                kind=kind,
                text=draft.text[:300],
                link=draft.link,
                subject_id=subject_id,
            )
            for draft in drafts
        ],
        ignore_conflicts=True,
    )
    return len(created)


@service
def notification_mark_read(*, notification: Notification, by: User) -> Notification:
    """Mark one of the user's own notifications read (the caller fetched it through ``visible_to``)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@service
def notifications_mark_all_read(*, by: User) -> int:
    return Notification.objects.visible_to(by).unread().update(read_at=timezone.now())

"""Writes of notifications: asked for inside the causing transaction, created after it commits."""

from __future__ import annotations

import datetime
import functools

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jobs.services import enqueue
from organisations.models import User
from privacy.actor import service

from . import kinds
from .models import Notification, NotificationSettings


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


# --- Settings and the e-mail digest -----------------------------------------------------------------

DIGEST_FIRST_LOOKBACK = datetime.timedelta(days=1)
DIGEST_MAX_ITEMS = 50


@service
def notification_settings_save(*, by: User, digest: str) -> NotificationSettings:
    """The user's own choice of digest; validated against the choices before it is saved."""
    row, _created = NotificationSettings.objects.get_or_create(user=by)
    row.digest = digest
    row.full_clean(exclude=["user"])
    row.save(update_fields=["digest"])
    return row


def settings_of(user: User) -> NotificationSettings:
    """The user's settings as saved, or the default (no e-mail) without writing a row."""
    return NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)


@service
def notifications_digest_send(*, now: datetime.datetime | None = None, by: User | None = None) -> int:
    """E-mail each user who chose the daily digest what is still unread since their last one; returns how many.

    One query reads every digest's notifications, one UPDATE moves every ``digest_sent_until`` on, and the
    mails leave after the commit, so a run that rolls back sends nothing and a second run sends nothing twice.
    Notification texts name no resident, so neither does the mail; it links to the inbox, not to a case.
    """
    moment = now or timezone.now()
    chosen = (
        NotificationSettings.objects.select_for_update()
        .filter(digest=NotificationSettings.Digest.DAILY, user__is_active=True)
        .exclude(user__email="")
    )
    rows = {row.user_id: row for row in chosen.select_related("user")}
    if not rows:
        return 0
    since = Coalesce(F("recipient__notification_settings__digest_sent_until"), Value(moment - DIGEST_FIRST_LOOKBACK))
    unread = (
        Notification.objects.filter(recipient_id__in=rows, read_at__isnull=True, created_at__lte=moment)
        .alias(since=since)
        .filter(created_at__gt=F("since"))
        .order_by("recipient_id", "created_at", "id")
        .values_list("recipient_id", "text")
    )
    by_user: dict[int, list[str]] = {}
    for recipient_id, text in unread:
        by_user.setdefault(recipient_id, []).append(text)
    chosen.filter(user_id__in=rows).update(digest_sent_until=moment)
    inbox = settings.WIJKTEAM_SITE_URL.rstrip("/") + reverse("notifications:inbox")
    for user_id, texts in by_user.items():
        user = rows[user_id].user
        with translation.override(settings.LANGUAGE_CODE):
            subject = ngettext(
                "Wijkteam: %(count)d unread notification", "Wijkteam: %(count)d unread notifications", len(texts)
            ) % {"count": len(texts)}
            lines = [f"- {text}" for text in texts[:DIGEST_MAX_ITEMS]]
            if len(texts) > DIGEST_MAX_ITEMS:
                lines.append(_("… and %(count)d more.") % {"count": len(texts) - DIGEST_MAX_ITEMS})
            body = "\n".join([_("Unread in Wijkteam:"), "", *lines, "", _("Read them at %(url)s") % {"url": inbox}])
        transaction.on_commit(functools.partial(send_mail, subject, body, None, [user.email]))
    return len(by_user)

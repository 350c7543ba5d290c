"""Writing and removing drafts; each in one transaction, for the writer alone."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from organisations.models import User
from privacy.actor import service

from .models import Draft

# Longer text than any note: a draft is a safety net, not a document store.
MAX_DRAFT_CHARACTERS = 50_000


@service
def draft_save(*, by: User, key: str, case_id: int, text: str) -> Draft | None:
    """Keep ``text`` as ``by``'s draft for ``key`` (the newest wins); an emptied field removes the draft."""
    if not text.strip():
        Draft.objects.filter(writer=by, key=key).delete()
        return None
    draft, _ = Draft.objects.update_or_create(
        writer=by,
        key=key,
        defaults={"case_id": case_id, "text": text[:MAX_DRAFT_CHARACTERS], "updated_at": timezone.now()},
    )
    return draft


@service
def draft_discard(*, by: User, key: str) -> None:
    """The form was saved, or the writer threw the draft away: the draft goes."""
    Draft.objects.filter(writer=by, key=key).delete()


def drafts_expired(now: datetime.datetime | None = None):  # type: ignore[no-untyped-def]
    """Drafts older than WIJKTEAM_DRAFT_KEEP_HOURS: what the daily retention run deletes."""
    moment = now or timezone.now()
    return Draft.objects.filter(updated_at__lt=moment - datetime.timedelta(hours=settings.WIJKTEAM_DRAFT_KEEP_HOURS))

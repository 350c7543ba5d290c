"""Writes of the privacy officer's own screens that are not requests or retention."""

from __future__ import annotations

import datetime

from organisations.models import User

from .actor import service
from .models import OfficerVisit


@service
def officer_visit_record(*, user: User, at: datetime.datetime) -> OfficerVisit:
    """Remember when the officer last opened the start page: what was refused before is no longer new."""
    visit, _created = OfficerVisit.objects.update_or_create(user=user, defaults={"seen_until": at})
    return visit

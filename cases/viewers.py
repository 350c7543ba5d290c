"""Who viewed a household: its logged reads, for the coordinator and the team lead of the owning team.

Reading them is itself a logged read of the household.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from common.http import AuthenticatedHttpRequest
from organisations.models import Role
from privacy import access_log, policy
from privacy.models import AccessLogEntry

from .models import Household

VIEWERS_ON_PAGE = 10
ROLE_LABELS = dict(Role.choices)
VIEWERS_DETAIL = "who viewed this household"
HISTORY_DETAIL = "write history"
# The log's neutral detail codes (English, fixed), said in the interface's words.
DETAIL_LABELS = {
    VIEWERS_DETAIL: _("who viewed this household"),
    HISTORY_DETAIL: _("change history"),
}


@dataclass
class ReadRow:
    entry: AccessLogEntry
    reader: str
    role: str
    detail: str = ""


def _reader_name(entry: AccessLogEntry) -> str:
    """The reader's current name (``with_reader_names``), else the username the log kept."""
    parts = (getattr(entry, "reader_first_name", ""), getattr(entry, "reader_last_name", ""))
    return " ".join(part for part in parts if part) or entry.username


def recent_reads(*, household: Household, number: int, size: int) -> tuple[list[ReadRow], int | None]:
    """One page of the household's logged reads, newest first, and the next page's number if any (one query)."""
    start = (number - 1) * size
    entries = list(
        AccessLogEntry.objects.reads_of_household(household.pk)
        .with_reader_names()
        .only("occurred_at", "username", "role", "organisation_name", "action", "channel", "detail")
        .order_by("-occurred_at", "-id")[start : start + size + 1]
    )
    rows = [
        ReadRow(
            entry=entry,
            reader=_reader_name(entry),
            role=str(ROLE_LABELS.get(entry.role, entry.role)),
            detail=str(DETAIL_LABELS.get(entry.detail, "")),
        )
        for entry in entries[:size]
    ]
    return rows, (number + 1 if len(entries) > size else None)


def viewers_read(household: Household) -> access_log.Subject:
    """Reading the access log is itself a logged read of the household: the row it writes."""
    return access_log.Subject(
        household_id=household.pk, object_type=AccessLogEntry._meta.label_lower, detail=VIEWERS_DETAIL
    )


def log_viewers_read(request: AuthenticatedHttpRequest, household: Household) -> None:
    access_log.record(
        user=request.user, action=access_log.Action.READ, subject=viewers_read(household), request=request
    )


def viewers_panel(
    request: AuthenticatedHttpRequest, household: Household, *, coordinates: bool = False
) -> dict[str, Any] | None:
    """The panel's context for the household page, or None for whoever may not see it.

    ``coordinates``: the page already knows the user is the active coordinator of the case shown,
    which the policy allows without asking the database again. The caller logs the read
    (``viewers_read``), with the page's own rows in one INSERT.
    """
    if not (coordinates or policy.may_see_who_viewed(request.user, household.pk)):
        return None
    rows, next_page = recent_reads(household=household, number=1, size=VIEWERS_ON_PAGE)
    return {"rows": rows, "more": next_page is not None}

"""The status of an export as a transition table.

queued → running → done | failed; a job can also fail while still queued (the
user lost access before a worker took it). A redelivered task finds its job
running and runs it again (running → running). done → expired when the file
is removed; failed and expired are final.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import ExportStatus

S = ExportStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.RUNNING, S.FAILED}),
    S.RUNNING: frozenset({S.RUNNING, S.DONE, S.FAILED}),
    S.DONE: frozenset({S.EXPIRED}),
    S.FAILED: frozenset(),
    S.EXPIRED: frozenset(),
}


def allowed_targets(status: str) -> frozenset[str]:
    return TRANSITIONS.get(status, frozenset())


def check_transition(from_status: str, to_status: str) -> None:
    """Raise a ValidationError on ``status`` unless the step is in the table."""
    if to_status not in allowed_targets(from_status):
        raise ValidationError(
            {
                "status": _("An export cannot go from “%(from)s” to “%(to)s”.")
                % {"from": S(from_status).label, "to": S(to_status).label}
            }
        )

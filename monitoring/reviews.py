"""Precision reviews: recording and editing them (services), and reading their frozen figures side by side.

Kept apart from ``services.py``, which is the refresh engine of the summary tables.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from funding.models import Silo
from organisations.models import Municipality, User
from privacy import policy
from privacy.suppression import HIDDEN
from themes.models import Theme

from .dashboard import Filters, dashboard
from .models import PrecisionReview

FIXED_LABELS: dict[str, Promise] = {
    "total_households": _("Households with an active case (last month of the period)"),
    "total_stapeling": _("Stapeling (households, last month of the period)"),
    "total_inflow": _("Inflow of cases"),
    "total_outflow": _("Outflow of cases"),
    "timing_days_to_first_contact": _("Median days from referral to first contact"),
    "timing_days_to_plan": _("Median days from referral to an agreed plan"),
}
# Figures per theme or silo: the prefix of the key, and how to say it.
PREFIXED_LABELS: tuple[tuple[str, Promise, str], ...] = (
    ("goals_achieved_", _("Goals achieved: %(name)s"), "theme"),
    ("blockages_open_", _("Open blockages: %(name)s"), "silo"),
    ("blockages_stuck_", _("Euros stuck: %(name)s"), "silo"),
    ("funding_allocated_", _("Allocated (€): %(name)s"), "silo"),
    ("funding_spent_", _("Spent (€): %(name)s"), "silo"),
)


@dataclass
class FigureRow:
    key: str
    label: str
    values: list[str]


def figure_rows(reviews: Sequence[PrecisionReview]) -> list[FigureRow]:
    """Every figure any of the reviews froze, labelled, with each review's value (a dash where it has none).

    Two queries whatever the number of reviews: the names of themes and silos.
    """
    names = {
        "theme": dict(_names(Theme)),
        "silo": dict(_names(Silo)),
    }
    names["silo"]["none"] = str(_("no silo recorded"))
    keys: list[str] = []
    for review in reviews:
        for key in (review.snapshot or {}).get("figures", {}):
            if key not in keys:
                keys.append(key)
    rows = [
        FigureRow(
            key=key,
            label=_label(key, names),
            values=[str((review.snapshot or {}).get("figures", {}).get(key, HIDDEN)) for review in reviews],
        )
        for key in keys
    ]
    order = list(FIXED_LABELS)
    return sorted(rows, key=lambda row: (order.index(row.key) if row.key in order else len(order), row.label))


def _names(model: type[Theme] | type[Silo]) -> list[tuple[str, str]]:
    return [(item.code, item.name) for item in model.objects.only("code", "name_nl", "name_en")]


def _label(key: str, names: dict[str, dict[str, str]]) -> str:
    if key in FIXED_LABELS:
        return str(FIXED_LABELS[key])
    for prefix, label, kind in PREFIXED_LABELS:
        if key.startswith(prefix):
            code = key[len(prefix) :]
            return str(label) % {"name": names[kind].get(code, code)}
    return key


# --- Writing: services -----------------------------------------------------------------------


def _require_bureau(by: User) -> None:
    if not policy.may_write_precision_reviews(by):
        raise PermissionDenied


def _review_fields(*, programme: str, answers: Mapping[str, str], decisions: str) -> dict[str, str]:
    unknown = set(answers) - set(PrecisionReview.QUESTION_FIELDS)
    if unknown:
        raise ValueError(f"Not a precision question: {sorted(unknown)}")
    fields = {name: (answers.get(name) or "").strip() for name in PrecisionReview.QUESTION_FIELDS}
    fields.update(programme=programme.strip(), decisions=decisions.strip())
    return fields


@transaction.atomic
def precision_review_create(
    *,
    by: User,
    programme: str,
    municipality: Municipality,
    period_start: datetime.date,
    period_end: datetime.date,
    answers: Mapping[str, str],
    decisions: str = "",
) -> PrecisionReview:
    """Record a review and freeze the key figures of its municipality and period as they stand now.

    The snapshot is read from the summary tables through the dashboard, so it holds the
    same suppressed figures the dashboard shows; it is never recomputed afterwards.
    """
    _require_bureau(by)
    if period_end < period_start:
        raise ValidationError({"period_end": [gettext("The end of the period lies before its start.")]})
    review = PrecisionReview(
        municipality=municipality,
        period_start=period_start,
        period_end=period_end,
        created_by=by,
        **_review_fields(programme=programme, answers=answers, decisions=decisions),
    )
    review.full_clean()
    board = dashboard(scope=None, filters=Filters(municipality_id=municipality.pk, start=period_start, end=period_end))
    review.snapshot = {
        "figures": board.key_figures(),
        "summaries_as_of": board.freshness.finished_at.isoformat()
        if board.freshness and board.freshness.finished_at
        else None,
    }
    review.snapshot_taken_at = timezone.now()
    review.save()
    return review


@transaction.atomic
def precision_review_update(
    *,
    review: PrecisionReview,
    by: User,
    version: int,
    programme: str,
    answers: Mapping[str, str],
    decisions: str = "",
) -> PrecisionReview:
    """Change a review's answers and decisions. Municipality, period and snapshot stay as recorded.

    ``version`` is the version the editor started from: two people can edit one review,
    and the later save must not silently undo the earlier one.
    """
    _require_bureau(by)
    # Lock the row so two saves of the same version cannot both pass the check.
    current = PrecisionReview.objects.select_for_update().get(pk=review.pk)
    if current.version != version:
        raise ValidationError(
            gettext(
                "Someone else saved this review while you were editing it. "
                "Open it again to see their changes, then make yours."
            )
        )
    for name, value in _review_fields(programme=programme, answers=answers, decisions=decisions).items():
        setattr(current, name, value)
    current.version += 1
    current.updated_by = by
    current.updated_at = timezone.now()
    current.full_clean()
    current.save()
    return current

"""Reading precision reviews: their answers and frozen figures, one review or several side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from funding.models import Silo
from privacy.suppression import HIDDEN
from themes.models import Theme

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

"""The blockage register's rows and totals for the programme bureau and the auditor (pseudonymous).

One query path for the screen and its export: ``register_form`` validates the
filters, ``register_blockages`` applies them to the register's scope, and the
totals are one aggregate in SQL, suppressed as every aggregate is.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from organisations.models import User
from privacy import access_log, policy, suppression

from .forms import RegisterForm
from .models import Blockage, BlockageStatus
from .querysets import BlockageQuerySet

EXPORT_FIELDS = ("status", "area", "opened_from", "opened_to", "silo", "reason", "level", "sort")
SORTS = {
    "-opened_at": ("-opened_at", "-pk"),
    "opened_at": ("opened_at", "pk"),
    "-euros_stuck": ("-euros_stuck", "-opened_at", "-pk"),
    "euros_stuck": ("euros_stuck", "-opened_at", "-pk"),
    "reference": ("action__case__reference", "pk"),
}


def register_form(user: User, data: Mapping[str, Any]) -> RegisterForm:
    return RegisterForm(data, municipality_id=policy.funding_municipality_id(user))


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def register_blockages(user: User, cleaned: Mapping[str, Any]) -> BlockageQuerySet:
    """The register's blockages under the form's cleaned filters, in the chosen order."""
    blockages = Blockage.objects.in_register_of(user)
    status = cleaned.get("status") or "open"
    if status == "open":
        blockages = blockages.open()
    elif status == "closed":
        blockages = blockages.exclude(status__in=[BlockageStatus.OPEN, BlockageStatus.ESCALATED])
    silo = cleaned.get("silo")
    if silo == "none":
        blockages = blockages.filter(silo__isnull=True)
    elif silo:
        blockages = blockages.filter(silo__code=silo)
    if cleaned.get("reason"):
        blockages = blockages.filter(reason=cleaned["reason"])
    if cleaned.get("level"):
        blockages = blockages.filter(level=cleaned["level"])
    area = cleaned.get("area")
    if area is not None:
        # The buurt the household lived in when the blockage arose (as the audit counts it).
        blockages = blockages.filter(Q(neighbourhood=area) | Q(neighbourhood__parent=area))
    if cleaned.get("opened_from"):
        blockages = blockages.filter(opened_at__gte=_day_start(cleaned["opened_from"]))
    if cleaned.get("opened_to"):
        blockages = blockages.filter(opened_at__lt=_day_start(cleaned["opened_to"] + datetime.timedelta(days=1)))
    return blockages.order_by(*SORTS[cleaned.get("sort") or "-opened_at"])


@dataclass(frozen=True)
class Totals:
    cases: suppression.Cell
    euros: Decimal | None  # None when withheld with the count of cases

    @property
    def euros_display(self) -> str:
        return suppression.HIDDEN if self.euros is None else ""


def register_totals(blockages: BlockageQuerySet) -> Totals:
    """Cases (standing for households) and euros stuck under the filters, in one SQL aggregate.

    The register's readers see aggregates only beside pseudonymous rows, so a total over fewer cases than
    the threshold is withheld, and its euros with it (one case's euros would identify its amount).
    """
    figures = blockages.order_by().aggregate(
        cases=Count("action__case", distinct=True), euros=Sum("euros_stuck", default=Decimal("0"))
    )
    cases = suppression.count_cell(figures["cases"])
    return Totals(cases=cases, euros=None if cases.suppressed else figures["euros"])


def export_header() -> list[str]:
    return [
        _("Case"),
        _("District"),
        _("Neighbourhood"),
        _("Reason"),
        _("Silo"),
        _("Theme"),
        _("Euros stuck"),
        _("Opened"),
        _("Days open"),
        _("Status"),
        _("Lies with"),
    ]


def export_rows(blockages: BlockageQuerySet) -> tuple[list[list[Any]], list[access_log.Subject]]:
    """The rows as the screen lists them, and the cases they name (each exported one is logged)."""
    rows = []
    listed = list(blockages.for_register())
    for blockage in listed:
        buurt = blockage.action.case.household.neighbourhood
        rows.append(
            [
                blockage.action.case.reference,
                buurt.parent.name if buurt.parent else "",
                buurt.name,
                blockage.get_reason_display(),
                blockage.silo.name if blockage.silo else "",
                blockage.action.theme.name,
                blockage.euros_stuck,
                timezone.localtime(blockage.opened_at).date(),
                blockage.days_open,
                blockage.get_status_display(),
                blockage.get_level_display(),
            ]
        )
    return rows, [access_log.subject_for(blockage) for blockage in listed]

"""Named rules for funding data, used by the models, the services and the spend import."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

IV3_VALIDATOR = RegexValidator(r"^[0-9]\.[0-9]{1,2}$", _("Enter an Iv3 taakveld such as 6.2 or 6.71."))
STREAM_CODE_VALIDATOR = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{1,39}$", _("Use capitals, digits and hyphens, such as JW-AMB-2025.")
)


def validate_positive_amount(value: Decimal) -> None:
    if value <= 0:
        raise ValidationError(_("Enter an amount above zero."), code="not_positive")


def validate_period_within(
    start: datetime.date, end: datetime.date, outer_start: datetime.date, outer_end: datetime.date
) -> None:
    """An allocation's period lies inside its stream's period."""
    if end < start:
        raise ValidationError(_("The end date must not come before the start date."), code="period_reversed")
    if start < outer_start or end > outer_end:
        raise ValidationError(
            _("The period must lie within the funding stream's period (%(start)s to %(end)s).")
            % {"start": outer_start.isoformat(), "end": outer_end.isoformat()},
            code="outside_stream_period",
        )

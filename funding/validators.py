"""Named rules for funding data, used by the models, the services and the spend import."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from stdnum.nl import bsn

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


# Nine digits, possibly grouped as 1234.56.789 or 1234 56 789, not inside a longer number.
_BSN_CANDIDATE = re.compile(r"(?<![\d.])\d{4}[ .]?\d{2}[ .]?\d{3}(?![\d])")


def personal_details_in(text: str, names: Iterable[str]) -> list[str]:
    """The BSNs (nine digits passing the 11-proef) and the given names found in the text, as written there.

    Names match case-insensitively and as whole words (``Samira`` but not ``Samirastraat``); a name of
    several words matches with any spacing. A match inside a longer one (``Dijk`` in ``van Dijk``) is
    reported once, as the longer.
    """
    spans: list[tuple[int, int]] = []
    for match in _BSN_CANDIDATE.finditer(text):
        if bsn.is_valid(re.sub(r"\D", "", match.group(0))):
            spans.append(match.span())
    for name in {name.strip() for name in names if len(name.strip()) >= 2}:
        words = r"\s+".join(re.escape(word) for word in name.split())
        spans.extend(match.span() for match in re.finditer(rf"(?<!\w){words}(?!\w)", text, re.IGNORECASE))
    outer = [
        (start, end)
        for start, end in spans
        if not any(s <= start and end <= e and (s, e) != (start, end) for s, e in spans)
    ]
    return [text[start:end] for start, end in sorted(set(outer))]


_PRODUCT = re.compile(r"(?P<category>\d{2})(?:[A-Z0-9]{3})?")


def validate_product_category(value: str) -> None:
    """An action's iWmo/iJw product category (``02``), or a product code within it (``02A08``: the category's
    two digits and three more), names a category of the reference list (``ProductCategory``).

    Product codes themselves are the municipality's own (its product list) and are not checked beyond that.
    """
    from django.apps import apps

    if not value:
        return
    match = _PRODUCT.fullmatch(value)
    category = match.group("category") if match else None
    if category is None or not apps.get_model("funding", "ProductCategory").objects.filter(code=category).exists():
        raise ValidationError(
            _("“%(value)s” is not an iWmo/iJw product category of the reference list, such as 02 (Begeleiding)."),
            code="unknown_product_category",
            params={"value": value},
        )

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.nl import bsn as stdnum_bsn


def validate_bsn(value: str) -> None:
    """A BSN is nine digits that pass the 11-proef (python-stdnum)."""
    if not stdnum_bsn.is_valid(value) or len(stdnum_bsn.compact(value)) != 9:
        raise ValidationError(
            _("This is not a valid BSN: it must be nine digits that pass the eleven test."), code="invalid_bsn"
        )

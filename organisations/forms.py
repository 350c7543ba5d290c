"""Form fields that name municipalities and areas the way the public does: by CBS code, never by row id."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

MAX_CODE_LENGTH = 10  # BU03630000


class CbsCodeChoiceField(forms.ModelChoiceField):
    """A municipality or area by its CBS code (``GM0363``, ``WK036300``, ``BU03630000``).

    Codes carry their year and return when municipalities merge; the newest
    year is meant, as in the API (``monitoring/api.py``). A row id, the old
    form of these filters, is no code and is refused like any unknown value.
    """

    def __init__(self, queryset: models.QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(queryset, to_field_name="code", **kwargs)

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        code = str(value)
        found = None
        assert self.queryset is not None  # given in __init__
        if len(code) <= MAX_CODE_LENGTH and "\x00" not in code:
            found = self.queryset.filter(code=code).order_by("-code_year").first()
        if found is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": code}
            )
        return found


def newest_by_code(model: type[models.Model], code: object) -> Any:
    """The municipality or area with this CBS code in its newest year, or None (also for anything not a code)."""
    text = str(code or "")
    if not text or len(text) > MAX_CODE_LENGTH or "\x00" in text:
        return None
    return model._default_manager.filter(code=text).order_by("-code_year").first()

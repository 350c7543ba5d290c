"""Form fields of the organisation model: areas named by CBS code (never by row id), and a team lead's team settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Team

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


class TeamSettingsForm(forms.Form):
    """A team lead's settings of one team (issue 14: who pays the team's actions from a stream).

    ``shown`` is the setting as the page showed it: a change made meanwhile by another lead is not
    overwritten unseen (``organisations.services.team_settings_save``).
    """

    allocated_by = forms.ChoiceField(
        label=_("Who pays the team's actions from a funding stream"),
        choices=Team.AllocatedBy.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Paying an action ties it to the silo that pays it. The team lead only: the professional proposes "
            "the action and the lead picks the stream. Every professional: whoever works on the case picks it."
        ),
    )
    shown = forms.CharField(widget=forms.HiddenInput)

    def clean_shown(self) -> str:
        shown: str = self.cleaned_data["shown"]
        if shown not in Team.AllocatedBy.values:
            raise forms.ValidationError(_("The page was out of date: open it again."), code="invalid")
        return shown

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from organisations.models import Area, Municipality
from themes.models import Theme


class DashboardFilterForm(forms.Form):
    municipality = forms.ModelChoiceField(Municipality.objects.all(), required=False, label=_("Municipality"))
    area = forms.ModelChoiceField(Area.objects.all(), required=False, label=_("District or neighbourhood"))
    theme = forms.ModelChoiceField(Theme.objects.all(), required=False, label=_("Theme"))
    start = forms.DateField(required=False, label=_("From"), help_text=_("e.g. 2025-01-01"))
    end = forms.DateField(required=False, label=_("Until"), help_text=_("e.g. 2025-12-31"))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end of the period lies before its start."))
        return data

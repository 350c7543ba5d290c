"""Forms check shape only; the services decide. Widgets carry the Utrecht classes and, once a field
has an error, ``aria-invalid`` and ``aria-describedby`` pointing at the message next to it."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.models import User
from privacy import policy

from .models import BlockageReason, BlockageResolution, Silo
from .report import GRANULARITIES, LEVELS, ReportParams

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # a million rows are about 40 MB


class UtrechtForm(forms.Form):
    WIDGET_CLASSES = {
        forms.Select: "utrecht-select utrecht-select--html-select",
        forms.Textarea: "utrecht-textarea utrecht-textarea--html-textarea",
        forms.ClearableFileInput: "utrecht-textbox",
        forms.FileInput: "utrecht-textbox",
    }
    DEFAULT_CLASS = "utrecht-textbox utrecht-textbox--html-input"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = next(
                (css for kind, css in self.WIDGET_CLASSES.items() if isinstance(field.widget, kind)),
                self.DEFAULT_CLASS,
            )
            field.widget.attrs.setdefault("class", css)

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                field = self.fields[name]
                auto_id = self[name].auto_id
                described_by = [f"{auto_id}_errors"] + ([f"{auto_id}_helptext"] if field.help_text else [])
                field.widget.attrs["aria-invalid"] = "true"
                field.widget.attrs["aria-describedby"] = " ".join(described_by)


class BlockageRegisterForm(UtrechtForm):
    reason = forms.ChoiceField(label=_("What blocks"), choices=BlockageReason.choices, initial=BlockageReason.OTHER)
    silo = forms.ModelChoiceField(
        label=_("Silo"), queryset=Silo.objects.filter(silo_free=False), required=False, empty_label=_("— none —")
    )
    rule = forms.CharField(
        label=_("Rule cited"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("The article, condition or agreement that blocks. No names or personal details."),
    )
    household_impact = forms.CharField(
        label=_("What it costs the household"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    euros_stuck = forms.DecimalField(
        label=_("Euros stuck"), min_value=Decimal("0"), max_digits=12, decimal_places=2, localize=True
    )
    delay_days = forms.IntegerField(label=_("Days of delay"), min_value=0, max_value=3650)


class EscalateForm(UtrechtForm):
    note = forms.CharField(
        label=_("Note for the next level"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class ResolveForm(UtrechtForm):
    resolution = forms.ChoiceField(
        label=_("How it was resolved"),
        choices=[
            (BlockageResolution.EXEMPTION, BlockageResolution.EXEMPTION.label),
            (BlockageResolution.OTHER_ROUTE, BlockageResolution.OTHER_ROUTE.label),
        ],
    )
    note = forms.CharField(label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class NotResolvableForm(UtrechtForm):
    note = forms.CharField(
        label=_("Why it cannot be resolved"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class DoorbraakForm(UtrechtForm):
    amount = forms.DecimalField(
        label=_("Amount from the flexible budget (€)"),
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        localize=True,
    )
    note = forms.CharField(
        label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


def _years() -> list[tuple[int, int]]:
    this_year = timezone.localdate().year
    return [(year, year) for year in range(this_year + 1, this_year - 6, -1)]


class ReportForm(UtrechtForm):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=_years)
    level = forms.ChoiceField(
        label=_("Area level"), choices=[("wijk", _("district (wijk)")), ("buurt", _("neighbourhood (buurt)"))]
    )
    granularity = forms.ChoiceField(
        label=_("Period"), choices=[("month", _("month")), ("quarter", _("quarter")), ("year", _("year"))]
    )
    silo = forms.ModelChoiceField(
        label=_("Silo"), queryset=Silo.objects.all(), required=False, empty_label=_("all silos"), to_field_name="code"
    )


def report_defaults() -> dict[str, Any]:
    return {"year": timezone.localdate().year, "level": "wijk", "granularity": "quarter", "silo": ""}


def report_params_for(user: User, data: Mapping[str, Any] | None) -> tuple[ReportForm, ReportParams | None]:
    """The audit's parameters from its filter form, for the user's municipality (screen and export alike).

    The caller has checked ``policy.may_see_funding_aggregates(user)``; no data means the defaults.
    """
    municipality_id = policy.funding_municipality_id(user)
    assert municipality_id is not None
    form = ReportForm(data or report_defaults())
    if not form.is_valid():
        return form, None
    cleaned = form.cleaned_data
    return form, ReportParams(
        municipality_id=municipality_id,
        year=cleaned["year"],
        level=cleaned["level"],
        granularity=cleaned["granularity"],
        silo_id=cleaned["silo"].pk if cleaned["silo"] else None,
        exact=policy.may_see_case_references(user),
    )


class CellForm(forms.Form):
    """The drill-down's cell, from the report's link (shape only)."""

    year = forms.IntegerField(min_value=2000, max_value=2100)
    level = forms.ChoiceField(choices=[(level, level) for level in LEVELS])
    granularity = forms.ChoiceField(choices=[(g, g) for g in GRANULARITIES])
    silo = forms.IntegerField(min_value=0)
    area = forms.IntegerField(min_value=-1)
    period = forms.DateField(input_formats=["%Y-%m-%d"])
    page = forms.IntegerField(min_value=1, required=False)

    def clean_period(self) -> datetime.date:
        period: datetime.date = self.cleaned_data["period"]
        if period.day != 1:
            raise forms.ValidationError(_("A period starts on the first of a month."))
        return period


class SpendUploadForm(UtrechtForm):
    file = forms.FileField(
        label=_("Spend file (CSV)"),
        help_text=_(
            "Columns: allocation_reference, month (YYYY-MM), amount (euros, e.g. 1250.00) and optionally "
            "stream_code; separated by commas or semicolons, the first line naming the columns."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 200 MB; split it into smaller files."))
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Upload a CSV file (.csv or .txt)."))
        return upload

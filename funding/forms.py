"""Forms check shape only; the services decide. They are drawn by ``templates/components/field.html``, which
gives the widgets their Utrecht classes; Django links a field to its help and error (``aria-describedby``)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import DateField, LocalisedDecimalField
from organisations.models import Area, User
from privacy import policy

from . import uploads
from .models import BlockageLevel, BlockageReason, BlockageResolution, FundingStream, Silo, SpendImport
from .report import GRANULARITIES, LEVELS, ReportParams


class BlockageRegisterForm(forms.Form):
    reason = forms.ChoiceField(label=_("What blocks"), choices=BlockageReason.choices, initial=BlockageReason.OTHER)
    silo = forms.ModelChoiceField(
        label=_("Silo"),
        queryset=Silo.objects.filter(silo_free=False),
        required=False,
        empty_label=_("— none —"),
        to_field_name="code",
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
    euros_stuck = LocalisedDecimalField(label=_("Euros stuck"), min_value=Decimal("0"), max_digits=12, decimal_places=2)
    delay_days = forms.IntegerField(label=_("Days of delay"), min_value=0, max_value=3650)


class EscalateForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the next level"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def __init__(self, *args: Any, for_register: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Said before typing, not only in the refusal: the bureau reads this note without household context.
        self.fields["note"].help_text = (
            _("This note goes to the programme bureau. Write no names and no BSN: refer to the case reference.")
            if for_register
            else _("This note stays within the team.")
        )


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("How it was resolved"),
        choices=[
            (BlockageResolution.EXEMPTION, BlockageResolution.EXEMPTION.label),
            (BlockageResolution.OTHER_ROUTE, BlockageResolution.OTHER_ROUTE.label),
        ],
    )
    note = forms.CharField(label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class NotResolvableForm(forms.Form):
    note = forms.CharField(
        label=_("Why it cannot be resolved"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class DoorbraakForm(forms.Form):
    amount = LocalisedDecimalField(
        label=_("Amount from the flexible budget (€)"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    note = forms.CharField(
        label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


def _years() -> list[tuple[int, int]]:
    this_year = timezone.localdate().year
    return [(year, year) for year in range(this_year + 1, this_year - 6, -1)]


class ReportForm(forms.Form):
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
    dimension = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("area", _("per silo and area")), ("iv3", _("per Iv3 taakveld (municipal accounts)"))],
    )


def report_dimension(form: ReportForm) -> str:
    """``iv3`` for the table per Iv3 taakveld, ``area`` (the default) for the one per silo and area."""
    return (form.cleaned_data.get("dimension") if form.is_valid() else "") or "area"


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
    """The drill-down's cell, from the report's link (shape only).

    The silo and the area are named by code (a silo code, a CBS code), never by row id; no silo is
    the "no stream for the theme" row, no area the silo's total over every area.
    """

    year = forms.IntegerField(min_value=2000, max_value=2100)
    level = forms.ChoiceField(choices=[(level, level) for level in LEVELS])
    granularity = forms.ChoiceField(choices=[(g, g) for g in GRANULARITIES])
    silo = forms.ModelChoiceField(queryset=Silo.objects.all(), to_field_name="code", required=False)
    area = forms.CharField(max_length=10, required=False)
    period = forms.DateField(input_formats=["%Y-%m-%d"])
    pagina = forms.IntegerField(min_value=1, required=False)  # the one pager's parameter (common.paging)

    def clean_period(self) -> datetime.date:
        period: datetime.date = self.cleaned_data["period"]
        if period.day != 1:
            raise forms.ValidationError(_("A period starts on the first of a month."))
        return period


class SpendUploadForm(forms.Form):
    """The screen's door to ``funding.uploads``: the same check as the API's, its message next to the field."""

    file = forms.FileField(
        label=_("Spend file (CSV)"),
        help_text=_(
            "Columns: allocation_reference, month (YYYY-MM), amount (euros, e.g. 1250.00) and optionally "
            "stream_code; separated by commas or semicolons, the first line naming the columns."
        ),
    )
    dialect = forms.ChoiceField(
        label=_("How the file writes amounts"),
        choices=SpendImport.Dialect.choices,
        initial=SpendImport.Dialect.AUTO,
        required=False,
        help_text=_(
            "Commas between the fields go with a decimal point (1250.00); semicolons with a decimal comma and "
            "thousands dots (1.250,00)."
        ),
    )

    def clean_dialect(self) -> str:
        return self.cleaned_data.get("dialect") or SpendImport.Dialect.AUTO

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.is_bound and ("file" in cleaned or uploads.refusal_of(self.request)):
            try:
                cleaned["content"] = uploads.spend_file_content(cleaned.get("file"), request=self.request)
            except forms.ValidationError as error:
                # A file the parser stopped reading is missing from FILES: say why, not "required".
                self.errors.pop("file", None)
                self.add_error("file", error)
        return cleaned


class PayForm(forms.Form):
    """Pay an action from a stream: the stream, the amount as typed in Dutch ("3.200,00") and the period."""

    stream = forms.ChoiceField(label=_("Funding stream"))
    amount = LocalisedDecimalField(
        label=_("Amount (€)"), max_digits=12, decimal_places=2, help_text=_("For example 3.200,00.")
    )
    period_start = DateField(label=_("From"))
    period_end = DateField(label=_("Until"))

    def __init__(self, *args: Any, streams: Sequence[FundingStream], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.streams = {str(stream.uuid): stream for stream in streams}
        stream_field = self.fields["stream"]
        assert isinstance(stream_field, forms.ChoiceField)
        stream_field.choices = [("", _("— choose a stream —"))] + [
            (key, f"{stream.name} ({stream.silo.name}, {stream.valid_from:%d-%m-%Y} t/m {stream.valid_until:%d-%m-%Y})")
            for key, stream in self.streams.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The end cannot be before the start."))
        return data

    def chosen_stream(self) -> FundingStream:
        return self.streams[self.cleaned_data["stream"]]


REGISTER_SORTS = {
    "-opened_at": _("newest first"),
    "opened_at": _("oldest first (longest open)"),
    "-euros_stuck": _("most euros stuck first"),
    "euros_stuck": _("fewest euros stuck first"),
    "reference": _("case reference"),
}


class RegisterForm(forms.Form):
    """The register's filters (shape only): each one filters or is refused next to its field, never ignored."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("open and escalated")), ("closed", _("resolved or not resolvable")), ("all", _("all"))],
    )
    area = forms.CharField(
        label=_("District or neighbourhood"),
        required=False,
        max_length=10,
        help_text=_("A CBS code such as WK036301 or BU03630101; empty for the whole municipality."),
    )
    opened_from = DateField(label=_("Opened from"), required=False)
    opened_to = DateField(label=_("Opened until"), required=False)
    silo = forms.ChoiceField(label=_("Silo"), required=False)
    reason = forms.ChoiceField(
        label=_("Reason"), required=False, choices=[("", _("all reasons")), *BlockageReason.choices]
    )
    level = forms.ChoiceField(
        label=_("Lies with"), required=False, choices=[("", _("all levels")), *BlockageLevel.choices]
    )
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=list(REGISTER_SORTS.items()))

    def __init__(self, *args: Any, municipality_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality_id = municipality_id
        silos = Silo.objects.filter(silo_free=False).order_by("order")
        self.fields["silo"].choices = [  # type: ignore[attr-defined]
            ("", _("all silos")),
            ("none", _("no stream for the theme")),
            *((silo.code, silo.name) for silo in silos),
        ]

    def clean_area(self) -> Area | None:
        code = self.cleaned_data.get("area", "").strip().upper()
        if not code or self.municipality_id is None:
            return None
        area = Area.objects.filter(municipality_id=self.municipality_id, code=code).order_by("-code_year").first()
        if area is None:
            raise forms.ValidationError(_("No district or neighbourhood of your municipality has this code."))
        return area

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("opened_from"), cleaned.get("opened_to")
        if start and end and end < start:
            self.add_error("opened_to", _("The end date must not come before the start date."))
        return cleaned

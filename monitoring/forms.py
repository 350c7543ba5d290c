from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db import models
from django.db.models import Subquery
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from common.forms import WrittenSelect
from organisations.forms import MAX_CODE_LENGTH, CbsCodeChoiceField
from organisations.models import Area, Municipality, User
from privacy import policy
from themes.models import Theme

from .dashboard import Dashboard, Filters, dashboard
from .models import PrecisionReview


class DashboardFilterForm(forms.Form):
    """The dashboard's filters. Areas are picked in two steps: a municipality, then a wijk or buurt within it.

    The area list holds only the chosen municipality's areas (a national list has thousands); without
    JavaScript the page is shown again after choosing a municipality, with htmx the list is replaced
    at once (``monitoring:areas``). An area given without a municipality implies its municipality.
    """

    # By CBS code and theme code: a filter URL names no row id (and a row id is refused).
    municipality = CbsCodeChoiceField(
        Municipality.objects.all(), required=False, label=_("Municipality"), widget=WrittenSelect
    )
    area = CbsCodeChoiceField(
        Area.objects.none(),
        required=False,
        widget=WrittenSelect,
        label=_("District or neighbourhood"),
        help_text=_("Choose a municipality first, then a district or neighbourhood within it."),
    )
    theme = forms.ModelChoiceField(
        Theme.objects.all(), required=False, label=_("Theme"), to_field_name="code", widget=WrittenSelect
    )
    start = forms.DateField(required=False, label=_("From"), help_text=_("e.g. 2025-01-01"))
    end = forms.DateField(required=False, label=_("Until"), help_text=_("e.g. 2025-12-31"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("monitoring:areas"),
                "hx-trigger": "change",
                "hx-target": "#id_area",
                "hx-swap": "outerHTML",
            }
        )
        area = self.fields["area"]
        assert isinstance(area, forms.ModelChoiceField)
        area.queryset = areas_of(self.municipality_of_areas())

    def municipality_of_areas(self) -> models.QuerySet[Any] | None:
        """The municipality whose areas the area list offers, by code: the one chosen, or else the given area's.

        A subquery, not a row: the area list's own query resolves it, so choosing costs no extra query.
        """
        data = self.data if self.is_bound else {}
        for name, model, column in (("municipality", Municipality, "pk"), ("area", Area, "municipality_id")):
            code = str(data.get(name) or "")
            if code and len(code) <= MAX_CODE_LENGTH:
                return model._default_manager.filter(code=code).order_by("-code_year").values(column)[:1]
        return None

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end of the period lies before its start."))
        return data


def filtered_board(user: User, data: Mapping[str, Any] | None) -> tuple[DashboardFilterForm, Dashboard]:
    """The dashboard as the user may see it, filtered by the form's data (screen, print and export alike).

    The caller has checked ``policy.may_see_monitoring(user)``; invalid filters show the whole scope.
    """
    form = DashboardFilterForm(data or None)
    filters = Filters()
    if form.is_valid():
        cleaned = form.cleaned_data
        filters = Filters(
            municipality_id=cleaned["municipality"].pk if cleaned["municipality"] else None,
            area_id=cleaned["area"].pk if cleaned["area"] else None,
            theme_id=cleaned["theme"].pk if cleaned["theme"] else None,
            start=cleaned["start"],
            end=cleaned["end"],
        )
    return form, dashboard(scope=policy.monitoring_buurten_in_scope(user), filters=filters)


def areas_of(municipality: models.QuerySet[Any] | None) -> models.QuerySet[Area]:
    """The wijken, then the buurten, of one municipality (a one-row subquery of its id); none without one."""
    if municipality is None:
        return Area.objects.none()
    return Area.objects.filter(municipality_id=Subquery(municipality)).order_by("-kind", "code")


QUESTION_HELP = {
    "q1_problem_analysis": _(
        "Which problems do residents, professionals and civil servants see here? How did the analysis come about?"
    ),
    "q2_selection_and_scale": _(
        "On which criteria were the areas chosen? At which scale does the approach work: buurt, wijk, district?"
    ),
    "q3_what_this_scale_can_do": _(
        "Which problems can and cannot be tackled at this scale, and what do local parties think?"
    ),
    "q4_leefbaarheid": _(
        "What is meant by leefbaarheid here, and does it match how residents experience their surroundings?"
    ),
    "q5_integration": _(
        "Between local partners, partners in the city, layers of government, themes, residents and all parties?"
    ),
    "q6_continuity": _("How are the means made available that keep the approach going for a long period?"),
    "q7_unintended_effects": _(
        "How is reflected, along the way, on unintended side effects of policy and on criticised instruments?"
    ),
}


class PrecisionReviewForm(forms.Form):
    """The answers and decisions of a review; ``with_period`` adds municipality and period (creation only)."""

    programme = forms.CharField(
        label=_("Programme"), max_length=160, help_text=_("e.g. Wijkaanpak Noord, quarterly review")
    )
    municipality = CbsCodeChoiceField(Municipality.objects.order_by("name"), label=_("Municipality"))
    period_start = forms.DateField(label=_("Period from"), help_text=_("e.g. 2025-01-01"))
    period_end = forms.DateField(label=_("Period until"), help_text=_("e.g. 2025-03-31"))
    q1_problem_analysis = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    q2_selection_and_scale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    q3_what_this_scale_can_do = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    q4_leefbaarheid = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    q5_integration = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    q6_continuity = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    q7_unintended_effects = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    decisions = forms.CharField(
        label=_("Decisions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the programme changes as a result of this review."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, with_period: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in PrecisionReview.QUESTION_FIELDS:
            self.fields[name].label = PrecisionReview.label_of(name)
            self.fields[name].help_text = QUESTION_HELP[name]
        if not with_period:
            for name in ("municipality", "period_start", "period_end"):
                del self.fields[name]
        else:
            del self.fields["version"]

    def answers(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in PrecisionReview.QUESTION_FIELDS}


class ReviewListFilterForm(forms.Form):
    municipality = CbsCodeChoiceField(Municipality.objects.order_by("name"), required=False, label=_("Municipality"))
    programme = forms.CharField(required=False, max_length=160, label=_("Programme"))

"""Forms of the casework screens: they check the shape of the input; the services decide the rest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisations.models import Area
from themes.models import Theme

from .models import CaseStatus, Contact

TEXTBOX = "utrecht-textbox utrecht-textbox--html-input"
SELECT = "utrecht-select utrecht-select--html-select"
TEXTAREA = "utrecht-textarea utrecht-textarea--html-textarea"


class _ClassOnOptions:
    """Put the Utrecht class on each radio or checkbox, not on the wrapper Django draws around them."""

    option_class = ""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)  # type: ignore[misc]
        option["attrs"]["class"] = self.option_class
        return option


class UtrechtCheckboxes(_ClassOnOptions, forms.CheckboxSelectMultiple):
    option_class = "utrecht-checkbox utrecht-checkbox--html-input"


class UtrechtRadios(_ClassOnOptions, forms.RadioSelect):
    option_class = "utrecht-radio-button utrecht-radio-button--html-input"


class CaseloadFilterForm(forms.Form):
    """The caseload's filters and sort order, read from the query string (all optional)."""

    SORTS = {
        "contact": _("last contact, longest ago first"),
        "-contact": _("last contact, most recent first"),
        "aanmelding": _("referral date, oldest first"),
        "-aanmelding": _("referral date, newest first"),
        "status": _("status"),
    }

    status = forms.ChoiceField(label=_("Status"), required=False, widget=forms.Select(attrs={"class": SELECT}))
    thema = forms.ChoiceField(label=_("Theme"), required=False, widget=forms.Select(attrs={"class": SELECT}))
    gebied = forms.TypedChoiceField(
        label=_("Area (district or neighbourhood)"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": SELECT}),
    )
    sorteer = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=list(SORTS.items()), widget=forms.Select(attrs={"class": SELECT})
    )

    def __init__(self, *args: Any, themes: Sequence[Theme], areas: Sequence[Area], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)
        every = [("", _("all"))]
        open_statuses = [(value, label) for value, label in CaseStatus.choices if value != CaseStatus.CLOSED]
        cast(forms.ChoiceField, self.fields["status"]).choices = every + open_statuses
        cast(forms.ChoiceField, self.fields["thema"]).choices = every + [(theme.code, theme.name) for theme in themes]
        cast(forms.ChoiceField, self.fields["gebied"]).choices = every + [
            (area.pk, f"{area.get_kind_display()}: {area.name}") for area in areas
        ]


class ContactForm(forms.Form):
    """A contactmoment, logged in place on the household page (or on its own page without JavaScript)."""

    occurred_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"class": TEXTBOX, "type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Fill in the date of the contact."), "invalid": _("Enter a valid date.")},
    )
    kind = forms.ChoiceField(
        label=_("Type of contact"),
        choices=[("", _("— choose —")), *Contact.Kind.choices],
        widget=forms.Select(attrs={"class": SELECT}),
        error_messages={"required": _("Choose the type of contact.")},
    )
    themes = forms.MultipleChoiceField(
        label=_("Themes"),
        widget=UtrechtCheckboxes,
        error_messages={"required": _("Choose at least one theme.")},
    )
    minutes = forms.IntegerField(
        label=_("Minutes spent"),
        min_value=1,
        max_value=24 * 60,
        help_text=_("Including travel and preparation."),
        widget=forms.NumberInput(attrs={"class": TEXTBOX, "inputmode": "numeric"}),
        error_messages={
            "required": _("Fill in how many minutes the contact took."),
            "invalid": _("Enter a whole number of minutes."),
            "min_value": _("A contact takes at least one minute."),
            "max_value": _("A contact cannot take more than a day (1440 minutes)."),
        },
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"class": TEXTAREA, "rows": 4}),
    )
    confidentiality = forms.ChoiceField(
        label=_("Who may read this note"),
        choices=Contact.Confidentiality.choices,
        initial=Contact.Confidentiality.ALL_INVOLVED,
        widget=UtrechtRadios,
        error_messages={"required": _("Choose who may read this note.")},
    )

    def __init__(self, *args: Any, themes: Sequence[Theme], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "contact_%s")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["themes"]).choices = [(theme.code, theme.name) for theme in themes]
        if not self.is_bound:
            self.initial.setdefault("occurred_on", timezone.localdate())

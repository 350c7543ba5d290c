from django import forms
from django.utils.translation import gettext_lazy as _

from cases.validators import validate_bsn
from wijkteam.forms import DateField

from . import register


class LogSearchForm(forms.Form):
    username = forms.CharField(label=_("User name"), required=False, max_length=150)
    bsn = forms.CharField(
        label=_("BSN of the person"), required=False, max_length=9, validators=[validate_bsn],
        help_text=_("Exact match only."),
    )  # fmt: skip
    case_reference = forms.CharField(label=_("Case reference"), required=False, max_length=20)
    date_from = DateField(label=_("From"), required=False)
    date_to = DateField(label=_("Until"), required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("all")), ("allowed", _("allowed")), ("refused", _("refused"))],
    )
    activity = forms.ChoiceField(
        label=_("Processing activity"),
        required=False,
        choices=[("", _("all")), *((entry.code, entry.name) for entry in register.REGISTER)],
    )
    with_reason = forms.BooleanField(label=_("Only reads outside the usual purpose (with a reason)"), required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not any(data.get(name) for name in ["username", "bsn", "case_reference", "date_from", "with_reason"]):
            raise forms.ValidationError(_("Search by user, person, case or date."))
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end date must come after the start date."))
        return data


class SubjectLookupForm(forms.Form):
    bsn = forms.CharField(label=_("BSN"), required=False, max_length=9, validators=[validate_bsn])
    case_reference = forms.CharField(label=_("Case reference"), required=False, max_length=20)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("bsn") and not data.get("case_reference"):
            raise forms.ValidationError(_("Give the person's BSN or a case reference."))
        return data


class SubjectActionForm(forms.Form):
    person = forms.UUIDField(widget=forms.HiddenInput)
    received_on = DateField(label=_("Request received on"))
    confirm = forms.BooleanField(
        label=_("I have checked the requester's identity"), required=True,
    )  # fmt: skip

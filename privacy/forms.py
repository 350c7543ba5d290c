import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Person
from cases.validators import validate_bsn
from common.forms import DateField

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


class DisclosureDecisionForm(forms.Form):
    item = forms.CharField(widget=forms.HiddenInput, max_length=80)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("withhold", _("withhold")), ("release", _("release"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=300,
        help_text=_("Required when you withhold an item, e.g. it is about another person (AVG art. 15(4))."),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("decision") == "withhold" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for withholding this item."))
        return data


def _plain(value: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", value.upper())


def initials_of(person: object) -> str:
    """The initials of the first name and surname, e.g. "Anna de Vries" → "AV"."""
    parts = [getattr(person, "first_name", ""), getattr(person, "last_name", "")]
    return "".join(part[0] for part in parts if part).upper()


class ErasureConfirmForm(forms.Form):
    """Erasure is deliberate: the officer types the person's initials or a case reference of their household."""

    typed = forms.CharField(
        label=_("Type the person's initials or a case reference of their household"),
        max_length=20,
        help_text=_("For example AV for Anna de Vries. Nothing is removed until this matches."),
    )

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_typed(self) -> str:
        typed = _plain(self.cleaned_data["typed"])
        references = {
            _plain(reference)
            for reference in Case.objects.filter(household__memberships__person=self.person).values_list(
                "reference", flat=True
            )
        }
        if not typed or (typed != initials_of(self.person) and typed not in references):
            raise forms.ValidationError(_("This does not match the person's initials or a case reference."))
        return typed

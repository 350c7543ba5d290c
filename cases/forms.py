"""Forms of casework. They check the shape of what was typed and turn it into service input; the rules
(who may, what is allowed, what must hold together) live in ``services.py``, whose refusals the views put
next to the fields with ``common.forms.apply_errors``.

Choice lists come from ``CaseChoices``: loaded once per request, through ``visible_to``, so a form with
twenty rows costs as many queries as a form with one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from common.forms import (
    DateField,
    DateInput,
    LocalisedDecimalField,
    ObjectChoiceField,
    ObjectMultipleChoiceField,
    RowFormSet,
    WrittenSelect,
    load_choices,
)
from organisations.models import Area, Organisation, Team, TeamMembership, User
from privacy import policy
from themes.models import Instrument, InstrumentDomain, Theme

from . import services, workflow
from .models import (
    POSTCODE_VALIDATOR,
    Action,
    Case,
    CaseConference,
    CaseStatus,
    Contact,
    Document,
    Goal,
    HouseholdMembership,
    Involvement,
    LegalBasis,
    NetworkPerson,
    Person,
    Plan,
    PlanVersion,
    Reminder,
)
from .validators import validate_bsn

# Zelfredzaamheid-Matrix 2017: what each score means.
ZRM_SCORE_LABELS = {
    1: _("1 acute problems"),
    2: _("2 not self-reliant"),
    3: _("3 barely self-reliant"),
    4: _("4 sufficiently self-reliant"),
    5: _("5 fully self-reliant"),
}


def person_label(person: Person) -> str:
    if person.date_of_birth:
        return f"{person.full_name} ({formats.date_format(person.date_of_birth, 'SHORT_DATE_FORMAT')})"
    return person.full_name


def professional_label(user: User) -> str:
    return f"{user} — {user.organisation}" if user.organisation_id else str(user)


class CaseChoices:
    """What the forms of one case choose from, each list loaded at most once per request."""

    def __init__(self, *, case: Case, user: User) -> None:
        self.case = case
        self.user = user

    @cached_property
    def themes(self) -> list[Theme]:
        return list(Theme.objects.order_by("order"))

    @cached_property
    def organisations(self) -> list[Organisation]:
        """Active organisations of the team's municipality: who can deliver, who consent can cover."""
        return list(
            Organisation.objects.filter(active=True, municipality_id=self.case.team.municipality_id).order_by("name")
        )

    @cached_property
    def memberships(self) -> list[HouseholdMembership]:
        """Who lives in the household today."""
        return list(
            cast(
                Any,
                HouseholdMembership.objects.visible_to(self.user)
                .current()
                .filter(household_id=self.case.household_id)
                .select_related("person")
                .order_by("start_date", "id"),
            )
        )

    @property
    def members(self) -> list[Person]:
        return [membership.person for membership in self.memberships]

    @cached_property
    def involved_professionals(self) -> list[User]:
        involvements = Involvement.objects.visible_to(self.user).active().filter(case_id=self.case.pk)
        return list(
            User.objects.filter(involvements__in=involvements)
            .select_related("organisation")
            .distinct()
            .order_by("first_name", "last_name", "id")
        )

    @cached_property
    def case_workers(self) -> list[User]:
        """Who can own a task of the case: the professionals involved in it and its team's members, each once."""
        seen: dict[int, User] = {user.pk: user for user in self.involved_professionals}
        for user in self.team_professionals:
            seen.setdefault(user.pk, user)
        return list(seen.values())

    @cached_property
    def team_professionals(self) -> list[User]:
        """Current members of the case's team who can coordinate."""
        memberships = TeamMembership.objects.current().filter(team_id=self.case.team_id)
        return list(
            User.objects.filter(
                memberships__in=memberships,
                role__in=policy.CASEWORK_ROLES,
                organisation__isnull=False,
                is_active=True,
            )
            .select_related("organisation")
            .distinct()
            .order_by("first_name", "last_name", "id")
        )

    @cached_property
    def professionals(self) -> list[User]:
        """Professionals of the municipality's organisations who can be involved in a case."""
        return list(
            User.objects.filter(
                role__in=policy.CASEWORK_ROLES,
                is_active=True,
                organisation__municipality_id=self.case.team.municipality_id,
            )
            .select_related("organisation")
            .order_by("first_name", "last_name", "id")
        )


def _choices(choices: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


def _text(**kwargs: Any) -> forms.CharField:
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **kwargs)


def _not_in_future(value: Any, message: Any) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(message)


def row_formset(form: type[forms.Form], *, min_num: int, max_num: int) -> type[RowFormSet]:
    return forms.formset_factory(  # type: ignore[return-value]
        form, formset=RowFormSet, extra=0, min_num=min_num, max_num=max_num, validate_max=True, absolute_max=max_num
    )


# --- Persons -------------------------------------------------------------------------------


class PersonForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=80)
    surname_prefix = forms.CharField(
        label=_("Surname prefix"), max_length=20, required=False, help_text=_("For example van, de or van der.")
    )
    last_name = forms.CharField(label=_("Surname"), max_length=120)
    date_of_birth = DateField(label=_("Date of birth"), required=False)
    bsn = forms.CharField(
        label=_("BSN (optional)"),
        max_length=11,
        required=False,
        help_text=_("Nine digits. Only fill it in when you need it; it is shown masked."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role in the household"), choices=_choices(HouseholdMembership.Role.choices))

    def clean_bsn(self) -> str | None:
        compact = re.sub(r"[\s.]", "", self.cleaned_data["bsn"])
        if not compact:
            return None
        validate_bsn(compact)
        return compact

    def clean_date_of_birth(self) -> Any:
        value = self.cleaned_data["date_of_birth"]
        _not_in_future(value, _("A date of birth cannot be in the future."))
        return value

    def to_input(self) -> services.PersonInput:
        data = self.cleaned_data
        return services.PersonInput(
            first_name=data["first_name"],
            surname_prefix=data["surname_prefix"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            bsn=data["bsn"],
            role=data["role"],
        )


class MemberRowFormSet(RowFormSet):
    def clean(self) -> None:
        seen: set[str] = set()
        for form in self.forms:
            bsn = form.cleaned_data.get("bsn") if hasattr(form, "cleaned_data") else None
            if bsn and bsn in seen:
                form.add_error("bsn", _("The same BSN is given for two members."))
            if bsn:
                seen.add(bsn)


MemberFormSet = cast(
    type[MemberRowFormSet],
    forms.formset_factory(
        PersonForm, formset=MemberRowFormSet, extra=0, min_num=1, max_num=20, validate_max=True, absolute_max=20
    ),
)


class MemberJoinForm(PersonForm):
    """A person who comes to live in the household (or is found missing from it)."""

    start_date = DateField(label=_("Lives in the household since"), initial=timezone.localdate)


# --- Duplicate review at registration ------------------------------------------------------------

NEW_PERSON = "new"


def match_label(match: Any) -> str:
    """A likely match as the radio button reads it: name, date of birth, households, why it matches."""
    person = match.person
    parts = [person.full_name]
    if person.date_of_birth:
        parts.append(str(_("born %(date)s") % {"date": formats.date_format(person.date_of_birth, "j F Y")}))
    if person.bsn:
        parts.append(str(_("BSN %(bsn)s") % {"bsn": person.masked_bsn}))
    for membership in match.memberships[:3]:
        parts.append(str(membership.household))
    return " · ".join([*parts, ", ".join(match.reasons)])


class MatchForm(forms.Form):
    """After likely matches were shown for a member: one of them, or a new person with a reason."""

    seen = forms.CharField(widget=forms.HiddenInput, initial="1")
    match = forms.ChoiceField(label=_("Is this one of these persons?"), widget=forms.RadioSelect)
    new_reason = forms.CharField(
        label=_("Why is this a different person?"),
        required=False,
        max_length=500,
        help_text=_("Only when you register a new person. For example: another father, checked by phone."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, matches: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.matches = list(matches)
        cast(forms.ChoiceField, self.fields["match"]).choices = [
            *((str(match.person.uuid), match_label(match)) for match in self.matches),
            (NEW_PERSON, _("None of these: register a new person")),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("match") == NEW_PERSON and not (data.get("new_reason") or "").strip():
            self.add_error("new_reason", _("Say why this is not one of the persons shown."))
        return data

    def apply(self, member: services.PersonInput) -> services.PersonInput:
        """The member's service input with the choice made here."""
        import dataclasses

        chosen = self.cleaned_data["match"]
        existing = next((m.person for m in self.matches if str(m.person.uuid) == chosen), None)
        return dataclasses.replace(
            member,
            existing=existing,
            shown_matches=tuple(m.person.pk for m in self.matches),
            new_reason=self.cleaned_data["new_reason"] if existing is None else "",
        )


class AddressCheckForm(forms.Form):
    """After households at the same address were shown: the referrer confirms this is another household."""

    seen = forms.CharField(widget=forms.HiddenInput, initial="1")
    confirmed = forms.BooleanField(
        label=_("I have checked these households: this referral is for a new household at this address"),
        required=True,
        error_messages={"required": _("Check the households at this address first, or open the existing one.")},
    )


# --- Referral ------------------------------------------------------------------------------


class ReferralForm(forms.Form):
    team = ObjectChoiceField(label=_("Team"))
    street = forms.CharField(label=_("Street"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    house_number = forms.IntegerField(
        label=_("House number"),
        min_value=1,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "utrecht-textbox--house-number-size"}),
    )
    house_number_suffix = forms.CharField(
        label=_("Addition"),
        max_length=10,
        required=False,
        help_text=_("For example A or 2-hoog."),
        widget=forms.TextInput(attrs={"class": "utrecht-textbox--house-addition-size"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=7,
        help_text=_("For example 1234 AB."),
        widget=forms.TextInput(attrs={"class": "utrecht-textbox--postal-code-nl-size"}),
    )
    city = forms.CharField(label=_("City"), max_length=80)
    neighbourhood = ObjectChoiceField(
        label=_("Neighbourhood"), help_text=_("Only the neighbourhoods your teams work in.")
    )
    referral_source = forms.ChoiceField(label=_("Referred by"), choices=_choices(Case.ReferralSource.choices))
    referral_reason = _text(label=_("Reason for the referral"), help_text=_("In the referrer's words, briefly."))
    referred_on = DateField(label=_("Date of referral"), initial=timezone.localdate)
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"),
        choices=_choices(LegalBasis.choices),
        help_text=_("The ground on which the coordinator will work with this household."),
    )

    def __init__(self, *args: Any, team_areas: Sequence[tuple[Team, Sequence[Area]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = [team for team, _areas in team_areas]
        load_choices(self, "team", teams)
        if len(teams) == 1:
            self.fields["team"].initial = teams[0].pk
            load_choices(self, "neighbourhood", team_areas[0][1])
        else:
            load_choices(self, "neighbourhood", [], groups=[(team.name, areas) for team, areas in team_areas])

    def clean_postcode(self) -> str:
        postcode = re.sub(r"\s", "", self.cleaned_data["postcode"]).upper()
        POSTCODE_VALIDATOR(postcode)
        return postcode

    def clean_referred_on(self) -> Any:
        value = self.cleaned_data["referred_on"]
        _not_in_future(value, _("A referral date cannot be in the future."))
        return value


# --- The plan --------------------------------------------------------------------------------


class PlanForm(forms.Form):
    based_on_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    author = forms.ChoiceField(
        label=_("Whose plan is this?"),
        choices=PlanVersion.Author.choices,
        widget=forms.RadioSelect,
        help_text=_("Under the Jeugdwet a family may draw up its own plan first (family group plan)."),
    )
    summary = _text(label=_("Summary"), required=False)
    agreed_on = DateField(label=_("Agreed with the household on"), required=False)
    evaluate_on = DateField(label=_("Evaluate on"), required=False)


class GoalForm(forms.Form):
    theme = ObjectChoiceField(label=_("Theme"))
    text = forms.CharField(
        label=_("Goal"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Write the goal down as the household puts it."),
    )
    in_own_words = forms.BooleanField(label=_("These are the household's own words"), required=False, initial=True)
    status = forms.ChoiceField(label=_("Status"), choices=Goal.Status.choices, initial=Goal.Status.OPEN)

    def __init__(self, *args: Any, themes: Sequence[Theme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        load_choices(self, "theme", themes)

    def to_input(self) -> services.GoalInput:
        data = self.cleaned_data
        return services.GoalInput(
            theme=data["theme"], text=data["text"], in_own_words=data["in_own_words"], status=data["status"]
        )


GoalFormSet = row_formset(GoalForm, min_num=1, max_num=30)


# --- Actions ----------------------------------------------------------------------------------


class ActionPeriodMixin(forms.Form):
    """An action's period, as entered on a new action and on a correction: the end is not before the start."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end cannot be before the start."))
        return data


class ActionForm(ActionPeriodMixin):
    theme = ObjectChoiceField(label=_("Theme"))
    description = forms.CharField(label=_("What is done"), max_length=300)
    delivering_organisation = ObjectChoiceField(label=_("Delivered by"))
    beneficiary = ObjectChoiceField(label=_("For whom"), required=False, empty_label=_("The whole household"))
    planned_cost = LocalisedDecimalField(
        label=_("Planned cost (€)"),
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("For example 1.250,50. Leave empty when there is no cost."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices, initial=Action.Status.PROPOSED)
    start_date = DateField(label=_("Start"), required=False)
    end_date = DateField(label=_("End"), required=False)
    product_code = forms.CharField(
        label=_("iWmo/iJw product category"),
        max_length=10,
        required=False,
        help_text=_("The category code from the iWmo or iJw standard, if the action is such a provision."),
    )

    def __init__(self, *args: Any, choices: CaseChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        load_choices(self, "theme", choices.themes)
        load_choices(self, "delivering_organisation", choices.organisations)
        load_choices(self, "beneficiary", choices.members, label=person_label)

    def to_input(self) -> services.ActionInput:
        data = self.cleaned_data
        return services.ActionInput(
            theme=data["theme"],
            description=data["description"],
            delivering_organisation=data["delivering_organisation"],
            beneficiary=data["beneficiary"],
            planned_cost=data.get("planned_cost") or Decimal("0"),
            status=data.get("status") or Action.Status.PROPOSED,
            start_date=data.get("start_date"),
            end_date=data.get("end_date"),
            product_code=data.get("product_code") or "",
        )


class ActionItemForm(ActionForm):
    """An action item agreed in a case conference: what, by whom, for whom, at what cost, and who follows it up
    before when (a task on their Vandaag, issue 15)."""

    status = None  # type: ignore[assignment]
    start_date = None  # type: ignore[assignment]
    end_date = None  # type: ignore[assignment]
    product_code = None  # type: ignore[assignment]
    follow_up_by = ObjectChoiceField(label=_("Who follows it up"), required=False, empty_label=_("— nobody yet —"))
    follow_up_on = DateField(label=_("Follow up before"), required=False)

    def __init__(self, *args: Any, choices: CaseChoices, **kwargs: Any) -> None:
        super().__init__(*args, choices=choices, **kwargs)
        load_choices(self, "follow_up_by", choices.case_workers, label=professional_label)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("follow_up_by") and not data.get("follow_up_on"):
            self.add_error("follow_up_on", _("Enter the date it must be done by."))
        if data.get("follow_up_on") and not data.get("follow_up_by"):
            self.add_error("follow_up_by", _("Choose who does it."))
        return data

    def to_input(self) -> services.ActionInput:
        return dataclasses.replace(
            super().to_input(),
            follow_up_by=self.cleaned_data.get("follow_up_by"),
            follow_up_on=self.cleaned_data.get("follow_up_on"),
        )


ActionItemFormSet = row_formset(ActionItemForm, min_num=0, max_num=20)


class ActionCorrectForm(ActionPeriodMixin):
    """Correct an action's dates, cost, deliverer or beneficiary; ``version`` is the edit lock."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    description = forms.CharField(label=_("What is done"), max_length=300)
    delivering_organisation = ObjectChoiceField(label=_("Delivered by"))
    beneficiary = ObjectChoiceField(label=_("For whom"), required=False, empty_label=_("The whole household"))
    planned_cost = LocalisedDecimalField(
        label=_("Planned cost (€)"),
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("For example 1.250,50. Leave empty when there is no cost."),
    )
    start_date = DateField(label=_("Start"), required=False)
    end_date = DateField(label=_("End"), required=False)
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=300,
        required=False,
        help_text=_("Optional. Shown with the “corrected” mark; the old values stay in the change history."),
    )

    def __init__(self, *args: Any, choices: CaseChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        load_choices(self, "delivering_organisation", choices.organisations)
        load_choices(self, "beneficiary", choices.members, label=person_label)

    def to_correction(self) -> services.ActionCorrection:
        data = self.cleaned_data
        return services.ActionCorrection(
            delivering_organisation=data["delivering_organisation"],
            beneficiary=data["beneficiary"],
            planned_cost=data["planned_cost"] or Decimal("0"),
            start_date=data["start_date"],
            end_date=data["end_date"],
            description=data["description"],
            reason=data["reason"],
        )


class ContactCorrectForm(forms.Form):
    """Correct the note of one's own contact; ``version`` is the edit lock."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write the corrected note.")},
    )
    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=300,
        required=False,
        help_text=_("Optional. Shown with the “corrected” mark; the old text stays in the change history."),
    )


# --- The meldcode huiselijk geweld en kindermishandeling -------------------------------------------

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes_no(label: Any, help_text: Any = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


class MeldcodeStepForm(forms.Form):
    """One step of the meldcode: the date, the outcome, and the questions of that step only.

    Which answers a step needs is the service's rule (``services.meldcode_record``); the form only keeps the
    fields of the step it is shown for, so nothing of another step can be posted along.
    """

    step = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=5)
    done_on = DateField(label=_("Date"), error_messages={"required": _("Fill in the date of this step.")})
    outcome = _text(
        label=_("Outcome"),
        error_messages={"required": _("Write down the outcome of this step.")},
    )
    consulted_veilig_thuis = _yes_no(
        _("Was Veilig Thuis consulted?"), _("Asking Veilig Thuis for advice is not a report.")
    )
    suspicion = _yes_no(_("1. Is there a suspicion of domestic violence or child abuse?"))
    unsafe = _yes_no(_("2. Is there acute or structural unsafety?"))
    can_help = _yes_no(_("3. Am I able to offer or organise sufficient help?"))
    help_accepted = _yes_no(_("4. Do those involved accept the help?"))
    lasting_safety = _yes_no(_("5. Does the help lead to lasting safety within the desired time?"))
    report_to_veilig_thuis = forms.BooleanField(label=_("Report to Veilig Thuis"), required=False)
    organise_help = forms.BooleanField(label=_("Organise help"), required=False)

    STEP_FIELDS: dict[int, tuple[str, ...]] = {
        2: ("consulted_veilig_thuis",),
        4: ("suspicion", "unsafe", "can_help", "help_accepted", "lasting_safety"),
        5: ("report_to_veilig_thuis", "organise_help"),
    }
    ALL_STEP_FIELDS = frozenset(name for names in STEP_FIELDS.values() for name in names)

    def __init__(self, *args: Any, step: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown_step = step
        for name in self.ALL_STEP_FIELDS - set(self.STEP_FIELDS.get(step, ())):
            del self.fields[name]
        if not self.is_bound:
            self.initial.setdefault("step", step)
            self.initial.setdefault("done_on", timezone.localdate())

    def to_input(self) -> services.MeldcodeInput:
        data = self.cleaned_data
        answers = {name: data.get(name) for name in self.STEP_FIELDS.get(self.shown_step, ())}
        return services.MeldcodeInput(step=data["step"], done_on=data["done_on"], outcome=data["outcome"], **answers)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Action.Status.choices, widget=forms.RadioSelect)
    # The version the form was loaded at: a change made by someone else since is not overwritten.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- Measurements -----------------------------------------------------------------------------


class MeasurementForm(forms.Form):
    """Partial by design: only the domains ticked are scored, each with its reason."""

    instrument = forms.CharField(widget=forms.HiddenInput)
    person = ObjectChoiceField(label=_("Who is this measurement about?"))
    measured_on = DateField(label=_("Date"), initial=timezone.localdate)

    def __init__(
        self,
        *args: Any,
        choices: CaseChoices,
        instrument: Instrument,
        domains: Sequence[InstrumentDomain],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.measured_instrument = instrument
        self.domains = list(domains)
        self.fields["instrument"].initial = instrument.code
        load_choices(self, "person", choices.members, label=person_label)
        labels = ZRM_SCORE_LABELS if instrument.code == "zrm" else {}
        scores = [(str(n), labels.get(n, str(n))) for n in range(instrument.min_score, instrument.max_score + 1)]
        for domain in self.domains:
            name = {"domain": domain.name}
            self.fields[f"scored-{domain.code}"] = forms.BooleanField(
                label=_("Score the domain “%(domain)s”") % name, required=False
            )
            self.fields[f"score-{domain.code}"] = forms.ChoiceField(
                label=_("Score for “%(domain)s”") % name, choices=scores, required=False, widget=forms.RadioSelect
            )
            self.fields[f"reason-{domain.code}"] = forms.CharField(
                label=_("Why “%(domain)s” is scored") % name, max_length=300, required=False
            )

    def domain_rows(self) -> list[tuple[InstrumentDomain, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (domain, self[f"scored-{domain.code}"], self[f"score-{domain.code}"], self[f"reason-{domain.code}"])
            for domain in self.domains
        ]

    def clean_instrument(self) -> str:
        if self.cleaned_data["instrument"] != self.measured_instrument.code:
            raise ValidationError(_("Choose the instrument again."))
        return self.cleaned_data["instrument"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for domain in self.domains:
            if not data.get(f"scored-{domain.code}"):
                continue
            if not data.get(f"score-{domain.code}"):
                self.add_error(f"score-{domain.code}", _("Choose a score for this domain."))
            if not (data.get(f"reason-{domain.code}") or "").strip():
                self.add_error(f"reason-{domain.code}", _("Say why this domain is scored."))
        return data

    def scores(self) -> list[services.ScoreInput]:
        """The ticked domains only; a score left on an unticked domain is not saved."""
        data = self.cleaned_data
        return [
            services.ScoreInput(domain, int(data[f"score-{domain.code}"]), data[f"reason-{domain.code}"])
            for domain in self.domains
            if data.get(f"scored-{domain.code}")
        ]


# --- Case conference ---------------------------------------------------------------------------


class ConferenceForm(forms.Form):
    held_on = DateField(label=_("Held on"), initial=timezone.localdate)
    participants = ObjectMultipleChoiceField(
        label=_("Who took part"),
        help_text=_("The professionals involved in this case."),
        error_messages={"required": _("Choose who took part.")},
    )
    other_participants = forms.CharField(
        label=_("Others who took part"),
        max_length=300,
        required=False,
        help_text=_("For example the parents, a neighbour or a teacher."),
    )
    household_present = forms.BooleanField(label=_("The household took part"), required=False, initial=True)
    decisions = _text(label=_("Decisions"))

    def __init__(self, *args: Any, choices: CaseChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        load_choices(self, "participants", choices.involved_professionals, label=professional_label)


# --- People on the case: coordinator, involvements, status ---------------------------------------


class CoordinatorForm(forms.Form):
    professional = ObjectChoiceField(label=_("New coordinator"), help_text=_("A current member of the case's team."))
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"),
        choices=_choices(LegalBasis.choices),
        required=False,
        help_text=_("Needed only when this professional is not yet involved in the case."),
    )

    def __init__(self, *args: Any, choices: CaseChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        load_choices(self, "professional", choices.team_professionals, label=professional_label)


class CaseTransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), widget=forms.RadioSelect)
    reason = _text(label=_("Reason"), required=False, help_text=_("Required when the case is closed."))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = workflow.allowed_targets(case.status)
        field = self.fields["to_status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s.value, s.label) for s in CaseStatus if s in allowed]


class InvolvementForm(forms.Form):
    professional = ObjectChoiceField(label=_("Professional"))
    role = forms.ChoiceField(label=_("Role"), choices=Involvement.Role.choices, initial=Involvement.Role.PRACTITIONER)
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=_choices(LegalBasis.choices))
    start_date = DateField(label=_("From"), initial=timezone.localdate)

    def __init__(self, *args: Any, choices: CaseChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        load_choices(self, "professional", choices.professionals, label=professional_label)


class EndForm(forms.Form):
    """The date something ends: an involvement, a membership of the household, a consent."""

    end_date = DateField(label=_("Date"), initial=timezone.localdate)

    def __init__(self, *args: Any, start: Any, label: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start = start
        if label:
            self.fields["end_date"].label = label

    def clean_end_date(self) -> Any:
        value = self.cleaned_data["end_date"]
        if self.start and value < self.start:
            raise ValidationError(
                _("The date cannot be before %(date)s."),
                params={"date": formats.date_format(self.start, "SHORT_DATE_FORMAT")},
            )
        return value


# --- Consent ------------------------------------------------------------------------------------


class ConsentForm(forms.Form):
    person = ObjectChoiceField(label=_("Who gives consent"))
    purpose = forms.CharField(
        label=_("Purpose"), max_length=300, help_text=_("What the information is shared for, in plain words.")
    )
    organisations = ObjectMultipleChoiceField(
        label=_("Shared with"), error_messages={"required": _("Name the organisations the consent covers.")}
    )
    given_on = DateField(label=_("Given on"), initial=timezone.localdate)
    expires_on = DateField(label=_("Expires on"), required=False)

    def __init__(self, *args: Any, choices: CaseChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        load_choices(self, "person", choices.members, label=person_label)
        load_choices(self, "organisations", choices.organisations)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given, expires = data.get("given_on"), data.get("expires_on")
        if given and expires and expires < given:
            self.add_error("expires_on", _("The consent cannot expire before it was given."))
        return data


# --- Search ---------------------------------------------------------------------------------------


POSTCODE_START = re.compile(r"[1-9][0-9]{3}[A-Z]{0,2}")


class SearchForm(forms.Form):
    """Find a household by a member's name, by postcode and house number, or by an exact BSN."""

    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        required=False,
        help_text=_("First name, surname or both, with or without van, de, ter …, in any order, accents optional."),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"class": "utrecht-textbox--postal-code-nl-size"}),
    )
    house_number = forms.IntegerField(
        label=_("House number"),
        min_value=1,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "utrecht-textbox--house-number-size"}),
    )
    bsn = forms.CharField(
        label=_("BSN"),
        max_length=11,
        required=False,
        help_text=_("All nine digits: a BSN is only found when it matches exactly."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    # Sent by the pager's buttons with the criteria as typed (POST: never in a URL); not a field on screen.
    pagina = forms.IntegerField(min_value=1, max_value=1000, required=False)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if name and len(name) < 2:
            raise ValidationError(_("Type at least two letters."))
        return name

    def clean_postcode(self) -> str:
        postcode = re.sub(r"\s", "", self.cleaned_data["postcode"]).upper()
        if postcode and not POSTCODE_START.fullmatch(postcode):
            raise ValidationError(_("Type a postcode, or its first four digits: 1234 AB or 1234."))
        return postcode

    def clean_bsn(self) -> str:
        bsn = re.sub(r"[\s.]", "", self.cleaned_data["bsn"])
        if bsn:
            validate_bsn(bsn)
        return bsn

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if data.get("house_number") and not data.get("postcode"):
            self.add_error("postcode", _("Give the postcode with the house number."))
        elif not (data.get("name") or data.get("postcode") or data.get("bsn")):
            raise ValidationError(_("Fill in a name, a postcode or a BSN."))
        return data


# --- The reading screens: caseload filters and the contact logged in place ---

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

    status = forms.ChoiceField(label=_("Status"), required=False, widget=WrittenSelect(attrs={"class": SELECT}))
    thema = forms.ChoiceField(label=_("Theme"), required=False, widget=WrittenSelect(attrs={"class": SELECT}))
    gebied = forms.TypedChoiceField(
        label=_("Area (district or neighbourhood)"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=WrittenSelect(attrs={"class": SELECT}),
    )
    sorteer = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=list(SORTS.items()), widget=WrittenSelect(attrs={"class": SELECT})
    )

    def __init__(self, *args: Any, themes: Sequence[Theme], areas: Sequence[Area], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)
        every = [("", _("all"))]
        open_statuses = [(value, label) for value, label in CaseStatus.choices if value != CaseStatus.CLOSED]
        cast(forms.ChoiceField, self.fields["status"]).choices = every + open_statuses
        cast(forms.ChoiceField, self.fields["thema"]).choices = every + [(theme.code, theme.name) for theme in themes]
        # The option names the area by CBS code (no row id in the URL); the filter gets its id.
        gebied = cast(forms.TypedChoiceField, self.fields["gebied"])
        gebied.choices = every + [(area.code, f"{area.get_kind_display()}: {area.name}") for area in areas]
        gebied.coerce = {area.code: area.pk for area in areas}.__getitem__


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
        # Kept as a draft while typing (drafts/): nothing is lost when the session runs out.
        widget=forms.Textarea(
            attrs={
                "class": TEXTAREA,
                "rows": 4,
                "hx-post": reverse_lazy("drafts:save"),
                "hx-trigger": "input changed delay:1500ms",
                "hx-include": "closest form",
                "hx-target": "#draft-status",
                "hx-swap": "innerHTML",
            }
        ),
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


class ReminderFilterForm(forms.Form):
    """The reminders page's one filter, read from the query string (optional)."""

    soort = forms.ChoiceField(label=_("Kind of reminder"), required=False, widget=forms.Select(attrs={"class": SELECT}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["soort"]).choices = [("", _("all")), *Reminder.Kind.choices]


# --- The team's inbox and transfers (cases/inbox.py) ------------------------------------------------------


class ReferralAcceptForm(forms.Form):
    professional = ObjectChoiceField(label=_("Coordinator"), help_text=_("A current member of the team."))
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"),
        choices=_choices(LegalBasis.choices),
        required=False,
        help_text=_("Leave empty to use the legal basis stated at referral."),
    )

    def __init__(self, *args: Any, professionals: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        load_choices(self, "professional", professionals, label=professional_label)


class ReasonForm(forms.Form):
    reason = _text(label=_("Reason"), help_text=_("Recorded in the case's history."))


class HandoverForm(forms.Form):
    to_team = ObjectChoiceField(label=_("To team"))
    note = _text(
        label=_("Handover note"),
        help_text=_("What the receiving team needs to know to take over well (warme overdracht)."),
    )

    def __init__(self, *args: Any, teams: Sequence[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        load_choices(self, "to_team", teams)


class KnownHouseholdCaseForm(forms.Form):
    team = ObjectChoiceField(label=_("Team"))
    referral_source = forms.ChoiceField(label=_("Referred by"), choices=_choices(Case.ReferralSource.choices))
    referral_reason = _text(label=_("Reason for the referral"), help_text=_("In the referrer's words, briefly."))
    referred_on = DateField(label=_("Date of referral"), initial=timezone.localdate)
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"),
        choices=_choices(LegalBasis.choices),
        help_text=_("The ground on which the coordinator will work with this household."),
    )

    def __init__(self, *args: Any, teams: Sequence[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        load_choices(self, "team", teams)
        if len(teams) == 1:
            self.fields["team"].initial = teams[0].pk

    def clean_referred_on(self) -> Any:
        value = self.cleaned_data["referred_on"]
        _not_in_future(value, _("A referral date cannot be in the future."))
        return value


# --- The network around the household (cases/network.py) ---------------------------------------------------


class NetworkPersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160, help_text=_("As the household calls them."))
    related_to = ObjectChoiceField(label=_("Related to"))
    relation = forms.ChoiceField(label=_("Relation"), choices=_choices(NetworkPerson.Relation.choices))
    relation_detail = forms.CharField(
        label=_("About the relation"),
        max_length=200,
        required=False,
        help_text=_("For example: picks up the children on Fridays."),
    )

    def __init__(self, *args: Any, members: Sequence[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        load_choices(self, "related_to", members, label=person_label)


# --- Documents (issue #16, item 3) -----------------------------------------------


class DocumentForm(forms.Form):
    """A document on the case or on one of its records. The file comes last: when the upload is stopped
    for its size, the fields before it are still read and shown again as typed."""

    attached_to = forms.ChoiceField(
        label=_("Belongs to"),
        widget=forms.Select(attrs={"class": SELECT}),
        error_messages={
            "required": _("Choose what the document belongs to."),
            "invalid_choice": _("Choose from the list."),
        },
    )
    confidentiality = forms.ChoiceField(
        label=_("Who may open this document"),
        choices=Document.Confidentiality.choices,
        initial=Document.Confidentiality.ALL_INVOLVED,
        widget=UtrechtRadios,
        help_text=_("A document on a note for your own organisation only is for your own organisation only too."),
        error_messages={"required": _("Choose who may open this document.")},
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, PNG, JPEG, Word (DOCX), OpenDocument (ODT) or plain text."),
        error_messages={"required": _("Choose the file to add."), "empty": _("The file is empty.")},
        allow_empty_file=True,  # the service says "empty" in its own words, with the other refusals
    )

    def __init__(self, *args: Any, case: Case, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.records: dict[str, dict[str, Any]] = {"case": {}}
        choices: list[Any] = [("case", _("the case as a whole"))]
        plan = Plan.objects.filter(case=case).first()
        if plan is not None:
            self.records["plan"] = {"plan": plan}
            choices.append(("plan", _("the household plan")))
        conferences = list(CaseConference.objects.filter(case=case).order_by("-held_on", "-id")[:20])
        for conference in conferences:
            self.records[f"conference:{conference.uuid}"] = {"conference": conference}
        if conferences:
            choices.append(
                (
                    _("Case conferences"),
                    [(f"conference:{c.uuid}", formats.date_format(c.held_on, "j F Y")) for c in conferences],
                )
            )
        contacts = list(
            Contact.objects.readable_on_visible_case(user).filter(case=case).timeline()[:DOCUMENT_CONTACT_CHOICES]
        )
        for contact in contacts:
            self.records[f"contact:{contact.uuid}"] = {"contact": contact}
        if contacts:
            choices.append(
                (
                    _("Contacts"),
                    [
                        (f"contact:{c.uuid}", f"{formats.date_format(c.occurred_on, 'j F Y')} · {c.get_kind_display()}")
                        for c in contacts
                    ],
                )
            )
        cast(forms.ChoiceField, self.fields["attached_to"]).choices = choices

    def record(self) -> dict[str, Any]:
        """The service's keyword for the chosen record (``contact=…``, ``plan=…``), none for the case itself."""
        return self.records[self.cleaned_data["attached_to"]]


# The latest contacts a document can be put on; an older one is rare and can take it on the case.
DOCUMENT_CONTACT_CHOICES = 30


# --- Key figures (issue #16, item 5) ---------------------------------------------


class KeyFigureForm(forms.Form):
    """A key figure of a buurt: a name, what they are to the neighbourhood, how to reach them. No resident."""

    area = ObjectChoiceField(
        label=_("Neighbourhood"),
        widget=forms.Select(attrs={"class": SELECT}),
        error_messages={"required": _("Choose the neighbourhood."), "invalid_choice": _("Choose from the list.")},
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=160,
        widget=forms.TextInput(attrs={"class": TEXTBOX, "autocomplete": "off"}),
        error_messages={"required": _("Fill in the name."), "max_length": _("Use at most 160 characters.")},
    )
    description = forms.CharField(
        label=_("Who or what"),
        max_length=300,
        help_text=_("Their role in the neighbourhood, e.g. imam, sports club, GP. Nothing about residents."),
        widget=forms.TextInput(attrs={"class": TEXTBOX}),
        error_messages={"required": _("Say who or what this is."), "max_length": _("Use at most 300 characters.")},
    )
    contact_details = forms.CharField(
        label=_("How to reach"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": TEXTBOX}),
        error_messages={"max_length": _("Use at most 200 characters.")},
    )

    def __init__(self, *args: Any, areas: Sequence[Area] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if areas is None:  # editing: the buurt stays where it is
            del self.fields["area"]
        else:
            cast(ObjectChoiceField, self.fields["area"]).set_objects(areas, label=lambda area: area.name)


class KeyFigureEndForm(forms.Form):
    ended_on = DateField(
        label=_("End date"),
        help_text=_("The first day the team no longer works with them. The key figure is kept, marked as ended."),
        widget=DateInput(attrs={"class": TEXTBOX}),
        error_messages={"required": _("Fill in the end date."), "invalid": _("Enter a valid date.")},
    )

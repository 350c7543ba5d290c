"""The agenda's forms: a task or an appointment on one case, and the digest choice lives in notifications."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms import CaseChoices, professional_label
from cases.models import Action
from common.forms import DateField, ObjectChoiceField, load_choices
from organisations.models import User


def action_label(action: Action) -> str:
    if action.conference_id:
        return str(_("%(action)s (agreed in the case conference of %(date)s)")) % {
            "action": action.description,
            "date": action.conference.held_on.strftime("%d-%m-%Y") if action.conference else "",
        }
    return action.description


class TaskForm(forms.Form):
    title = forms.CharField(label=_("What to do"), max_length=200, help_text=_("For example: call the school."))
    owner = ObjectChoiceField(label=_("Who does it"), error_messages={"required": _("Choose who does it.")})
    due_on = DateField(label=_("Before"), error_messages={"required": _("Enter the date it must be done by.")})
    action = ObjectChoiceField(
        label=_("Comes from"),
        required=False,
        empty_label=_("— not from an action —"),
        help_text=_("An action of the plan or an item agreed in a case conference."),
    )

    def __init__(self, *args: Any, choices: CaseChoices, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("owner", user.pk)
        super().__init__(*args, **kwargs)
        load_choices(self, "owner", choices.case_workers, label=professional_label)
        actions = Action.objects.visible_to(user).open().filter(case_id=choices.case.pk).select_related("conference")
        load_choices(self, "action", actions.order_by("id"), label=action_label)


class AppointmentForm(forms.Form):
    title = forms.CharField(label=_("What"), max_length=200, help_text=_("For example: home visit."))
    owner = ObjectChoiceField(label=_("Whose appointment"), error_messages={"required": _("Choose whose it is.")})
    day = DateField(label=_("Date"), error_messages={"required": _("Enter the date.")})
    time = forms.TimeField(
        label=_("Time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("Enter the time."), "invalid": _("Enter a time such as 14:30.")},
    )
    duration_minutes = forms.IntegerField(label=_("Duration in minutes"), min_value=5, max_value=600, initial=60)
    place = forms.CharField(label=_("Place"), max_length=200, help_text=_("For example: at home, or the office."))

    def __init__(self, *args: Any, choices: CaseChoices, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("owner", user.pk)
        super().__init__(*args, **kwargs)
        load_choices(self, "owner", choices.case_workers, label=professional_label)

    def starts_at(self) -> datetime.datetime:
        day: datetime.date = self.cleaned_data["day"]
        time: datetime.time = self.cleaned_data["time"]
        return timezone.make_aware(datetime.datetime.combine(day, time))

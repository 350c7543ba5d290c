"""What is done for the household: actions, measurements and case conferences."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.forms import apply_errors, typed_values
from common.http import AuthenticatedHttpRequest
from privacy import access_log, policy
from themes.models import Instrument

from .. import services
from ..forms import (
    ActionCorrectForm,
    ActionForm,
    ActionItemFormSet,
    ActionStatusForm,
    ConferenceForm,
    ContactCorrectForm,
    MeasurementForm,
)
from ..models import Action, Contact
from .base import CaseFormView, CaseView, household_url


def actions_of(view: CaseView) -> Any:
    return (
        Action.objects.visible_to(view.request.user)
        .filter(case_id=view.case.pk)
        .select_related("theme", "delivering_organisation", "beneficiary")
    )


class ActionCreateView(CaseFormView):
    form_class = ActionForm
    template_name = "cases/forms/action.html"
    title = gettext_lazy("Add an action")
    submit_label = gettext_lazy("Add the action")
    success_message = gettext_lazy("Action added.")

    def perform(self, form: forms.Form) -> None:
        assert isinstance(form, ActionForm)
        services.action_create(case=self.case, data=form.to_input(), by=self.request.user)

    def context(self) -> dict[str, Any]:
        return {"actions": actions_of(self)}


class ActionStatusView(CaseFormView):
    form_class = ActionStatusForm
    template_name = "cases/forms/action_status.html"
    title = gettext_lazy("Change the status of an action")
    submit_label = gettext_lazy("Change the status")

    @cached_property
    def action(self) -> Action:
        return get_object_or_404(actions_of(self), uuid=self.kwargs["action"])

    def check_access(self) -> None:
        self.action  # noqa: B018 — 404 before anything else when the action is not this case's

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    def initial(self) -> dict[str, Any]:
        return {"status": self.action.status, "version": self.action.version}

    def perform(self, form: forms.Form) -> None:
        try:
            services.action_set_status(
                action=self.action,
                status=form.cleaned_data["status"],
                by=self.request.user,
                based_on_version=form.cleaned_data["version"],
            )
        except services.ActionConflict as conflict:
            # Keep the choice; the next save builds on the version now shown, so it is a decision
            # taken knowing the other change, not a silent overwrite.
            form.data = {**form.data.dict(), "version": str(conflict.current_version)}  # type: ignore[attr-defined]
            raise ValidationError(
                {
                    "status": _(
                        "Someone else has meanwhile changed this action to “%(status)s”. Your choice has not "
                        "been saved; it is still selected below. Check it and save again to apply it anyway."
                    )
                    % {"status": Action.Status(conflict.current_status).label}
                }
            ) from conflict

    def get_success_message(self, form: forms.Form) -> str:
        return _("“%(action)s” is now %(status)s.") % {
            "action": self.action.description,
            "status": Action.Status(form.cleaned_data["status"]).label,
        }

    def context(self) -> dict[str, Any]:
        return {"action": self.action}


class ActionCorrectView(CaseFormView):
    """Correct an action (dates, cost, deliverer, beneficiary); a stale version is refused, what was typed kept."""

    form_class = ActionCorrectForm
    template_name = "cases/forms/action_correct.html"
    title = gettext_lazy("Correct an action")
    submit_label = gettext_lazy("Save the correction")
    success_message = gettext_lazy("Action corrected; its funding has been checked again.")

    @cached_property
    def action(self) -> Action:
        return get_object_or_404(actions_of(self), uuid=self.kwargs["action"])

    def check_access(self) -> None:
        self.action  # noqa: B018 — 404 before anything else when the action is not this case's

    def initial(self) -> dict[str, Any]:
        action = self.action
        return {
            "version": action.version,
            "delivering_organisation": action.delivering_organisation,
            "beneficiary": action.beneficiary,
            "planned_cost": action.planned_cost,
            "start_date": action.start_date,
            "end_date": action.end_date,
            "description": action.description,
        }

    def perform(self, form: forms.Form) -> None:
        assert isinstance(form, ActionCorrectForm)
        services.action_correct(
            action=self.action,
            data=form.to_correction(),
            based_on_version=form.cleaned_data["version"],
            by=self.request.user,
        )

    def context(self) -> dict[str, Any]:
        return {"action": self.action}


class ContactCorrectView(CaseFormView):
    """Correct the note of one's own contact: the old text stays in the history, the timeline marks it corrected.

    Only the author (``policy.may_correct_contact``); anyone else gets the answer of a page that does not exist.
    """

    form_class = ContactCorrectForm
    template_name = "cases/forms/contact_correct.html"
    title = gettext_lazy("Correct a contact note")
    submit_label = gettext_lazy("Save the correction")
    success_message = gettext_lazy("Note corrected; the earlier text is kept in the change history.")

    @cached_property
    def contact(self) -> Contact:
        return get_object_or_404(
            Contact.objects.visible_to(self.request.user).filter(case_id=self.case.pk).select_related("author"),
            uuid=self.kwargs["contact"],
        )

    def check_access(self) -> None:
        contact = Contact.objects.visible_to(self.request.user).filter(
            case_id=self.case.pk, uuid=self.kwargs["contact"]
        )
        author_id = contact.values_list("author_id", flat=True).first()
        if author_id is None or not policy.may_correct_contact(self.request.user, author_id):
            action = access_log.Action.READ if self.request.method in ("GET", "HEAD") else access_log.Action.UPDATE
            self.log_access(action, access_log.Outcome.REFUSED)
            raise Http404

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    def initial(self) -> dict[str, Any]:
        return {"version": self.contact.version, "note": self.contact.note}

    def perform(self, form: forms.Form) -> None:
        try:
            services.contact_correct(
                contact=self.contact,
                note=form.cleaned_data["note"],
                reason=form.cleaned_data["reason"],
                based_on_version=form.cleaned_data["version"],
                by=self.request.user,
            )
        except services.StaleVersion as conflict:
            # Keep what was typed; the next save builds on the version now stored, knowing the other change.
            form.data = {**form.data.dict(), "version": str(conflict.current_version)}  # type: ignore[attr-defined]
            raise ValidationError(
                {
                    "note": _(
                        "This note was changed elsewhere while you were correcting it. Your text has not been "
                        "saved; it is still below. Compare it with the current note and save again."
                    )
                }
            ) from conflict

    def get_success_url(self) -> str:
        return household_url(self.case) + f"#contact-{self.contact.uuid}"

    def context(self) -> dict[str, Any]:
        # Re-read after a conflict, so the current note is what is shown next to the typed one.
        current = Contact.objects.filter(pk=self.contact.pk).values_list("note", flat=True).first()
        return {"contact": self.contact, "current_note": current}


class MeasurementCreateView(CaseView):
    """A measurement with an instrument (the ZRM by default): only the domains ticked, each with a reason."""

    template_name = "cases/forms/measurement.html"

    @cached_property
    def instruments(self) -> list[Instrument]:
        return list(Instrument.objects.filter(active=True).order_by("-trended", "code"))

    def instrument(self, code: str | None) -> Instrument:
        by_code = {instrument.code: instrument for instrument in self.instruments}
        if not by_code:
            raise PermissionDenied(_("No measurement instrument is active."))
        return by_code.get(code or "", self.instruments[0])

    def make_form(self, instrument: Instrument, *args: Any, **kwargs: Any) -> MeasurementForm:
        domains = list(instrument.domains.order_by("order"))
        return MeasurementForm(*args, choices=self.choices, instrument=instrument, domains=domains, **kwargs)

    def get(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render(self.make_form(self.instrument(request.GET.get("instrument"))))

    def post(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.make_form(self.instrument(request.POST.get("instrument")), request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.measurement_record(
                    case=self.case,
                    person=data["person"],
                    instrument=form.measured_instrument,
                    measured_on=data["measured_on"],
                    scores=form.scores(),
                    by=request.user,
                )
            except ValidationError as error:
                apply_errors(error, form)
            else:
                messages.success(request, _("Measurement recorded."))
                return redirect(household_url(self.case))
        return self.render(form)

    def render(self, form: MeasurementForm) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "case": self.case,
                "title": _("Record a measurement"),
                "form": form,
                "instruments": self.instruments,
                "instrument": form.measured_instrument,
            },
        )


ITEMS = "items"


class ConferenceCreateView(CaseView):
    """A case conference; its action items become actions of the case in the same transaction."""

    template_name = "cases/forms/conference.html"

    def formset_kwargs(self) -> dict[str, Any]:
        return {"prefix": ITEMS, "form_kwargs": {"choices": self.choices}}

    def get(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render(
            ConferenceForm(choices=self.choices), ActionItemFormSet.with_rows([{}], **self.formset_kwargs())
        )

    def post(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ConferenceForm(request.POST, choices=self.choices)
        items = ActionItemFormSet(request.POST, **self.formset_kwargs())
        if row := ActionItemFormSet.row_action(request.POST, ITEMS):
            return self.render(
                ConferenceForm(initial=typed_values(form, request.POST), choices=self.choices),
                ActionItemFormSet.rebuilt(request.POST, add=row[0] == "add", remove=row[1], **self.formset_kwargs()),
            )
        if all([form.is_valid(), items.is_valid()]):
            data = form.cleaned_data
            try:
                services.conference_record(
                    case=self.case,
                    by=request.user,
                    held_on=data["held_on"],
                    participants=data["participants"],
                    decisions=data["decisions"],
                    other_participants=data["other_participants"],
                    household_present=data["household_present"],
                    action_items=[item.to_input() for item in items.forms if item.cleaned_data],
                )
            except ValidationError as error:
                apply_errors(error, form, formsets=[items])
            else:
                messages.success(request, _("Case conference recorded."))
                return redirect(household_url(self.case))
        return self.render(form, items, invalid=True)

    def render(self, form: ConferenceForm, items: Any, invalid: bool = False) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "case": self.case,
                "title": _("Record a case conference"),
                "form": form,
                "items": items,
                "invalid": invalid,
            },
        )

"""The meldcode huiselijk geweld en kindermishandeling on a case: the steps so far and the next one.

Confidential beyond the case (``privacy.policy.may_use_meldcode`` and ``meldcode_condition``): anyone
else gets the answer of a page that does not exist, so nobody learns that a meldcode runs.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy

from privacy import access_log, policy

from .. import services
from ..forms import MeldcodeStepForm
from ..models import MeldcodeStep
from .base import CaseFormView, household_url


class MeldcodeView(CaseFormView):
    form_class = MeldcodeStepForm
    template_name = "cases/forms/meldcode.html"
    title = gettext_lazy("Meldcode domestic violence and child abuse")
    submit_label = gettext_lazy("Record this step")
    success_message = gettext_lazy(
        "Meldcode step recorded. Only the involved professionals of your organisation and the coordinator see it."
    )

    def check_access(self) -> None:
        if not policy.may_use_meldcode(self.request.user, self.case.pk):
            action = access_log.Action.READ if self.request.method in ("GET", "HEAD") else access_log.Action.UPDATE
            self.log_access(action, access_log.Outcome.REFUSED)
            raise Http404

    @cached_property
    def next_step(self) -> tuple[int, int]:
        organisation_id = self.request.user.organisation_id
        assert organisation_id is not None  # may_use_meldcode asks for one
        return services.meldcode_next_step(case=self.case, organisation_id=organisation_id)

    def form_kwargs(self) -> dict[str, Any]:
        return {"step": self.next_step[1]}

    def perform(self, form: forms.Form) -> None:
        assert isinstance(form, MeldcodeStepForm)
        services.meldcode_record(case=self.case, data=form.to_input(), by=self.request.user)

    def get_success_url(self) -> str:
        return self.request.path

    def context(self) -> dict[str, Any]:
        steps = list(
            MeldcodeStep.objects.visible_to(self.request.user)
            .filter(case_id=self.case.pk)
            .select_related("organisation", "recorded_by")
            .order_by("organisation__name", "organisation_id", "round", "step")
        )
        round_number, step = self.next_step
        return {
            "steps": steps,
            "next_round": round_number,
            "next_step": MeldcodeStep.Step(step),
            "all_steps": MeldcodeStep.Step.choices,
            "back_url": household_url(self.case),
        }

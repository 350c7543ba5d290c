"""What every form screen of a case shares: loading the case the user may see, the form round trip, and PRG."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from common.forms import apply_errors
from common.http import AuthenticatedHttpRequest
from privacy import access_log, purpose
from privacy.access import get_visible_or_404

from ..forms import CaseChoices
from ..models import Case


def household_url(case: Case) -> str:
    return reverse("cases:household", args=[case.household.uuid])


class CaseView(LoginRequiredMixin, View):
    """A screen about one case. A case the user may not see answers 404, exactly like one that does not exist."""

    request: AuthenticatedHttpRequest
    case: Case

    def dispatch(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        # A screen that shows a case logs that read; a submitted form logs the change it attempts.
        action = access_log.Action.READ if request.method in ("GET", "HEAD") else access_log.Action.UPDATE
        self.case = get_visible_or_404(
            Case.objects.select_related("household", "team"),
            request,
            action=action,
            log_read=False,
            uuid=kwargs["case"],
        )
        # One row either way: allowed, or refused when the user sees the case but may not use this screen.
        try:
            self.check_access()
        except PermissionDenied:
            self.log_access(action, access_log.Outcome.REFUSED)
            raise
        # A team lead who does not work on the household gives the reason first (nothing shown or saved yet).
        read_purpose, ask = purpose.screen_purpose(request, self.case.household)
        if ask is not None:
            return ask
        self.log_access(action, access_log.Outcome.ALLOWED, read_purpose)
        return super().dispatch(request, *args, **kwargs)

    def log_access(self, action: str, outcome: str, read_purpose: purpose.ReadPurpose | None = None) -> None:
        access_log.record(
            user=self.request.user,
            action=action,
            subject=access_log.subject_for(self.case),
            outcome=outcome,
            request=self.request,
            **(read_purpose.as_log() if read_purpose else {}),
        )

    def check_access(self) -> None:
        """Raise PermissionDenied when the user sees the case but may not use this screen."""

    @cached_property
    def choices(self) -> CaseChoices:
        return CaseChoices(case=self.case, user=self.request.user)


class CaseFormView(CaseView):
    """One form, one service call. Override ``perform`` (call the service) and the texts."""

    form_class: type[forms.Form]
    template_name = "cases/forms/simple_form.html"
    title: Any = ""
    submit_label: Any = ""
    success_message: Any = ""

    def form_kwargs(self) -> dict[str, Any]:
        return {"choices": self.choices}

    def initial(self) -> dict[str, Any]:
        return {}

    def get(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render(self.form_class(initial=self.initial(), **self.form_kwargs()))

    def post(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form_class(request.POST, initial=self.initial(), **self.form_kwargs())
        if form.is_valid():
            try:
                self.perform(form)
            except ValidationError as error:
                apply_errors(error, form)
            else:
                messages.success(request, self.get_success_message(form))
                return redirect(self.get_success_url())
        return self.render(form)

    def perform(self, form: forms.Form) -> None:
        raise NotImplementedError

    def get_success_message(self, form: forms.Form) -> str:
        return str(self.success_message)

    def get_success_url(self) -> str:
        return household_url(self.case)

    def context(self) -> dict[str, Any]:
        return {}

    def render(self, form: forms.Form, **extra: Any) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "case": self.case,
                "form": form,
                "title": self.title,
                "submit_label": self.submit_label,
                **self.context(),
                **extra,
            },
        )

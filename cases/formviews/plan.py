"""The household plan: edit (a new version each save, with a conflict check), earlier versions, comparison."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.forms import apply_errors, typed_values
from common.http import AuthenticatedHttpRequest

from .. import services
from ..forms import GoalFormSet, PlanForm
from ..models import Goal, PlanVersion
from .base import CaseView, household_url

GOALS = "goals"


def versions_of(view: CaseView) -> Any:
    return PlanVersion.objects.visible_to(view.request.user).filter(plan__case_id=view.case.pk)


def with_goals(versions: Any) -> Any:
    return versions.select_related("created_by").prefetch_related(
        Prefetch("goals", queryset=Goal.objects.select_related("theme").order_by("order", "id"))
    )


class PlanEditView(CaseView):
    template_name = "cases/forms/plan.html"

    def current(self) -> PlanVersion | None:
        return with_goals(versions_of(self)).order_by("-number").first()

    def formset_kwargs(self) -> dict[str, Any]:
        return {"prefix": GOALS, "form_kwargs": {"themes": self.choices.themes}}

    def get(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        current = self.current()
        initial: dict[str, Any] = {"based_on_version": current.number if current else 0}
        rows: list[dict[str, Any]] = [{}]
        if current:
            initial.update(
                author=current.author,
                summary=current.summary,
                agreed_on=current.agreed_on,
                evaluate_on=current.evaluate_on,
            )
            rows = [
                {"theme": goal.theme_id, "text": goal.text, "in_own_words": goal.in_own_words, "status": goal.status}
                for goal in cast(Any, current.goals.all())
            ] or rows
        form = PlanForm(initial=initial)
        return self.render(form, GoalFormSet.with_rows(rows, **self.formset_kwargs()), current=current)

    def post(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = PlanForm(request.POST)
        goals = GoalFormSet(request.POST, **self.formset_kwargs())
        if row := GoalFormSet.row_action(request.POST, GOALS):
            return self.render(
                PlanForm(initial=typed_values(form, request.POST)),
                GoalFormSet.rebuilt(request.POST, add=row[0] == "add", remove=row[1], **self.formset_kwargs()),
            )
        if all([form.is_valid(), goals.is_valid()]):
            data = form.cleaned_data
            try:
                version = services.plan_save(
                    case=self.case,
                    by=request.user,
                    based_on_version=data["based_on_version"],
                    author=data["author"],
                    summary=data["summary"],
                    goals=[goal.to_input() for goal in goals.forms if goal.cleaned_data],
                    agreed_on=data["agreed_on"],
                    evaluate_on=data["evaluate_on"],
                )
            except services.PlanConflict as conflict:
                # Keep every word typed; the next save builds on the version shown next to it.
                data = request.POST.copy()
                data["based_on_version"] = str(conflict.current_version)
                form, goals = PlanForm(data), GoalFormSet(data, **self.formset_kwargs())
                return self.render(form, goals, current=self.current(), conflict=True)
            except ValidationError as error:
                apply_errors(error, form, formsets=[goals])
            else:
                messages.success(request, _("Plan saved as version %(number)d.") % {"number": version.number})
                return redirect(household_url(self.case))
        return self.render(form, goals, invalid=True)

    def render(
        self,
        form: PlanForm,
        goals: Any,
        *,
        current: PlanVersion | None = None,
        conflict: bool = False,
        invalid: bool = False,
    ) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "case": self.case,
                "title": _("Edit the household plan"),
                "form": form,
                "goals": goals,
                "current": current,
                "conflict": conflict,
                "invalid": invalid,
            },
        )


# --- Earlier versions ------------------------------------------------------------------


class CompareForm(forms.Form):
    van = forms.TypedChoiceField(label=gettext_lazy("Compare version"), coerce=int)
    met = forms.TypedChoiceField(label=gettext_lazy("with version"), coerce=int)

    def __init__(self, *args: Any, numbers: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("van", "met"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(n, str(n)) for n in numbers]


@dataclass
class GoalChange:
    theme: str
    text: str
    before: Goal | None
    after: Goal | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        same = (self.before.status, self.before.in_own_words) == (self.after.status, self.after.in_own_words)
        return "same" if same else "changed"


def _shown(version: PlanVersion, name: str) -> Any:
    return version.get_author_display() if name == "author" else getattr(version, name)


def _goal_key(goal: Any) -> tuple[int, str]:
    return (goal.theme_id, " ".join(goal.text.split()).casefold())


def compare(before: PlanVersion, after: PlanVersion) -> dict[str, Any]:
    """What changed between two versions: the plan's fields, and goals matched by theme and text."""
    fields = [
        {
            "label": cast(models.Field, PlanVersion._meta.get_field(name)).verbose_name,
            "before": _shown(before, name),
            "after": _shown(after, name),
            "changed": getattr(before, name) != getattr(after, name),
        }
        for name in ("author", "summary", "agreed_on", "evaluate_on")
    ]
    old: dict[tuple[int, str], Any] = {_goal_key(goal): goal for goal in before.goals.all()}
    new: dict[tuple[int, str], Any] = {_goal_key(goal): goal for goal in after.goals.all()}
    goals = [GoalChange(g.theme.name, g.text, g, new.get(k)) for k, g in old.items()]
    goals += [GoalChange(g.theme.name, g.text, None, g) for k, g in new.items() if k not in old]
    return {"before": before, "after": after, "fields": fields, "goals": goals}


class PlanVersionsView(CaseView):
    def get(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        versions = list(versions_of(self).select_related("created_by").annotate(goal_count=Count("goals")))
        numbers = [version.number for version in versions]
        form = CompareForm(request.GET or None, numbers=numbers)
        comparison = None
        if form.is_bound and form.is_valid():
            pair = {v.number: v for v in with_goals(versions_of(self)).filter(number__in=form.cleaned_data.values())}
            before, after = sorted([form.cleaned_data["van"], form.cleaned_data["met"]])
            comparison = compare(pair[before], pair[after])
        elif not form.is_bound and len(numbers) >= 2:
            form = CompareForm(initial={"van": numbers[1], "met": numbers[0]}, numbers=numbers)
        return render(
            request,
            "cases/forms/plan_versions.html",
            {
                "case": self.case,
                "title": _("Versions of the household plan"),
                "versions": versions,
                "form": form,
                "comparison": comparison,
            },
        )


class PlanVersionView(CaseView):
    def get(self, request: AuthenticatedHttpRequest, *args: Any, number: int, **kwargs: Any) -> HttpResponse:
        version = with_goals(versions_of(self)).filter(number=number).first()
        if version is None:
            raise Http404
        return render(
            request,
            "cases/forms/plan_version.html",
            {
                "case": self.case,
                "title": _("Household plan, version %(number)d") % {"number": version.number},
                "version": version,
            },
        )


class PlanPrintView(CaseView):
    """The household plan on paper: in the household's own words, in plain Dutch (B1), with lines to sign.

    The goals of the current version, what is done, who does it and how to reach them, and a line to sign
    for each adult member and the coordinator. A read of the case like any other screen (logged by CaseView).
    """

    def get(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from django.db.models import F
        from django.utils import timezone

        from ..models import Action, HouseholdMembership, Involvement

        today = timezone.localdate()
        version = with_goals(versions_of(self)).filter(number=F("plan__version")).first()
        actions = list(
            Action.objects.visible_to(request.user)
            .filter(case_id=self.case.pk)
            .open()
            .select_related("theme", "delivering_organisation", "beneficiary")
            .order_by("theme__order", F("start_date").asc(nulls_last=True), "id")
        )
        involvements = list(
            Involvement.objects.visible_to(request.user)
            .active()
            .filter(case_id=self.case.pk)
            .select_related("professional", "organisation")
            .order_by("-is_coordinator", "organisation__name", "id")
        )
        by_organisation: dict[int, list[Any]] = {}
        for involvement in involvements:
            by_organisation.setdefault(involvement.organisation_id, []).append(involvement.professional)
        rows = [(action, by_organisation.get(action.delivering_organisation_id, [])) for action in actions]
        members = list(
            HouseholdMembership.objects.visible_to(request.user)
            .current()
            .filter(household_id=self.case.household_id)
            .select_related("person")
            .order_by("start_date", "id")
        )
        signers = [m.person for m in members if m.role != HouseholdMembership.Role.CHILD]
        coordinator = next((i for i in involvements if i.is_coordinator), None)
        return render(
            request,
            "cases/plan_print.html",
            {
                "case": self.case,
                "household": self.case.household,
                "plan": version,
                "rows": rows,
                "members": members,
                "signers": signers,
                "coordinator": coordinator,
                "today": today,
            },
        )

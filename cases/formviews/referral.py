"""A new referral (aanmelding): household, members and case in one go."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from common.forms import apply_errors, typed_values
from common.http import AuthenticatedHttpRequest
from organisations.models import Area, Team
from privacy import policy

from .. import services
from ..forms import MemberFormSet, ReferralForm
from ..known_households import known_household_at
from .base import household_url
from .duplicates import DuplicateCheck

MEMBERS = "members"


def team_areas(user: Any) -> list[tuple[Team, list[Area]]]:
    """The user's current teams, each with the neighbourhoods it covers (two queries)."""
    teams = list(Team.objects.filter(pk__in=policy.team_ids_of(user)).order_by("name"))
    links = (
        Team.areas.through.objects.filter(team__in=teams, area__kind=Area.Kind.NEIGHBOURHOOD)
        .select_related("area")
        .order_by("area__name", "area__code")
    )
    areas: dict[int, list[Area]] = {team.pk: [] for team in teams}
    for link in links:
        areas[link.team_id].append(link.area)
    return [(team, areas[team.pk]) for team in teams]


# The BSN fields must not reach an error report or a log.
@method_decorator(sensitive_post_parameters(), name="dispatch")
class ReferralCreateView(LoginRequiredMixin, View):
    request: AuthenticatedHttpRequest
    template_name = "cases/forms/referral.html"

    def dispatch(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        if request.user.is_authenticated and not policy.may_see_casework(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def team_areas(self) -> list[tuple[Team, list[Area]]]:
        result = team_areas(self.request.user)
        if not result:
            raise PermissionDenied(_("You are not a member of a team."))
        return result

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = ReferralForm(team_areas=self.team_areas())
        members = MemberFormSet.with_rows([{}], prefix=MEMBERS)
        return self.render(form, members)

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        areas = self.team_areas()
        form = ReferralForm(request.POST, team_areas=areas)
        members = MemberFormSet(request.POST, prefix=MEMBERS)
        if row := MemberFormSet.row_action(request.POST, MEMBERS):
            # A member added or removed: show everything typed again, judge nothing yet.
            return self.render(
                ReferralForm(initial=typed_values(form, request.POST), team_areas=areas),
                MemberFormSet.rebuilt(request.POST, add=row[0] == "add", remove=row[1], prefix=MEMBERS),
            )
        if all([form.is_valid(), members.is_valid()]):
            data = form.cleaned_data
            # A household known from a closed case: offer its new case first (cases/known_households.py).
            known = (
                None
                if request.POST.get("new_household")
                else known_household_at(
                    user=request.user,
                    postcode=data["postcode"],
                    house_number=data["house_number"],
                    house_number_suffix=data["house_number_suffix"],
                )
            )
            if known is not None:
                return self.render(form, members, known_household=known)
            inputs = [member.to_input() for member in members.forms if member.cleaned_data]
            review = DuplicateCheck(request, inputs, postcode=data["postcode"], house_number=data["house_number"])
            if not review.settled:
                return self.render(form, members, review=review)
            try:
                case = services.referral_create(
                    by=request.user,
                    team=data["team"],
                    street=data["street"],
                    house_number=data["house_number"],
                    house_number_suffix=data["house_number_suffix"],
                    postcode=data["postcode"],
                    city=data["city"],
                    neighbourhood=data["neighbourhood"],
                    members=review.inputs(),
                    referral_source=data["referral_source"],
                    referral_reason=data["referral_reason"],
                    referred_on=data["referred_on"],
                    legal_basis=data["legal_basis"],
                )
            except ValidationError as error:
                apply_errors(error, form, formsets=[members])
                return self.render(form, members, invalid=True, review=review)
            else:
                messages.success(
                    request,
                    _("Referral registered as case %(reference)s. It waits in the team's inbox for a team lead.")
                    % {"reference": case.reference},
                )
                return redirect(household_url(case))
        return self.render(form, members, invalid=True)

    def render(
        self,
        form: ReferralForm,
        members: Any,
        invalid: bool = False,
        review: DuplicateCheck | None = None,
        **extra: Any,
    ) -> HttpResponse:
        invalid = invalid or bool(review and review.invalid)
        context = {"form": form, "members": members, "invalid": invalid, "review": review, **extra}
        return render(self.request, self.template_name, context)

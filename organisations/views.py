"""The team lead's screens of their teams: who joined or left (and who made the change), and the team's settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.forms import apply_errors
from common.http import AuthenticatedHttpRequest
from privacy import policy

from . import services
from .forms import TeamSettingsForm
from .models import Team
from .querysets import membership_changes_of, settings_changes_of


@login_required
def membership_changes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A membership opens a team's households, so its lead sees every change, by whoever made it."""
    if not policy.may_see_membership_changes(request.user):
        raise Http404
    return render(
        request,
        "organisations/membership_changes.html",
        {"changes": list(membership_changes_of(policy.team_ids_of(request.user)))},
    )


@dataclass
class TeamSettings:
    team: Team
    form: TeamSettingsForm
    last_change: Any  # the history row of the last change, None when never changed


def _settings_form(team: Team, data: Any = None) -> TeamSettingsForm:
    initial = {"allocated_by": team.allocated_by, "shown": team.allocated_by}
    return TeamSettingsForm(data, initial=initial, prefix=f"team-{team.uuid}")


@login_required
@require_http_methods(["GET", "POST"])
def team_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The settings of every team the user leads, one form each; a POST names its team (``team``).

    A team the user does not lead answers 404, as if it did not exist. An invalid choice, or one over a
    change another lead made meanwhile, shows the page again with the message next to the field, what
    was chosen kept and nothing saved.
    """
    if not policy.may_change_team_settings(request.user):
        raise Http404
    teams = list(Team.objects.filter(pk__in=policy.led_team_ids(request.user)).order_by("name", "pk"))
    forms = {team.pk: _settings_form(team) for team in teams}
    status = 200
    if request.method == "POST":
        team = next((team for team in teams if str(team.uuid) == request.POST.get("team")), None)
        if team is None:
            raise Http404
        form = forms[team.pk] = _settings_form(team, request.POST)
        if form.is_valid():
            try:
                saved = services.team_settings_save(
                    team=team,
                    allocated_by=form.cleaned_data["allocated_by"],
                    shown=form.cleaned_data["shown"],
                    by=request.user,
                )
            except ValidationError as error:
                apply_errors(error, form)
                # The next save is meant over what is in force now, which the message names.
                data = request.POST.copy()
                data[form.add_prefix("shown")] = Team.objects.values_list("allocated_by", flat=True).get(pk=team.pk)
                form.data = data
            else:
                messages.success(
                    request,
                    _("%(team)s: the team's actions are now paid from a stream by %(who)s.")
                    % {"team": saved.name, "who": saved.get_allocated_by_display()},
                )
                return HttpResponseRedirect(reverse("organisations:team-settings"))
        status = 400
    changes = settings_changes_of(forms.keys())
    entries = [TeamSettings(team, forms[team.pk], changes.get(team.pk)) for team in teams]
    return render(request, "organisations/team_settings.html", {"entries": entries}, status=status)

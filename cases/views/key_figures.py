"""The team's area page with its key figures (sleutelfiguren), and adding, editing and ending one (issue #16, item 5).

Key figures are not clients: a name, their role in the buurt and how to reach them. Who sees and keeps
them is the policy's (``key_figure_condition``, ``may_keep_key_figure``): the members of the team, in the
buurten the team covers. Ending one keeps it, marked with its end date. No resident's data is read here,
so no access-log row is written for an allowed look; a refused one is logged like any casework screen.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.forms import apply_errors
from common.http import AuthenticatedHttpRequest
from organisations.models import Area, Team, User
from privacy import policy

from .. import services
from ..forms import KeyFigureEndForm, KeyFigureForm
from ..models import KeyFigure
from .pages import require_casework


@dataclass
class Buurt:
    area: Area
    key_figures: list[KeyFigure] = field(default_factory=list)


@dataclass
class TeamArea:
    team: Team
    buurten: list[Buurt]


def team_areas(user: User, *, with_ended: bool = False) -> list[TeamArea]:
    """The user's teams, each with the buurten it covers (directly or through a wijk) and their key figures.

    Three queries whatever the number of teams, buurten and key figures: the teams with their areas and
    those areas' buurten, then the key figures of those teams.
    """
    buurten = Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD).order_by("name", "code")
    teams = list(
        Team.objects.filter(pk__in=policy.team_ids_of(user))
        .order_by("name")
        .prefetch_related(
            Prefetch("areas", queryset=Area.objects.order_by("name").prefetch_related(Prefetch("children", buurten)))
        )
    )
    figures = KeyFigure.objects.visible_to(user).filter(team__in=[team.pk for team in teams]).order_by("name", "id")
    if not with_ended:
        figures = figures.active()
    by_place: dict[tuple[int, int], list[KeyFigure]] = {}
    for figure in figures:
        by_place.setdefault((figure.team_id, figure.area_id), []).append(figure)
    result = []
    for team in teams:
        areas: dict[int, Area] = {}
        for area in team.areas.all():
            for buurt in [area] if area.kind == Area.Kind.NEIGHBOURHOOD else area.children.all():
                areas.setdefault(buurt.pk, buurt)
        ordered = sorted(areas.values(), key=lambda area: (area.name, area.code))
        result.append(TeamArea(team, [Buurt(area, by_place.get((team.pk, area.pk), [])) for area in ordered]))
    return result


@login_required
@require_http_methods(["GET"])
def area_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ons gebied: per team, the buurten it covers and the key figures the team works with there."""
    require_casework(request, detail="area page")
    with_ended = request.GET.get("beeindigd") == "1"
    return render(
        request,
        "cases/area.html",
        {"team_areas": team_areas(request.user, with_ended=with_ended), "with_ended": with_ended},
    )


def _keeper_areas(user: User) -> tuple[list[Area], dict[int, int]]:
    """The buurten the user keeps key figures in, and for each the team it is kept for (the first by name
    of the user's teams covering it)."""
    areas: list[Area] = []
    team_of: dict[int, int] = {}
    for team_area in team_areas(user):
        for buurt in team_area.buurten:
            if buurt.area.pk not in team_of:
                team_of[buurt.area.pk] = team_area.team.pk
                areas.append(buurt.area)
    return sorted(areas, key=lambda area: (area.name, area.code)), team_of


@login_required
@require_http_methods(["GET", "POST"])
def key_figure_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_casework(request, detail="key figure")
    areas, team_of = _keeper_areas(request.user)
    initial = {}
    wanted = request.GET.get("buurt")
    if wanted:
        initial["area"] = next((area for area in areas if area.code == wanted), None)
    form = KeyFigureForm(request.POST or None, areas=areas, initial=initial)
    if request.method == "POST" and form.is_valid():
        area = form.cleaned_data["area"]
        try:
            services.key_figure_add(
                by=request.user,
                team=Team.objects.get(pk=team_of[area.pk]),
                area=area,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                contact_details=form.cleaned_data["contact_details"],
            )
        except ValidationError as error:
            apply_errors(error, form)
        else:
            messages.success(request, _("The key figure is added."))
            return redirect(f"{reverse('cases:area')}#buurt-{area.code}")
    return render(request, "cases/key_figure_form.html", {"form": form, "title": _("Add a key figure")})


def _key_figure(request: AuthenticatedHttpRequest, key_figure: uuid.UUID) -> KeyFigure:
    """A key figure of one's own teams (404 otherwise), which one may keep (403 otherwise)."""
    require_casework(request, detail="key figure")
    found = KeyFigure.objects.visible_to(request.user).select_related("area", "team").filter(uuid=key_figure).first()
    if found is None:
        raise Http404
    if not policy.may_keep_key_figure(request.user, team_id=found.team_id, area_id=found.area_id):
        raise PermissionDenied
    return found


@login_required
@require_http_methods(["GET", "POST"])
def key_figure_edit(request: AuthenticatedHttpRequest, key_figure: uuid.UUID) -> HttpResponse:
    found = _key_figure(request, key_figure)
    initial: dict[str, Any] = {
        "name": found.name,
        "description": found.description,
        "contact_details": found.contact_details,
    }
    form = KeyFigureForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.key_figure_update(by=request.user, key_figure=found, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(error, form)
        else:
            messages.success(request, _("The key figure is saved."))
            return redirect(f"{reverse('cases:area')}#buurt-{found.area.code}")
    context = {"form": form, "key_figure": found, "title": _("Edit key figure %(name)s") % {"name": found.name}}
    return render(request, "cases/key_figure_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def key_figure_end(request: AuthenticatedHttpRequest, key_figure: uuid.UUID) -> HttpResponse:
    found = _key_figure(request, key_figure)
    form = KeyFigureEndForm(request.POST or None, initial={"ended_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.key_figure_end(by=request.user, key_figure=found, ended_on=form.cleaned_data["ended_on"])
        except ValidationError as error:
            apply_errors(error, form)
        else:
            messages.success(request, _("The key figure is ended; it is kept in the list of ended key figures."))
            return redirect(f"{reverse('cases:area')}#buurt-{found.area.code}")
    context = {"form": form, "key_figure": found, "title": _("End key figure %(name)s") % {"name": found.name}}
    return render(request, "cases/key_figure_form.html", context)

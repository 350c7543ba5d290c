"""The team lead's view of their teams' memberships: who joined or left, and who made the change."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from common.http import AuthenticatedHttpRequest
from privacy import policy

from .querysets import membership_changes_of


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

"""TEMPORARY stand-in for ``cases:household`` until the household page of branch screens-a is merged.

Only here so that the form screens can redirect to the household (PRG) and their tests run on this branch.
The lead drops this module, its URL and ``templates/cases/household_stub.html`` at the merge.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from wijkteam.http import AuthenticatedHttpRequest

from ..models import Case, Household


@login_required
def household(request: AuthenticatedHttpRequest, uuid: UUID, **kwargs: Any) -> HttpResponse:
    found = get_object_or_404(Household.objects.visible_to(request.user), uuid=uuid)
    cases = Case.objects.visible_to(request.user).filter(household=found).select_related("team")
    return render(request, "cases/household_stub.html", {"household": found, "cases": cases})

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from common.http import AuthenticatedHttpRequest
from organisations.models import TeamMembership
from privacy import policy


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The landing page after login: casework roles go to their caseload; others see who they are."""
    if policy.may_see_casework(request.user):
        return redirect("cases:caseload")
    memberships = (
        TeamMembership.objects.current().filter(user=request.user).select_related("team", "team__municipality")
    )
    return render(request, "home.html", {"memberships": memberships})

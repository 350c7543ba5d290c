from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from organisations.models import TeamMembership
from wijkteam.http import AuthenticatedHttpRequest


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The landing page after login: who you are, for which organisation, in which teams."""
    memberships = (
        TeamMembership.objects.current().filter(user=request.user).select_related("team", "team__municipality")
    )
    return render(request, "home.html", {"memberships": memberships})

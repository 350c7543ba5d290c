from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from agenda.today import today_for
from common.http import AuthenticatedHttpRequest
from privacy import access_log


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Vandaag: every role's start page after login, its panels asked of the policy (agenda/today.py)."""
    today = today_for(request.user)
    if today.logged:
        # Every case the page names, in one INSERT.
        access_log.record_many(
            user=request.user, action=access_log.Action.READ, subjects=today.logged, request=request, detail="today"
        )
    return render(request, "agenda/today.html", {"today": today})

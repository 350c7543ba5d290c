"""Who looked at a household and what changed in it: the household page's audit panels.

"Wie bekeek dit huishouden" lists the access log's reads of the household, for
its coordinator and the team lead of the owning team only
(``policy.may_see_who_viewed``); reading that list is itself logged. The
history ("Geschiedenis") is in ``cases/history.py``. Both start from
``visible_to``: a household the user may not see answers 404.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from common.http import AuthenticatedHttpRequest
from common.paging import OpenEndedPage, page_number
from organisations.models import User
from privacy import access_log, policy
from privacy.access import get_visible_or_404

from ..history import HISTORY_PAGE_SIZE, household_history_page
from ..models import Household
from ..viewers import HISTORY_DETAIL, VIEWERS_DETAIL, log_viewers_read, recent_reads
from .pages import team_lead_purpose

VIEWERS_PAGE_SIZE = 50


@login_required
@require_GET
def household_viewers(request: AuthenticatedHttpRequest, uuid: uuid.UUID) -> HttpResponse:
    """Every logged read of the household, paged: the page behind the panel's "more" link."""
    user: User = request.user
    household = Household.objects.visible_to(user).filter(uuid=uuid).first()
    if household is None or not policy.may_see_who_viewed(user, household.pk):
        # Refused like any unseen object, and logged with the household it aimed at.
        target = household or Household.objects.filter(uuid=uuid).first()
        access_log.record(
            user=user,
            action=access_log.Action.READ,
            subject=access_log.subject_for(target),
            outcome=access_log.Outcome.REFUSED,
            request=request,
            detail=VIEWERS_DETAIL,
        )
        raise Http404
    number = page_number(request)
    rows, next_page = recent_reads(household=household, number=number, size=VIEWERS_PAGE_SIZE)
    log_viewers_read(request, household)
    return render(
        request,
        "cases/household_viewers.html",
        {
            "household": household,
            "rows": rows,
            "number": number,
            "next_page": next_page,
            "page": OpenEndedPage(number=number, has_next=next_page is not None),
        },
    )


@login_required
@require_GET
def household_history(request: AuthenticatedHttpRequest, uuid: uuid.UUID) -> HttpResponse:
    """Geschiedenis: every recorded change to the household's case data the user may see, newest first, paged."""
    user: User = request.user
    # A refused attempt is logged by the door; the read, with its purpose, once the page is built.
    household = get_visible_or_404(Household.objects.all(), request, detail=HISTORY_DETAIL, log_read=False, uuid=uuid)
    read_purpose, ask = team_lead_purpose(request, household)
    if ask is not None:
        return ask
    number = page_number(request)
    changes, next_page = household_history_page(user=user, household=household, number=number)
    access_log.record(
        user=user,
        action=access_log.Action.READ,
        subject=access_log.subject_for(household),
        request=request,
        detail=HISTORY_DETAIL,
        **(read_purpose.as_log() if read_purpose else {}),
    )
    context = {
        "household": household,
        "changes": changes,
        "number": number,
        "next_page": next_page,
        "page": OpenEndedPage(number=number, has_next=next_page is not None),
        "page_size": HISTORY_PAGE_SIZE,
    }
    if request.htmx:
        return render(request, "cases/household/_history_items.html", context)
    return render(request, "cases/household_history.html", context)

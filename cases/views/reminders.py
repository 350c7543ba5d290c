"""Signalen: the reminders on the cases of one's caseload (a team lead: the team's), oldest cause first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from common.http import AuthenticatedHttpRequest
from privacy import access_log

from ..forms import ReminderFilterForm
from ..models import Reminder
from .pages import require_casework

PAGE_SIZE = 50


@require_GET
@login_required
def reminder_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    require_casework(request, detail="reminders")
    form = ReminderFilterForm(request.GET)
    form.is_valid()  # an unknown kind is reported next to the field and ignored
    kind = getattr(form, "cleaned_data", {}).get("soort")

    mine = Reminder.objects.open_on_caseload_of(user)
    counts = dict(mine.order_by().values_list("kind").annotate(n=Count("pk")))
    shown = mine.filter(kind=kind) if kind else mine
    page = Paginator(
        shown.select_related("case__household", "consent__person").order_by("since", "id"), PAGE_SIZE
    ).get_page(request.GET.get("pagina"))
    access_log.record_many(
        user=user,
        action=access_log.Action.READ,
        subjects=[
            access_log.Subject(
                household_id=reminder.case.household_id, case_id=reminder.case_id, object_type="cases.reminder"
            )
            for reminder in page.object_list
        ],
        request=request,
        detail="reminders",
    )
    return render(
        request,
        "cases/reminders.html",
        {
            "form": form,
            "page": page,
            "counts": [(label, counts.get(value, 0)) for value, label in Reminder.Kind.choices],
            "total": sum(counts.values()),
        },
    )

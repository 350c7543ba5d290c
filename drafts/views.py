"""Saving a draft while typing, and putting it back on the form (htmx fragments; 404 for a case not visible)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from cases.models import Case
from common.http import AuthenticatedHttpRequest
from privacy import access_log
from privacy.access import get_visible_or_404

from . import kinds, services
from .models import Draft


def _case_of(request: AuthenticatedHttpRequest, key: kinds.DraftKey, *, action: str) -> Case:
    # The writer must still see the case: a draft never outlives the access it was typed under.
    return get_visible_or_404(
        Case.objects.all(), request, action=action, detail="draft", log_read=False, uuid=key.case_uuid
    )


@login_required
@require_POST
def draft_save(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Keep what was typed; answers the status line ("Draft saved at 10:32")."""
    key = kinds.parse(request.POST.get("draft_key", ""))
    if key is None:
        raise Http404
    case = _case_of(request, key, action=access_log.Action.UPDATE)
    text = request.POST.get(key.kind.field, "")
    draft = services.draft_save(by=request.user, key=str(key), case_id=case.pk, text=text)
    return render(request, "drafts/_status.html", {"draft": draft, "restored": False})


@login_required
@require_GET
def draft_restore(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The field with the writer's draft in it, and the status line out of band; 204 when there is none."""
    key = kinds.parse(request.GET.get("draft_key", ""))
    if key is None:
        raise Http404
    case = _case_of(request, key, action=access_log.Action.READ)
    draft = Draft.objects.filter(writer=request.user, key=str(key), case=case).first()
    if draft is None:
        return HttpResponse(status=204)
    access_log.record(
        user=request.user,
        action=access_log.Action.READ,
        subject=access_log.subject_for(case),
        request=request,
        detail="draft restored",
    )
    return render(request, "drafts/_restored.html", {"draft": draft, "field": kinds.bound_field(key.kind, draft.text)})


@login_required
@require_POST
def draft_throw_away(request: AuthenticatedHttpRequest) -> HttpResponse:
    key = kinds.parse(request.POST.get("draft_key", ""))
    if key is None:
        raise Http404
    _case_of(request, key, action=access_log.Action.UPDATE)
    services.draft_discard(by=request.user, key=str(key))
    return render(request, "drafts/_restored.html", {"draft": None, "field": kinds.bound_field(key.kind, "")})

"""Mijn exports: the user's own background exports, and the door through which a screen asks for one."""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from common.http import AuthenticatedHttpRequest
from common.spreadsheets import file_response
from privacy import access_log

from .kinds import KINDS
from .models import ExportJob
from .services import export_request

PAGE_SIZE = 20


def request_export(request: AuthenticatedHttpRequest, *, kind: str, fmt: str, back: str) -> HttpResponse:
    """Called by a screen's export view (POST, role already checked): one job, then "Mijn exports"."""
    try:
        job = export_request(
            by=request.user, kind=kind, fmt=fmt, parameters=request.POST, language=get_language() or "nl"
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        reasons = " ".join(error.messages)
        messages.error(request, _("The export could not be requested: %(reasons)s") % {"reasons": reasons})
        handler = KINDS[kind]
        if handler.personal_data:
            return redirect(back)  # a person's id never goes into a URL
        # Back to the screen with what was chosen: its filter form shows each error next to its field.
        chosen = {name: request.POST[name] for name in handler.fields if request.POST.get(name)}
        return redirect(f"{back}?{urlencode(chosen)}" if chosen else back)
    if job.person_id is not None:
        # Asking for a person's data is logged now; building and downloading the file log their own rows.
        access_log.record(
            user=request.user,
            action=access_log.Action.EXPORT,
            subject=access_log.Subject(person_id=job.person_id, object_type="cases.person"),
            request=request,
            detail="export requested",
        )
    messages.success(request, _("Your export has been requested. It appears below as soon as it is ready."))
    return redirect("exports:list")


@login_required
def job_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    jobs = ExportJob.objects.visible_to(request.user).for_listing()
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("pagina"))
    pending = any(job.is_pending for job in page)
    context = {"page": page, "pending": pending, "keep_hours": settings.WIJKTEAM_EXPORT_KEEP_HOURS}
    if request.headers.get("HX-Request"):
        return render(request, "exports/_jobs.html", context)
    return render(request, "exports/list.html", context)


@login_required
def job_download(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    """The file, to the user who asked for it, while it lasts and while they may still see what it holds."""
    job = get_object_or_404(ExportJob.objects.visible_to(request.user), uuid=uuid)
    subject = access_log.Subject(person_id=job.person_id, object_type="exports.exportjob", object_uuid=job.uuid)
    if not job.is_downloadable or job.content is None:
        raise Http404
    if not KINDS[job.kind].may_download(request.user, job):
        access_log.record(
            user=request.user,
            action=access_log.Action.EXPORT,
            subject=subject,
            outcome=access_log.Outcome.REFUSED,
            request=request,
            detail="export download",
        )
        raise Http404
    access_log.record(
        user=request.user, action=access_log.Action.EXPORT, subject=subject, request=request, detail="export download"
    )
    return file_response(bytes(job.content), filename=job.filename, content_type=job.content_type)

"""The documents of a case: the list with the upload form, and the download (issue #16, item 3).

The list and the upload are a screen of the case (``CaseView``: the policy, the team lead's reason, one log
row). The download asks the policy for the document itself: a document the user may not open (another
team's case, another organisation's confidential document) answers 404 like one that does not exist, and
every download writes its own access-log row naming the document. The bytes are streamed from the database
in chunks, with headers that make the browser save the file rather than show or guess it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import BinaryField
from django.db.models.functions import Substr
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from common.forms import apply_errors
from common.http import AuthenticatedHttpRequest
from funding.uploads import TOO_LARGE, refusal_of
from privacy import access_log, purpose
from privacy.access import get_visible_or_404

from .. import documents, services
from ..forms import DocumentForm
from ..formviews.base import CaseView
from ..models import Document, DocumentContent

DOWNLOAD_CHUNK = 256 * 1024
LIST_SIZE = 100


class DocumentListView(CaseView):
    """The case's documents the user may open, newest first, and the form to add one (an open case)."""

    @staticmethod
    def upload_max_bytes() -> int:
        # Read by the upload handler (funding/uploads.py): this screen takes files of every type up to this size.
        return documents.max_bytes()

    def get(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = DocumentForm(case=self.case, user=request.user) if self.case.is_open else None
        return self.render(form)

    def post(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = DocumentForm(request.POST, request.FILES, case=self.case, user=request.user)
        stopped = refusal_of(request) == TOO_LARGE
        if form.is_valid() and not stopped:
            upload = form.cleaned_data["file"]
            data = upload.read(documents.max_bytes() + 1)
            try:
                document = services.document_attach(
                    case=self.case,
                    by=request.user,
                    name=upload.name or "",
                    data=data,
                    confidentiality=form.cleaned_data["confidentiality"],
                    **form.record(),
                )
            except ValidationError as error:
                apply_errors(error, form)
            else:
                access_log.record(
                    user=request.user,
                    action=access_log.Action.CREATE,
                    subject=access_log.subject_for(document),
                    request=request,
                    detail="document added",
                )
                messages.success(request, _("The document %(name)s is added.") % {"name": document.name})
                return redirect(reverse("cases:document-list", args=[self.case.uuid]))
        if stopped:
            form.errors.pop("file", None)
            form.add_error("file", documents.too_large_message())
        return self.render(form, status=400)

    def render(self, form: DocumentForm | None, status: int = 200) -> HttpResponse:
        rows = list(
            Document.objects.readable_on_visible_case(self.request.user)
            .filter(case=self.case)
            .select_related("author", "author_organisation", "contact", "conference")
            .order_by("-created_at", "-id")[:LIST_SIZE]
        )
        context = {
            "case": self.case,
            "household": self.case.household,
            "documents": rows,
            "form": form,
            "title": _("Documents"),
            "max_megabytes": documents.max_bytes() // (1024 * 1024),
        }
        template = "cases/household/_documents_list.html" if self.request.htmx else "cases/documents.html"
        return render(self.request, template, context, status=status)


def _chunks(document: Document) -> Iterator[bytes]:
    """The document's bytes, a chunk per query: never the whole file in memory at once."""
    for start in range(1, document.size + 1, DOWNLOAD_CHUNK):
        part = (
            DocumentContent.objects.filter(pk=document.pk)
            .annotate(part=Substr("data", start, DOWNLOAD_CHUNK, output_field=BinaryField()))
            .values_list("part", flat=True)
            .first()
        )
        if part is None:  # removed while streaming (retention): stop rather than send a wrong file
            return
        yield bytes(part)


@login_required
@require_GET
def document_download(request: AuthenticatedHttpRequest, case: uuid.UUID, document: uuid.UUID) -> HttpResponseBase:
    found = get_visible_or_404(
        Document.objects.select_related("case__household"),
        request,
        detail="document download",
        log_read=False,
        uuid=document,
        case__uuid=case,
    )
    read_purpose, ask = purpose.screen_purpose(request, found.case.household)
    if ask is not None:
        return ask
    access_log.record(
        user=request.user,
        action=access_log.Action.READ,
        subject=access_log.subject_for(found),
        request=request,
        detail="document download",
        **(read_purpose.as_log() if read_purpose else {}),
    )
    response = StreamingHttpResponse(_chunks(found), content_type=documents.CONTENT_TYPES[found.kind])
    response["Content-Length"] = str(found.size)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=found.name)
    response["X-Content-Type-Options"] = "nosniff"
    # Opened by mistake in the browser after all: no script, no form, no plug-in runs in it.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    add_never_cache_headers(response)
    return response

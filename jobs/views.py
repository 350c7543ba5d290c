from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.http import AuthenticatedHttpRequest

from .forms import ProbeForm
from .models import OutboxMessage, Probe
from .services import probe_start


@login_required
@require_http_methods(["GET", "POST"])
def probe(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Functional administrators send a test job through outbox, broker and worker, and see how it went."""
    if not request.user.is_staff:
        raise PermissionDenied
    form = ProbeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        job = probe_start(
            requested_by=request.user,
            hold_seconds=form.cleaned_data["hold_seconds"],
            hold_phase=form.cleaned_data["hold_phase"],
        )
        messages.success(request, _("Test job %(number)s is queued.") % {"number": job.pk})
        return redirect("jobs:probe")
    context = {
        "form": form,
        "probes": Probe.objects.recent(),
        "pending": OutboxMessage.objects.pending().count(),
    }
    return render(request, "jobs/probe.html", context)

"""The inbox: the user's own notifications only; another's is not found."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.forms import apply_errors
from common.http import AuthenticatedHttpRequest
from common.paging import PAGE_PARAMETER, old_page_links

from . import services
from .forms import DigestForm
from .models import Notification

PAGE_SIZE = 50


@login_required
@old_page_links
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    mine = Notification.objects.visible_to(request.user)
    page = Paginator(mine.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get(PAGE_PARAMETER))
    digest = services.settings_of(request.user).digest
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread": mine.unread().count(), "digest_form": DigestForm(initial={"digest": digest})},
    )


@login_required
@require_POST
def save_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own digest choice; an invalid one shows the inbox again with the error next to the field."""
    form = DigestForm(request.POST)
    if form.is_valid():
        try:
            services.notification_settings_save(by=request.user, digest=form.cleaned_data["digest"])
        except ValidationError as error:
            apply_errors(error, form)
        else:
            messages.success(request, _("Your choice has been saved."))
            return HttpResponseRedirect(reverse("notifications:inbox"))
    mine = Notification.objects.visible_to(request.user)
    page = Paginator(mine.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(1)
    context = {"page": page, "unread": mine.unread().count(), "digest_form": form}
    return render(request, "notifications/inbox.html", context, status=400)


@login_required
def unread_count(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The header's count, loaded by htmx after the page so no page pays a query for it."""
    count = Notification.objects.visible_to(request.user).unread().count()
    return render(request, "notifications/_count.html", {"count": count})


@login_required
@require_POST
def mark_read(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    notification = get_object_or_404(Notification.objects.visible_to(request.user), uuid=uuid)
    services.notification_mark_read(notification=notification, by=request.user)
    return HttpResponseRedirect(reverse("notifications:inbox"))


@login_required
@require_POST
def mark_all_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(by=request.user)
    messages.success(request, _("Every notification is marked as read."))
    return HttpResponseRedirect(reverse("notifications:inbox"))

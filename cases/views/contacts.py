"""Logging a contact in place on the household page (htmx), or as a plain form without JavaScript."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.forms import apply_errors
from common.http import AuthenticatedHttpRequest
from drafts.kinds import key_for
from drafts.services import draft_discard
from privacy import access_log, purpose
from privacy.access import get_visible_or_404
from themes.cache import all_themes

from .. import services
from ..forms import ContactForm
from ..models import Case
from .pages import TimelineEntry


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: AuthenticatedHttpRequest, uuid: uuid.UUID) -> HttpResponse:
    user = request.user
    action = access_log.Action.CREATE if request.method == "POST" else access_log.Action.READ
    case = get_visible_or_404(
        Case.objects.select_related("household"),
        request,
        action=action,
        detail="contact form",
        log_read=False,
        uuid=uuid,
    )
    read_purpose, ask = purpose.screen_purpose(request, case.household)
    if ask is not None:
        return ask
    access_log.record(
        user=user,
        action=action,
        subject=access_log.subject_for(case),
        request=request,
        detail="contact form",
        **(read_purpose.as_log() if read_purpose else {}),
    )
    themes = all_themes()
    form = ContactForm(request.POST or None, themes=themes)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_log(case=case, by=user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(error, form)
        else:
            draft_discard(by=user, key=key_for("contact-note", case.uuid))
            if request.htmx:
                by_code = {theme.code: theme for theme in themes}
                entry = TimelineEntry(
                    contact=contact, themes=[by_code[code] for code in contact.themes], correctable=case.is_open
                )
                return render(
                    request,
                    "cases/contact/_created.html",
                    {"case": case, "contact_form": ContactForm(themes=themes), "timeline": [entry]},
                )
            messages.success(request, _("The contact is saved."))
            household_url = reverse("cases:household", args=[case.household.uuid])
            return redirect(f"{household_url}?casus={case.uuid}#tijdlijn")
    context = {"case": case, "household": case.household, "contact_form": form}
    if request.htmx:
        return render(request, "cases/contact/_form.html", context)
    return render(request, "cases/contact_form.html", context)

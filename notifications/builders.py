"""Builders of kinds whose cause lives in an app that may not import this one (the export engine)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from exports.models import ExportJob

from .kinds import Draft


def export_finished(job_id: int) -> list[Draft]:
    """The one who asked for an export hears it is ready to collect."""
    job = ExportJob.objects.get(pk=job_id)
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Your export is ready to download.")
    return [Draft(recipient_id=job.requested_by_id, text=text, link=reverse("exports:list"))]

"""A draft: what a professional typed in a long text field and has not saved yet (issue 15).

Saved while typing (htmx, debounced), so that nothing is lost when the session runs out or the
browser closes; put back on the form when its writer opens it again; deleted when the form is
saved, and by the daily retention run after ``WIJKTEAM_DRAFT_KEEP_HOURS``. A draft is personal
data: only its writer ever sees it, and only while they may still see the case.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Draft(models.Model):
    writer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts", verbose_name=_("writer")
    )
    # What the draft is for: its kind and the object it belongs to ("contact-note:<case uuid>", drafts/kinds.py).
    key = models.CharField(_("form"), max_length=120)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("case"))
    text = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("saved at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        constraints = [models.UniqueConstraint(fields=["writer", "key"], name="drafts_one_per_writer_and_form")]

    def __str__(self) -> str:
        return f"{self.key} ({self.updated_at:%Y-%m-%d %H:%M})"

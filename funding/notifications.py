"""Who hears that a blockage reached their level, and what they are told (no names: the case reference)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.kinds import Draft
from organisations.models import User
from privacy import policy

from . import workflow
from .models import BlockageEvent, BlockageLevel


def blockage_escalated(event_id: int) -> list[Draft]:
    """The team's leads when it reaches the team lead; the municipality's programme bureau above that.

    The one who escalated is not told of their own step.
    """
    event = BlockageEvent.objects.select_related("blockage__action__case__team").get(pk=event_id)
    blockage = event.blockage
    case = blockage.action.case
    active = User.objects.filter(is_active=True).exclude(pk=event.by_id)
    if event.level == BlockageLevel.TEAM_LEAD:
        recipients = active.filter(policy.team_leads_condition(case.team_id))
    elif event.level in workflow.REGISTER_LEVELS:
        recipients = active.filter(policy.escalation_handlers_condition(case.team.municipality_id))
    else:
        return []
    # Stored in the interface's default language: the text names a case and a level, nothing personal.
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Blockage for case %(reference)s now lies with: %(level)s (%(reason)s).") % {
            "reference": case.reference,
            "level": BlockageLevel(event.level).label,
            "reason": blockage.get_reason_display(),
        }
    link = reverse("funding:blockage", args=[blockage.uuid])
    return [Draft(recipient_id=pk, text=text, link=link) for pk in recipients.values_list("pk", flat=True)]

"""Who hears that a referral or a case arrives for their team, and what they are told (no names: the reference)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.kinds import Draft
from organisations.models import User
from privacy import policy

from .models import CaseTransfer


def case_arriving(transfer_id: int) -> list[Draft]:
    """The receiving team's leads, for a forwarded referral or a transfer that waits for them."""
    transfer = CaseTransfer.objects.select_related("case", "from_team").get(pk=transfer_id)
    recipients = User.objects.filter(policy.team_leads_condition(transfer.to_team_id)).exclude(
        pk=transfer.requested_by_id
    )
    # Stored in the interface's default language: the text names a case and a team, nothing personal.
    with translation.override(settings.LANGUAGE_CODE):
        if transfer.kind == CaseTransfer.Kind.FORWARD:
            text = _("Referral %(reference)s was forwarded to your team by %(team)s.")
        else:
            text = _("%(team)s asks your team to take over case %(reference)s.")
        text = text % {"reference": transfer.case.reference, "team": transfer.from_team.name}
    link = reverse("cases:inbox")
    return [Draft(recipient_id=pk, text=text, link=link) for pk in recipients.values_list("pk", flat=True)]

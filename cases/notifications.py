"""Who hears of a change on a case, and what they are told: a case reference, never a resident's name.

"Your cases" are those one is actively involved in (the coordinator is involved too).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.kinds import Draft
from organisations.models import User
from privacy import policy

from .models import CaseTransfer, Involvement, Reminder


def _household_link(involvement: Involvement) -> str:
    return reverse("cases:household", args=[involvement.case.household.uuid]) + f"?casus={involvement.case.uuid}"


def _others_on_case(involvement: Involvement) -> list[int]:
    return list(
        Involvement.objects.active()
        .filter(case_id=involvement.case_id, professional__is_active=True)
        .exclude(professional_id=involvement.professional_id)
        .values_list("professional_id", flat=True)
        .distinct()
    )


def involvement_added(involvement_id: int) -> list[Draft]:
    """The professionals already on the case hear who joined (by organisation); the newcomer that they are on it."""
    involvement = Involvement.objects.select_related("case__household", "organisation").get(pk=involvement_id)
    reference = involvement.case.reference
    link = _household_link(involvement)
    # Stored in the interface's default language, as every notification text.
    with translation.override(settings.LANGUAGE_CODE):
        told = _("New involvement on case %(reference)s: %(organisation)s.") % {
            "reference": reference,
            "organisation": involvement.organisation.name,
        }
        own = _("You are now involved in case %(reference)s.") % {"reference": reference}
    drafts = [Draft(recipient_id=pk, text=told, link=link) for pk in _others_on_case(involvement)]
    return [*drafts, Draft(recipient_id=involvement.professional_id, text=own, link=link)]


def coordinator_changed(involvement_id: int) -> list[Draft]:
    """Everyone on the case hears it has a new coordinator; the coordinator that the case is now theirs."""
    involvement = Involvement.objects.select_related("case__household").get(pk=involvement_id)
    reference = involvement.case.reference
    link = _household_link(involvement)
    with translation.override(settings.LANGUAGE_CODE):
        told = _("Case %(reference)s has a new coordinator.") % {"reference": reference}
        own = _("You now coordinate case %(reference)s.") % {"reference": reference}
    drafts = [Draft(recipient_id=pk, text=told, link=link) for pk in _others_on_case(involvement)]
    return [*drafts, Draft(recipient_id=involvement.professional_id, text=own, link=link)]


def reminders_created(reminder_id: int) -> list[Draft]:
    """One message per professional for one run of the reminders refresh: how many of their cases got one.

    ``reminder_id`` is one reminder of the run; the run's reminders share its creation time.
    """
    reminder = Reminder.objects.get(pk=reminder_id)
    batch = Reminder.objects.filter(created_at=reminder.created_at, resolved_at__isnull=True).values("case_id")
    counts = (
        Involvement.objects.active()
        .filter(case_id__in=batch, professional__is_active=True)
        .values("professional_id")
        .annotate(cases=Count("case_id", distinct=True))
        .order_by("professional_id")
    )
    link = reverse("cases:reminders")
    drafts = []
    with translation.override(settings.LANGUAGE_CODE):
        for row in counts:
            text = ngettext(
                "%(count)d of your cases got a new reminder.",
                "%(count)d of your cases got a new reminder.",
                row["cases"],
            ) % {"count": row["cases"]}
            drafts.append(Draft(recipient_id=row["professional_id"], text=text, link=link))
    return drafts


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

"""Writes of the organisation model that a screen makes: a team lead's settings of their team."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from privacy import policy
from privacy.actor import service

from .models import Team, User
from .querysets import ALLOCATED_BY_CHANGED


@service
def team_settings_save(*, team: Team, allocated_by: str, shown: str, by: User) -> Team:
    """Set who pays the team's actions from a stream; only a lead of the team, and never over a change unseen.

    ``shown`` is the value the lead's page showed. When another lead changed it meanwhile to something else
    than this lead chose, nothing is saved and the message names the value now in force. Saving the value
    already in force writes nothing (no history row).
    """
    locked = Team.objects.select_for_update().get(pk=team.pk)
    if not policy.leads_team(by, locked.pk):
        raise PermissionDenied
    if allocated_by not in Team.AllocatedBy.values:
        raise ValidationError({"allocated_by": _("Choose one of the options.")})
    if locked.allocated_by not in (shown, allocated_by):
        raise ValidationError(
            {
                "allocated_by": _(
                    "Meanwhile someone else changed this setting to “%(now)s”. Nothing has been saved: "
                    "check the choice and save again."
                )
                % {"now": locked.get_allocated_by_display()}
            }
        )
    if locked.allocated_by != allocated_by:
        locked.allocated_by = allocated_by
        # Named in the history row: a team created by a bulk load has no first row to compare it with.
        locked._change_reason = ALLOCATED_BY_CHANGED  # type: ignore[attr-defined]
        locked.save(update_fields=["allocated_by"])
    return locked

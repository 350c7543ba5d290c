"""Template helpers for casework screens."""

from __future__ import annotations

from typing import Any

from django import template

from privacy import policy

from ..models import Case

register = template.Library()


@register.simple_tag(takes_context=True)
def leads_team_of(context: template.Context, case: Case) -> bool:
    """Whether the user leads the case's team (and so assigns its coordinator).

    One query per request, however many cases a page shows: the led teams are kept on the request. None
    for anyone the policy answers with no teams at all: the empty query is not even compiled.
    """
    request = context.get("request")
    user: Any = getattr(request, "user", None) or context.get("user")
    holder = request if request is not None else user
    led: frozenset[int] | None = getattr(holder, "_wijkteam_led_team_ids", None)
    if led is None:
        ids = policy.led_team_ids(user)
        led = frozenset() if ids.query.is_empty() else frozenset(ids)  # no query for anyone but a team lead
        if holder is not None:
            holder._wijkteam_led_team_ids = led
    return case.team_id in led

"""``{% case_agenda case %}``: the case's open tasks and coming appointments on the household page.

The case came through ``Case.objects.visible_to`` (the household page's one read of the
policy); what hangs under it is read through the relation, as the page's other panels do.
Two queries, whatever the number of rows.
"""

from __future__ import annotations

from typing import Any

from django import template

from cases.models import Case

from ..models import Appointment, Task

register = template.Library()


@register.inclusion_tag("agenda/_household.html", takes_context=True)
def case_agenda(context: template.Context, case: Case) -> dict[str, Any]:
    return {
        "case": case,
        "tasks": list(Task.objects.filter(case=case).open().select_related("owner").order_by("due_on", "id")),
        "appointments": list(
            Appointment.objects.filter(case=case).upcoming().select_related("owner").order_by("starts_at", "id")
        ),
        "today": context.get("today"),
        "csrf_token": context.get("csrf_token"),
    }

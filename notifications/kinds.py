"""What each kind of notification means: who receives it and what it says, built from its cause's id.

A builder lives in the app that owns the cause and returns one ``Draft`` per
recipient. Register a new kind here (and in ``Notification.Kind``); nothing
else in this app changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Draft:
    recipient_id: int
    text: str  # no personal names
    link: str = ""


BUILDERS: dict[str, str] = {
    "blockage_escalated": "funding.notifications.blockage_escalated",
    "involvement_added": "cases.notifications.involvement_added",
    "coordinator_changed": "cases.notifications.coordinator_changed",
    "reminders_created": "cases.notifications.reminders_created",
    # Built here: the export engine imports no app above it (scripts/app_imports.py).
    "export_finished": "notifications.builders.export_finished",
    "case_arriving": "cases.notifications.case_arriving",
}


def builder(kind: str) -> Callable[[int], list[Draft]]:
    builder: Callable[[int], list[Draft]] = import_string(BUILDERS[kind])
    return builder

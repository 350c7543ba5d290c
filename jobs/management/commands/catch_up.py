"""Queue now the periodic work whose time passed while no beat ran (the demo's `make run` calls it at start).

Every daily entry of the beat schedule that goes through the outbox is queued with the key of the
current day, so work that already ran today does nothing again, and a second start in a day is free;
the summaries are refreshed in full once a day as well.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from jobs.services import periodic_enqueue

DAY = 24 * 60 * 60


class Command(BaseCommand):
    help = "Queue the periodic work that is due (through the outbox, once per day)"

    def handle(self, *args: Any, **options: Any) -> None:
        queued = []
        with transaction.atomic():
            for entry in settings.CELERY_BEAT_SCHEDULE.values():
                if entry["task"] != "jobs.enqueue_periodic":
                    continue
                arguments: dict[str, Any] = dict(entry["kwargs"])  # type: ignore[call-overload]
                periodic_enqueue(task_name=arguments["task_name"], every=DAY, kwargs=arguments.get("kwargs") or {})
                queued.append(arguments["task_name"])
            periodic_enqueue(task_name="monitoring.refresh_summaries", every=DAY, kwargs={"full": True})
            queued.append("monitoring.refresh_summaries")
        self.stdout.write(f"Queued (at most once a day): {', '.join(sorted(queued))}")

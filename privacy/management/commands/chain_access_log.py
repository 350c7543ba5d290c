from typing import Any

from django.core.management.base import BaseCommand

from privacy.sequencer import chain_access_log, pending_rows


class Command(BaseCommand):
    help = "Chain the access-log rows appended since the sequencer last ran (beat does so every few seconds)."

    def handle(self, *args: Any, **options: Any) -> None:
        chained = chain_access_log()
        self.stdout.write(f"Chained {chained} access-log rows; {pending_rows()} wait.")

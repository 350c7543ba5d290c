from typing import Any

from django.core.management.base import BaseCommand, CommandError

from privacy.seal import SealRefused, seal_access_log, seal_path


class Command(BaseCommand):
    help = "Seal the access log's head now (beat does so periodically), after verifying the rows since the last seal."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            seal = seal_access_log()
        except SealRefused as refused:
            raise CommandError(f"Not sealed, the access log does not verify: {refused}") from refused
        self.stdout.write(
            self.style.SUCCESS(f"Sealed the access log at seq {seal.head_seq} ({seal.head_hash}) ")
            + f"in {seal_path()}."
        )

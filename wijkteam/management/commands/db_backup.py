from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from wijkteam import backup
from wijkteam.database_logins import owner_keywords


class Command(BaseCommand):
    help = "Back up the database to one file with pg_dump (custom format), as the owner role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", help="where to write the backup (default: .data/backups/wijkteam-<time>.dump)")

    def handle(self, *args: Any, file: str | None, **options: Any) -> None:
        target = (
            Path(file)
            if file
            else settings.BASE_DIR / ".data" / "backups" / (f"wijkteam-{timezone.now():%Y%m%d-%H%M%S}.dump")
        )
        embedded = settings.WIJKTEAM_DATABASE_OWNER["ENGINE"] == "wijkteam.embedded_backend"
        backup.dump(keywords=owner_keywords(), file=target, embedded=embedded)
        self.stdout.write(self.style.SUCCESS(f"Backed up to {target}"))

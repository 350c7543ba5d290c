from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from wijkteam import backup
from wijkteam.database_logins import owner_keywords


class Command(BaseCommand):
    help = "Restore a backup made by db_backup into the database, replacing its tables, as the owner role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a backup file written by `manage.py db_backup` (make backup)")
        parser.add_argument("--no-input", action="store_false", dest="interactive", help="do not ask first")

    def handle(self, *args: Any, file: str, interactive: bool, **options: Any) -> None:
        source = Path(file)
        if not source.is_file():
            raise CommandError(f"No backup at {source}.")
        keywords = owner_keywords()
        if interactive:
            answer = input(f"Replace every table of database {keywords['dbname']!r} by {source}? Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing restored.")
        # pg_restore --clean must lock every table: no connection of this process may hold one.
        connection.close()
        embedded = settings.WIJKTEAM_DATABASE_OWNER["ENGINE"] == "wijkteam.embedded_backend"
        try:
            backup.restore(
                keywords=keywords, file=source, embedded=embedded, app_role=settings.WIJKTEAM_DATABASE_APP_ROLE
            )
        except RuntimeError as failure:
            raise CommandError(f"Nothing restored: {failure}") from failure
        self.stdout.write(
            self.style.SUCCESS(f"Restored {source} into {keywords['dbname']!r}.")
            + " Check it with `manage.py migrate --check` and `manage.py verify_access_log`."
        )

import datetime
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from privacy.retention import housekeeping_apply, housekeeping_counts, retention_apply


class Command(BaseCommand):
    help = (
        "Anonymise closed cases whose retention period has run out, and remove expired sessions, old login "
        "records, admin-log rows and released letters (use --dry-run to only list them)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list what would be anonymised, change nothing")
        parser.add_argument("--on", type=datetime.date.fromisoformat, default=None, help="as if today were DATE")

    def handle(self, *args: Any, dry_run: bool, on: datetime.date | None, **options: Any) -> None:
        from cases.models import Case

        case_ids = retention_apply(on=on, dry_run=dry_run)
        references = Case.objects.filter(pk__in=case_ids).order_by("reference").values_list("reference", flat=True)
        verb = "would anonymise" if dry_run else "anonymised"
        self.stdout.write(f"Retention {verb} {len(case_ids)} case(s).")
        for reference in references:
            self.stdout.write(f"  {reference}")
        if dry_run:
            counts = housekeeping_counts()
        else:
            removed = housekeeping_apply()
            counts = {name: getattr(removed, name) for name in ("sessions", "login_records", "admin_log", "letters")}
        for rule, count in counts.items():
            self.stdout.write(f"Retention {verb} {count} {rule.replace('_', ' ')}.")

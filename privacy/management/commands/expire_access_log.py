from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from privacy.expiry import ExpiryRefused, expire_access_log


class Command(BaseCommand):
    help = (
        "Remove access-log rows past their delete-after date and re-anchor the chain (as the owner role: "
        "WIJKTEAM_DATABASE_ROLE=owner); refused when the log does not verify."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            expiry = expire_access_log()
        except ExpiryRefused as refused:
            raise CommandError(f"Nothing removed, the access log does not verify: {refused}") from refused
        except DatabaseError as error:
            raise CommandError(
                f"Nothing removed: {error}. Only the owner role may remove access-log rows "
                "(WIJKTEAM_DATABASE_ROLE=owner)."
            ) from error
        if expiry.anchor is None:
            self.stdout.write("No access-log rows are past their delete-after date.")
            return
        sealed = "sealed" if expiry.anchor.sealed_at else "NOT sealed (no seal key or directory configured)"
        self.stdout.write(
            self.style.SUCCESS(f"Removed {expiry.removed} access-log rows; ")
            + f"the chain now starts after seq {expiry.anchor.head_seq} ({expiry.anchor.head_hash}), {sealed}."
        )

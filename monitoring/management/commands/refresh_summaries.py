from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand

from monitoring.services import summaries_refresh


class Command(BaseCommand):
    help = "Refresh the programme bureau's summary tables (incrementally unless --full)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--full", action="store_true", help="Recompute every neighbourhood.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = summaries_refresh(full=options["full"])
        if not result.ran or result.run is None:
            self.stdout.write("Another refresh is running; nothing done.")
            return
        run = result.run
        self.stdout.write(f"{run.mode} refresh: {run.buurten} neighbourhoods, {run.rows} rows")

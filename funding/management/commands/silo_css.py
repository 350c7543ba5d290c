"""Write the silo badge rules of ``static/css/funding.css`` from ``funding.silo_look`` (the one table of silo looks).

    manage.py silo_css            # print the rules
    manage.py silo_css --write    # replace the generated block in static/css/funding.css

``tests/funding/test_silo_look.py`` fails when the stylesheet and the table differ.
"""

from __future__ import annotations

import re
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from funding.silo_look import silo_css

BEGIN = "/* BEGIN silo look: generated from funding/silo_look.py by `manage.py silo_css --write`; do not edit */\n"
END = "/* END silo look */"
BLOCK = re.compile(r"/\* BEGIN silo look.*?\*/\n.*?/\* END silo look \*/", re.S)


def stylesheet() -> Path:
    return Path(settings.BASE_DIR) / "static" / "css" / "funding.css"


class Command(BaseCommand):
    help = "Print, or write into static/css/funding.css, the silo badge rules generated from funding.silo_look."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--write", action="store_true", help="Replace the generated block in funding.css.")

    def handle(self, *args: Any, **options: Any) -> None:
        block = BEGIN + silo_css() + END
        if not options["write"]:
            self.stdout.write(block)
            return
        path = stylesheet()
        css = path.read_text()
        if not BLOCK.search(css):
            raise CommandError(f"{path} has no generated silo block to replace")
        path.write_text(BLOCK.sub(lambda _match: block, css, count=1))
        self.stdout.write(f"Wrote the silo look into {path}")

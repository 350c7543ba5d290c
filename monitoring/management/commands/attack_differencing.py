"""The differencing attacker (issue 13 item 7) on the data in the database (`make attack` seeds a larger scale)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from monitoring.differencing import Result, run_audit_attack, run_dashboard_attack
from monitoring.services import summaries_refresh
from organisations.models import User


class Command(BaseCommand):
    help = (
        "Read every view of the dashboard and the funding audit as the programme bureau, try every pair, triple "
        "and parent-minus-children route to every withheld figure, and print what was recovered (must be 0)."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--refresh", action="store_true", help="Recompute the summaries first (full refresh).")
        parser.add_argument("--bureau", default="demo-bureau", help="The programme bureau's user name.")
        parser.add_argument("--lead", default="demo-lead", help="A team lead whose own buurten are a view too.")

    def handle(self, *args: Any, refresh: bool, bureau: str, lead: str, **options: Any) -> None:
        started = time.monotonic()
        if refresh:
            summaries_refresh(full=True)
        try:
            reader = User.objects.get(username=bureau)
        except User.DoesNotExist as error:
            raise CommandError(f"No user {bureau!r}: seed the database first (make attack).") from error
        total = Result()
        for label, result in (
            ("dashboard", run_dashboard_attack(lead=User.objects.filter(username=lead).first())),
            ("funding audit", run_audit_attack(bureau=reader)),
        ):
            self.stdout.write(result.summary(label))
            total.add(result)
        self.stdout.write(
            f"views tried: {total.views}\npairs: {total.pairs}\ntriples: {total.triples}\n"
            f"parent minus children: {total.covers}\nwithheld figures attacked: {total.targets}\n"
            f"routes that reached one: {total.reached} (to {total.reached_targets} withheld figures)\n"
            f"cells recovered: {len(total.recovered)}\nsupports published with two values: {total.inconsistent}\n"
            f"run time: {time.monotonic() - started:.1f} s"
        )
        if total.recovered or total.inconsistent:
            raise CommandError("The attacker recovered withheld figures.")

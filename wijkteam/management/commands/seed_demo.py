"""Generate a fictional municipality, deterministically, for every model that exists."""

from __future__ import annotations

import random
import time
from argparse import ArgumentParser
from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts import seed as accounts_seed
from cases import seed as cases_seed
from common.seeding import SCALES, SeedContext, table_row_counts
from funding import seed as funding_seed
from organisations import seed as organisations_seed
from organisations.models import User

# In dependency order; each later app appends its own step here.
# funding runs on the actions the casework step made: it goes after that step.
STEPS = [organisations_seed.seed, accounts_seed.seed, cases_seed.seed, funding_seed.seed]

# Tables with reference data from migrations: never truncated by --reset.
REFERENCE_MODELS = {
    "themes.theme",
    "themes.subtheme",
    "themes.instrument",
    "themes.instrumentdomain",
    "funding.silo",
    "organisations.organisationkind",
}
# jobs is here for --reset only: it restarts the ids, and an execution record
# keyed to an old row's id would silently skip the task for the new row.
PROJECT_APPS = ["organisations", "themes", "funding", "cases", "jobs"]


def seeded_models() -> list[Any]:
    return [
        model
        for app_label in PROJECT_APPS
        for model in apps.get_app_config(app_label).get_models(include_auto_created=True)
        if model._meta.label_lower not in REFERENCE_MODELS
    ]


class Command(BaseCommand):
    help = "Fill the database with fictional data: a municipality (demo), a city (municipality), a country (national)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="demo")
        parser.add_argument("--seed", type=int, default=2026, help="random seed; the same seed gives the same data")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when demo data is already there")
        parser.add_argument("--reset", action="store_true", help="remove existing demo data first")
        parser.add_argument(
            "--fraction",
            type=float,
            default=1.0,
            help="load this fraction of the scale's households and cases (e.g. 0.01), to try a large scale's shape",
        )

    def handle(
        self, *args: Any, scale: str, seed: int, if_empty: bool, reset: bool, fraction: float, **options: Any
    ) -> None:
        if not 0 < fraction <= 1:
            raise CommandError("--fraction must be above 0 and at most 1.")
        has_data = User.objects.exists()
        if has_data and if_empty:
            self.stdout.write("The database already holds data; nothing seeded.")
            return
        if has_data and not reset:
            raise CommandError("The database already holds data. Use --reset to replace it, or --if-empty.")

        chosen = SCALES[scale] if fraction == 1 else SCALES[scale].proportional(fraction)
        ctx = SeedContext(scale=chosen, rng=random.Random(seed), stdout=self.stdout)
        self.stdout.write(f"Seeding scale '{scale}' with seed {seed}:")
        started = time.perf_counter()
        with transaction.atomic():
            if reset:
                with ctx.step("reset"):
                    self._truncate()
            for step in STEPS:
                step(ctx)
        with ctx.step("analyse"), connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        total = time.perf_counter() - started

        self.stdout.write(self.style.SUCCESS(f"Done in {total:.1f} s."))
        self.stdout.write("Rows per table:")
        for table, count in table_row_counts(seeded_models()):
            self.stdout.write(f"  {table:<45} {count:>10,}")
        call_command("demo_accounts", stdout=self.stdout)

    def _truncate(self) -> None:
        tables = sorted({model._meta.db_table for model in seeded_models()})
        with connection.cursor() as cursor:
            # Django's foreign keys are deferred; TRUNCATE refuses while their checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "TRUNCATE {} RESTART IDENTITY CASCADE".format(", ".join(connection.ops.quote_name(t) for t in tables))
            )
            # Back to deferred: the seed relies on checking keys and the one-coordinator rule at the end.
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

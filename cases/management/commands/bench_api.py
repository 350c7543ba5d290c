"""Measure the API's personal-data lists on the data in the database: ``manage.py bench_api`` (``make bench``).

Picks the team with the most cases and a current member who may see them,
makes that member a personal API token (the real bearer path: token lookup,
account check, policy, access log), fetches one page of 50 of each list
(cases, households, persons, involvements, actions, contacts, allocations) N
times in-process and prints the median and 95th-percentile server time and the
number of queries per list. Everything runs in one transaction that is rolled back, so
the token and the access-log rows the reads write do not stay behind.
"""

from __future__ import annotations

import datetime
import os
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from accounts.services import api_token_create
from cases.models import Case
from common.runtime import settle
from organisations.models import TeamMembership

from .bench_pages import Command as PagesCommand

# One page of 50 must answer under this, median, at the `municipality` and `national` seeds (issue 17).
TARGET_MS = 15.0
LISTS = ["cases", "households", "persons", "involvements", "actions", "contacts", "allocations"]


class Command(BaseCommand):
    help = "Fetch one page of 50 of each personal-data list through the API with a personal token N times."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--runs", type=int, default=30, help="measured requests (default 30)")
        parser.add_argument("--warmup", type=int, default=3, help="requests first, not measured (default 3)")
        parser.add_argument(
            "--fail-above", type=float, metavar="MS", help="exit with an error when the median is above this"
        )
        parser.add_argument(
            "--profile",
            action="store_true",
            help="after measuring, profile each list (pyinstrument) and count its Python function calls (cProfile)",
        )

    def handle(
        self, *args: Any, runs: int, warmup: int, fail_above: float | None, profile: bool = False, **options: Any
    ) -> None:
        if runs < 1:
            raise CommandError("--runs must be at least 1.")
        busiest = Case.objects.values("team_id").annotate(n=Count("pk")).order_by("-n", "team_id").first()
        if busiest is None:
            raise CommandError("No case found: load data first (manage.py seed_demo).")
        membership = (
            TeamMembership.objects.current()
            .filter(team_id=busiest["team_id"], user__is_active=True)
            .select_related("user")
            .order_by("user_id")
            .first()
        )
        if membership is None:
            raise CommandError("The busiest team has no current member to ask as.")
        user = membership.user
        visible = Case.objects.visible_to(user).count()
        self.stdout.write(f"User #{user.pk} ({user.role}) sees {visible} cases; one page of 50 of each list.")
        self.stdout.write(f"Settings: {settings.SETTINGS_MODULE}, DEBUG={settings.DEBUG}; {runs} runs after {warmup}.")

        host = next((name for name in settings.ALLOWED_HOSTS if name and "*" not in name), "localhost")
        pages = PagesCommand()  # its timing loop only
        with transaction.atomic():
            new = api_token_create(
                by=user, name="bench_api", expires_on=timezone.localdate() + datetime.timedelta(days=1)
            )
            client = Client(HTTP_HOST=host.lstrip("."), HTTP_AUTHORIZATION=f"Bearer {new.secret}")
            settle()  # as the WSGI entry point does once the application is loaded
            results = {
                name: pages.measure(client, f"/api/v1/{name}/?page_size=50", runs=runs, warmup=warmup) for name in LISTS
            }
            calls: dict[str, int] = {}
            if profile:
                for name in LISTS:
                    pages.stdout = self.stdout
                    pages.profile(client, name, f"/api/v1/{name}/?page_size=50")
                calls = {name: pages.count_calls(client, f"/api/v1/{name}/?page_size=50") for name in LISTS}
            transaction.set_rollback(True)

        for name, (median, p95, best, cpu, queries) in results.items():
            self.stdout.write(
                f"  GET /api/v1/{name + '/':<13} median {median:7.1f} ms   p95 {p95:7.1f} ms   "
                f"(best {best:6.1f} ms, Python CPU median {cpu:6.1f} ms)   {queries} queries"
            )
        # A count, not a time: it does not grow with the machine's load, so before/after compare on a busy machine.
        for name, count in calls.items():
            self.stdout.write(f"  {name:<13} {count:,} Python function calls per request (cProfile)")
        if hasattr(os, "getloadavg"):
            self.stdout.write(f"Load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.")
        slowest = max(results, key=lambda name: results[name][0])
        median = results[slowest][0]
        verdict = "within" if median < TARGET_MS else "ABOVE"
        self.stdout.write(
            f"The slowest median ({slowest}, {median:.1f} ms) is {verdict} the {TARGET_MS:.0f} ms target."
        )
        if fail_above is not None and median > fail_above:
            raise CommandError(f"Median {median:.1f} ms of {slowest} is above {fail_above:.1f} ms.")

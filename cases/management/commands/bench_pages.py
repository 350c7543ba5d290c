"""Measure the casework pages on the data in the database: ``manage.py bench_pages`` (``make bench``).

Finds the largest household (most members, involvements and contacts
together), then renders its page in-process with Django's test client, as a
casework user who may see it (its coordinator), and prints the median and
95th-percentile server time and the number of queries. The caseload of the
same user is measured too.

The client is logged in with ``force_login``: a measurement shortcut past the
login steps that lives only in this command, never behind a URL. Everything
runs in one transaction that is rolled back, so the session and the
last-login stamp the login writes do not stay behind. Only counts, the
household's UUID and the case reference are printed, no names.
"""

from __future__ import annotations

import os
import statistics
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.benchmarking import bench_client
from cases.models import Case, Contact, Household, HouseholdMembership, Involvement
from common.benchmarking import percentile
from common.runtime import settle
from organisations.models import TeamMembership, User
from privacy import policy

# The p95 the household page and the caseload must stay under with the `municipality` seed (issue 17;
# issue 3 asked 150 ms of the household page).
TARGET_MS = 50.0
CASELOAD_TARGET_MS = 30.0


def _count(model: Any, path: str) -> Coalesce:
    """How many rows of ``model`` hang under the household, as a correlated subquery."""
    rows = model.objects.filter(**{path: OuterRef("pk")}).order_by().values(path).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def largest_household() -> Household | None:
    return (
        Household.objects.annotate(
            member_count=_count(HouseholdMembership, "household"),
            involvement_count=_count(Involvement, "case__household"),
            contact_count=_count(Contact, "case__household"),
        )
        .annotate(size=F("member_count") + F("involvement_count") + F("contact_count"))
        .order_by("-size", "pk")
        .first()
    )


def viewer_of(household: Household) -> tuple[Case, User]:
    """The household's open (else latest) case, and a casework user who may see it: its coordinator if any."""
    case = household.cases.order_by(F("closed_on").desc(nulls_first=True), "-referred_on", "-pk").first()
    if case is None:
        raise CommandError("This household has no case.")
    coordinator = (
        Involvement.objects.filter(case=case, is_coordinator=True, end_date__isnull=True)
        .select_related("professional")
        .first()
    )
    candidates = [coordinator.professional] if coordinator else []
    candidates += [
        membership.user
        for membership in TeamMembership.objects.current().filter(team_id=case.team_id).select_related("user")[:20]
    ]
    for user in candidates:
        if policy.may_see_casework(user) and Household.objects.visible_to(user).filter(pk=household.pk).exists():
            return case, user
    raise CommandError(f"Nobody who may see case {case.reference} was found to render it as.")


class Command(BaseCommand):
    help = (
        "Render the largest household's page (and its coordinator's caseload) N times in-process and print the "
        "median and p95 server time and the query count."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--runs", type=int, default=20, help="measured renders per page (default 20)")
        parser.add_argument("--warmup", type=int, default=3, help="renders first, not measured (default 3)")
        parser.add_argument("--household", help="UUID of the household to render instead of the largest")
        parser.add_argument(
            "--profile",
            action="store_true",
            help="after measuring, profile one render of each page (pyinstrument) and print where the Python time goes",
        )
        parser.add_argument(
            "--fail-above",
            type=float,
            metavar="MS",
            help="exit with an error when the household page's p95 is above this many milliseconds",
        )

    def handle(
        self,
        *args: Any,
        runs: int,
        warmup: int,
        household: str | None,
        fail_above: float | None,
        profile: bool = False,
        **options: Any,
    ) -> None:
        if runs < 1:
            raise CommandError("--runs must be at least 1.")
        started = time.perf_counter()
        chosen = Household.objects.filter(uuid=household).first() if household else largest_household()
        if chosen is None:
            raise CommandError("No household found: load data first (manage.py seed_demo).")
        case, user = viewer_of(chosen)
        sizes = (
            HouseholdMembership.objects.filter(household=chosen).count(),
            Involvement.objects.filter(case__household=chosen).count(),
            Contact.objects.filter(case__household=chosen).count(),
        )
        self.stdout.write(
            f"Household {chosen.uuid}: {sizes[0]} memberships, {sizes[1]} involvements, {sizes[2]} contacts "
            f"(found in {time.perf_counter() - started:.1f} s); case {case.reference}, viewed by user #{user.pk}."
        )
        self.stdout.write(f"Settings: {settings.SETTINGS_MODULE}, DEBUG={settings.DEBUG}; {runs} runs after {warmup}.")

        pages = {
            "household page": reverse("cases:household", args=[chosen.uuid]),
            "caseload": reverse("cases:caseload"),
        }
        results: dict[str, tuple[float, float, float, float, int]] = {}
        with transaction.atomic():
            client = bench_client(user)
            settle()  # as the WSGI entry point does once the application is loaded
            for label, url in pages.items():
                results[label] = self.measure(client, url, runs=runs, warmup=warmup)
            if profile:
                for label, url in pages.items():
                    self.profile(client, label, url)
                calls = {label: self.count_calls(client, url) for label, url in pages.items()}
            transaction.set_rollback(True)

        for label, (median, p95, best, cpu, queries) in results.items():
            self.stdout.write(
                f"  {label:<15} median {median:7.1f} ms   p95 {p95:7.1f} ms   "
                f"(best {best:6.1f} ms, Python CPU median {cpu:6.1f} ms)   {queries} queries"
            )
        if profile:
            # A count, not a time: it does not grow with the machine's load, so before/after compare on a busy machine.
            for label, count in calls.items():
                self.stdout.write(f"  {label:<15} {count:,} Python function calls per render (cProfile)")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        if load is not None:
            self.stdout.write(
                f"Load average {load:.1f} on {os.cpu_count()} CPUs: on a busy machine the wall times grow; "
                "the CPU time (this process only, without the database) grows less."
            )
        household_p95 = results["household page"][1]
        for label, target in (("household page", TARGET_MS), ("caseload", CASELOAD_TARGET_MS)):
            verdict = "within" if results[label][1] < target else "ABOVE"
            self.stdout.write(f"{label.capitalize()} p95 is {verdict} the {target:.0f} ms target.")
        if fail_above is not None and household_p95 > fail_above:
            raise CommandError(f"Household page p95 {household_p95:.1f} ms is above {fail_above:.1f} ms.")

    def measure(self, client: Client, url: str, *, runs: int, warmup: int) -> tuple[float, float, float, float, int]:
        for _ in range(warmup):
            self.fetch(client, url)
        timings, cpu = [], []
        for _ in range(runs):
            begin, begin_cpu = time.perf_counter(), time.process_time()
            self.fetch(client, url)
            timings.append((time.perf_counter() - begin) * 1000)
            cpu.append((time.process_time() - begin_cpu) * 1000)
        # Counted on a run of its own: capturing queries costs time the timed runs should not pay.
        with CaptureQueriesContext(connection) as captured:
            self.fetch(client, url)
        return (
            statistics.median(timings),
            percentile(timings, 0.95),
            min(timings),
            statistics.median(cpu),
            len(captured.captured_queries),
        )

    def profile(self, client: Client, label: str, url: str, renders: int = 5) -> None:
        """Where the Python time of ``renders`` renders goes: pyinstrument's call tree, frames under 2% left out.

        Only function names, files and times are printed, never data.
        """
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(renders):
                self.fetch(client, url)
        self.stdout.write(f"Profile of {label}, {renders} renders:")
        self.stdout.write(profiler.output_text(unicode=True, color=False, show_all=False))

    def count_calls(self, client: Client, url: str, renders: int = 5) -> int:
        """The Python function calls of one render (mean of ``renders``), counted by cProfile."""
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        try:
            for _ in range(renders):
                self.fetch(client, url)
        finally:
            profiler.disable()
        return int(pstats.Stats(profiler).total_calls) // renders  # type: ignore[attr-defined]

    def fetch(self, client: Client, url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}.")

"""Measure the monitoring speeds of issue 6 on the data in the database: ``manage.py bench_monitoring``.

Three measurements, in this order:

(a) a full refresh of the summary tables, committed (the tables stay filled);
(b) an incremental refresh after 1,000 new contacts, logged through the casework
    service ``contact_log`` (so the write history that drives the incremental
    refresh is written exactly as in production), each on another open case and
    by that case's coordinator, spread over every neighbourhood with open cases;
(c) every dashboard request variant (no filter, municipality, area, theme,
    period, printable page), rendered in-process with Django's test client as the
    programme bureau, with median and p95 server time and the query count.

(b) and (c) run in one transaction that is rolled back: the 1,000 contacts,
the incremental run and the bench login leave nothing behind. The dashboard is
measured on the summaries as (b) left them. DEBUG must be off (as in production):
with DEBUG on, Django keeps every query in memory and the figures mean little.

The targets (issue 17, with the ``national`` seed): dashboard p95 <= 50 ms per
variant, full refresh <= 60 s, incremental refresh <= 5 s (<= 2 s at ``municipality``).
The 1,000 contacts mark their (buurt, month) cells by trigger, as any contact write does.
"""

from __future__ import annotations

import datetime
import os
import statistics
import time
from argparse import ArgumentParser
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.benchmarking import bench_client
from cases.models import CaseStatus, Contact, Involvement
from cases.services import contact_log
from common.benchmarking import percentile
from common.runtime import settle
from monitoring.services import summaries_refresh
from organisations.models import Area, Municipality, Role, User
from themes.models import Theme

TARGET_DASHBOARD_MS = 50.0
TARGET_FULL_S = 60.0
TARGET_INCREMENTAL_S = 5.0


@dataclass(frozen=True)
class Timing:
    median: float
    p95: float
    best: float
    queries: int


def spread_coordinators(count: int) -> list[Involvement]:
    """The active coordinator involvements of ``count`` open cases, taken round-robin over neighbourhoods.

    Deterministic (ordered by ids), so two runs on the same data write to the same cases.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT id FROM (
                SELECT i.id, row_number() OVER (PARTITION BY h.neighbourhood_id ORDER BY c.id) AS turn,
                       h.neighbourhood_id
                  FROM cases_involvement i
                  JOIN cases_case c ON c.id = i.case_id
                  JOIN cases_household h ON h.id = c.household_id
                 WHERE i.is_coordinator AND i.end_date IS NULL AND c.closed_on IS NULL AND c.status <> %s
            ) AS ranked
             ORDER BY turn, neighbourhood_id
             LIMIT %s
            """,
            [CaseStatus.CLOSED, count],
        )
        ids = [row[0] for row in cursor.fetchall()]
    return list(Involvement.objects.filter(pk__in=ids).select_related("case", "professional").order_by("pk"))


class Command(BaseCommand):
    help = (
        "Measure a full and an incremental (after 1,000 new contacts) summary refresh, and every dashboard "
        "request variant (median and p95 server time, query count)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--runs", type=int, default=20, help="measured requests per variant (default 20)")
        parser.add_argument("--warmup", type=int, default=3, help="requests first, not measured (default 3)")
        parser.add_argument("--contacts", type=int, default=1_000, help="new contacts before the incremental run")
        parser.add_argument("--skip-full", action="store_true", help="reuse the summaries in the database")
        parser.add_argument(
            "--fail-above-targets", action="store_true", help="exit with an error when a target is missed"
        )

    def handle(
        self,
        *args: Any,
        runs: int,
        warmup: int,
        contacts: int,
        skip_full: bool,
        fail_above_targets: bool,
        **options: Any,
    ) -> None:
        if settings.DEBUG:
            raise CommandError("Run with DEBUG off (DJANGO_DEBUG=0): with DEBUG on every query is kept in memory.")
        if runs < 1 or contacts < 1:
            raise CommandError("--runs and --contacts must be at least 1.")
        bureau = User.objects.filter(role=Role.PROGRAMME_BUREAU, is_active=True).order_by("pk").first()
        if bureau is None:
            raise CommandError("No programme-bureau user: load data first (manage.py seed_demo).")
        self.stdout.write(
            f"Data: {Contact.objects.count():,} contacts, {Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD).count():,}"
            f" neighbourhoods. Settings: {settings.SETTINGS_MODULE}, DEBUG={settings.DEBUG}."
        )
        missed: list[str] = []

        if not skip_full:
            started = time.perf_counter()
            result = summaries_refresh(full=True)
            full_s = time.perf_counter() - started
            if not result.ran or result.run is None:
                raise CommandError("Another refresh holds the lock; try again when it is done.")
            self.stdout.write(
                f"(a) full refresh: {full_s:.1f} s ({result.run.buurten:,} neighbourhoods, {result.run.rows:,} rows); "
                f"target < {TARGET_FULL_S:.0f} s"
            )
            if full_s >= TARGET_FULL_S:
                missed.append("full refresh")

        with transaction.atomic():
            involvements = spread_coordinators(contacts)
            if len(involvements) < contacts:
                raise CommandError(f"Only {len(involvements)} open cases with a coordinator; need {contacts}.")
            started = time.perf_counter()
            today = timezone.localdate()
            for index, involvement in enumerate(involvements):
                contact_log(
                    case=involvement.case,
                    by=involvement.professional,
                    occurred_on=max(today - datetime.timedelta(days=index % 20), involvement.case.referred_on),
                    kind=Contact.Kind.COORDINATION if index % 4 == 0 else Contact.Kind.PHONE,
                    themes=["welzijn"],
                    minutes=30,
                    note="Bench contact",
                )
            writing_s = time.perf_counter() - started
            started = time.perf_counter()
            result = summaries_refresh()
            incremental_s = time.perf_counter() - started
            if not result.ran or result.run is None:
                raise CommandError("Another refresh holds the lock; try again when it is done.")
            self.stdout.write(
                f"(b) incremental refresh after {contacts:,} contacts (contact_log service, {writing_s:.1f} s to "
                f"write): {incremental_s:.2f} s, {result.run.mode} over {result.run.buurten:,} neighbourhoods, "
                f"{result.run.rows:,} rows; target < {TARGET_INCREMENTAL_S:.0f} s"
            )
            if incremental_s >= TARGET_INCREMENTAL_S or result.run.mode != result.run.Mode.INCREMENTAL:
                missed.append("incremental refresh")

            client = bench_client(bureau)
            settle()  # as the WSGI entry point does once the application is loaded
            timings = {label: self.measure(client, url, runs, warmup) for label, url in self.variants().items()}
            transaction.set_rollback(True)

        self.stdout.write(
            f"(c) dashboard, {runs} requests per variant after {warmup}; target p95 < {TARGET_DASHBOARD_MS:.0f} ms:"
        )
        for label, timing in timings.items():
            self.stdout.write(
                f"    {label:<14} median {timing.median:7.1f} ms   p95 {timing.p95:7.1f} ms   "
                f"(best {timing.best:6.1f} ms)   {timing.queries} queries"
            )
            if timing.p95 >= TARGET_DASHBOARD_MS:
                missed.append(f"dashboard {label}")
        self.stdout.write(f"Load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.")
        if missed:
            self.stdout.write(f"Targets missed: {', '.join(missed)}.")
            if fail_above_targets:
                raise CommandError("Targets missed.")
        else:
            self.stdout.write("All targets met.")

    def variants(self) -> dict[str, str]:
        """One dashboard URL per filter: the first municipality, wijk and theme, and the year 2025."""
        index = reverse("monitoring:index")
        municipality = Municipality.objects.order_by("pk").first()
        district = Area.objects.filter(kind=Area.Kind.DISTRICT).order_by("pk").first()
        theme = Theme.objects.order_by("pk").first()
        if municipality is None or district is None or theme is None:
            raise CommandError("No municipality, wijk or theme: load data first (manage.py seed_demo).")
        return {
            "no filter": index,
            "municipality": f"{index}?municipality={municipality.code}",
            "area": f"{index}?area={district.code}",
            "theme": f"{index}?theme={theme.code}",
            "period": f"{index}?start=2025-01-01&end=2025-12-31",
            # The CSV/XLSX export is built by a background task from the same board; the printable page stands in.
            "print": reverse("monitoring:print"),
        }

    def measure(self, client: Client, url: str, runs: int, warmup: int) -> Timing:
        for _ in range(warmup):
            self.fetch(client, url)
        timings = []
        for _ in range(runs):
            begin = time.perf_counter()
            self.fetch(client, url)
            timings.append((time.perf_counter() - begin) * 1000)
        # Counted on a run of its own: capturing queries costs time the timed runs should not pay.
        with CaptureQueriesContext(connection) as captured:
            self.fetch(client, url)
        return Timing(statistics.median(timings), percentile(timings, 0.95), min(timings), len(captured))

    def fetch(self, client: Client, url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}.")

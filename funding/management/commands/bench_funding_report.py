"""Measure the funding-flow audit: the full table (what the export holds) per level and period, and the whole
page as an auditor sees it (one row per silo when the full table would be too long for a screen).

    manage.py bench_funding_report [--year 2025] [--repeat 5]

Runs against the municipality with the most cases. The issue's budget: the
report renders in under one second at ``municipality`` scale.
"""

from __future__ import annotations

import statistics
import time
from argparse import ArgumentParser
from typing import Any
from urllib.parse import urlencode

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from accounts.benchmarking import bench_client
from funding.report import ReportParams, funding_flow
from organisations.models import Municipality, Organisation, Role, User

BUDGET_SECONDS = 1.0


class Command(BaseCommand):
    help = "Time the funding-flow report (SQL and the rendered page) for every area level and period."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--year", type=int, help="default: the year with the most spend")
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument(
            "--budget", type=float, default=BUDGET_SECONDS, help="fail when the slowest page median is above it (s)"
        )

    def handle(self, *args: Any, year: int | None, repeat: int, budget: float, **options: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.municipality_id, count(*) FROM cases_case c JOIN organisations_team t ON t.id = c.team_id "
                "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
            )
            found = cursor.fetchone()
            if found is None:
                raise CommandError("No cases: run seed_demo (with casework) first.")
            municipality_id, cases = found
            if year is None:
                cursor.execute(
                    "SELECT extract(year FROM month)::int, count(*) FROM funding_spend "
                    "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
                )
                row = cursor.fetchone()
                year = row[0] if row else 2025
            cursor.execute(
                "SELECT (SELECT count(*) FROM cases_action), (SELECT count(*) FROM funding_allocation), "
                "(SELECT count(*) FROM funding_spend), (SELECT count(*) FROM funding_blockage)"
            )
            actions, allocations, spend, blockages = cursor.fetchone()
        municipality = Municipality.objects.get(pk=municipality_id)
        self.stdout.write(
            f"{municipality.name}, {year}: {cases:,} cases, {actions:,} actions, {allocations:,} allocations, "
            f"{spend:,} spend rows, {blockages:,} blockages."
        )
        worst = 0.0
        with transaction.atomic():
            client = self._auditor_client(municipality)
            # One unmeasured request first: template loading and URL resolving happen once per process.
            client.get(reverse("funding:audit"))
            self.stdout.write(
                f"{'level':<6} {'period':<8} {'rows':>6} {'full table':>11} {'page median':>12} {'max':>8}"
            )
            for level in ("wijk", "buurt"):
                for granularity in ("month", "quarter", "year"):
                    params = ReportParams(
                        municipality_id=municipality.pk, year=year, level=level, granularity=granularity
                    )
                    sql_times, page_times = [], []
                    rows = 0
                    for _ in range(repeat):
                        started = time.perf_counter()
                        rows = len(funding_flow(params).rows)
                        sql_times.append(time.perf_counter() - started)
                        query = urlencode({"year": year, "level": level, "granularity": granularity, "silo": ""})
                        started = time.perf_counter()
                        response = client.get(f"{reverse('funding:audit')}?{query}")
                        page_times.append(time.perf_counter() - started)
                        if response.status_code != 200:
                            raise CommandError(f"The report page answered {response.status_code}")
                    page = statistics.median(page_times)
                    worst = max(worst, page)
                    self.stdout.write(
                        f"{level:<6} {granularity:<8} {rows:>6} {statistics.median(sql_times):>10.3f}s "
                        f"{page:>11.3f}s {max(page_times):>7.3f}s"
                    )
            transaction.set_rollback(True)
        verdict = "OK" if worst < budget else "TOO SLOW"
        self.stdout.write(f"Slowest page median {worst:.3f} s; budget {budget:g} s: {verdict}")
        if worst >= budget:
            raise CommandError("The funding-flow report is slower than its budget.")

    def _auditor_client(self, municipality: Municipality) -> Client:
        """A throw-away auditor of this municipality (rolled back with the transaction)."""
        organisation = Organisation.objects.filter(municipality=municipality).first()
        auditor = User.objects.create(username="bench-auditor", role=Role.AUDITOR, organisation=organisation)
        return bench_client(auditor)

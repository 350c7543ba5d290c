"""Measure paying from a stream (issue 14): listing the streams that may pay one action, and the daily
re-detection over every running action.

    manage.py bench_funding_pay [--actions 50]

Runs on the data in the database (seed ``municipality`` first). The issue's targets: the list of payable
streams in under 30 ms per action, the daily re-detection in under 10 s (the unpaid actions over their whole
period, and every running allocation of the paid ones). The re-detection runs in a
transaction that is rolled back, so the measurement leaves the blockages as they were.
"""

from __future__ import annotations

import statistics
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from cases.models import Action
from common.benchmarking import percentile
from funding import services
from funding.payable import payable_streams

LIST_BUDGET_MS = 30.0
REDETECT_BUDGET_S = 10.0


class Command(BaseCommand):
    help = "Time the payable-streams list for an action and the daily re-detection over all running actions."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--actions", type=int, default=50, help="how many running actions to list streams for")
        parser.add_argument("--repeat", type=int, default=3, help="re-detection runs")

    def handle(self, *args: Any, actions: int, repeat: int, **options: Any) -> None:
        running = Action.objects.filter(
            status__in=["proposed", "approved", "in_progress"], case__closed_on__isnull=True
        ).select_related("delivering_organisation")
        total = running.count()
        if not total:
            raise CommandError("No running actions: run seed_demo first.")
        # Spread over the table (every n-th by id), not only the newest.
        step = max(1, total // actions)
        sample = list(running.order_by("pk")[::step][:actions])
        payable_streams(sample[0])  # one unmeasured call: imports and the first plan
        timings = []
        for action in sample:
            started = time.perf_counter()
            payable_streams(action)
            timings.append((time.perf_counter() - started) * 1000)
        median, p95, worst = statistics.median(timings), percentile(timings, 0.95), max(timings)
        self.stdout.write(
            f"Payable streams for {len(sample)} of {total:,} running actions: median {median:.1f} ms, "
            f"p95 {p95:.1f} ms, max {worst:.1f} ms (target < {LIST_BUDGET_MS:.0f} ms)"
        )
        seconds = []
        for _ in range(repeat):
            with transaction.atomic():
                started = time.perf_counter()
                opened = services.blockages_redetect()
                seconds.append(time.perf_counter() - started)
                transaction.set_rollback(True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM funding_blockage")
            (blockages,) = cursor.fetchone()
        self.stdout.write(
            f"Daily re-detection over {total:,} running actions: median {statistics.median(seconds):.2f} s, "
            f"max {max(seconds):.2f} s, {opened:,} new blockages ({blockages:,} exist; target < "
            f"{REDETECT_BUDGET_S:.0f} s)"
        )
        ok = p95 < LIST_BUDGET_MS and max(seconds) < REDETECT_BUDGET_S
        self.stdout.write(self.style.SUCCESS("Within target.") if ok else self.style.ERROR("Over target."))
        if not ok:
            raise CommandError("Over target.")

"""Measure how fast the access log takes rows from many writers at once: ``manage.py bench_access_log``.

N threads, each on its own database connection as the application role,
log page-sized batches (``record_many`` with 50 subjects, as a list page
does) as fast as they can, for ``--seconds``. Every batch is its own
transaction and is rolled back, so the database keeps none of the bench's
rows, while whatever a writer locks it holds for the same time as a
committed request would (``--hold-ms`` adds work inside the transaction
after the INSERT, as a request that logs first and renders after). Prints
rows per second at 1 and at N threads, and how fast the sequencer chains
rows (also rolled back).
"""

from __future__ import annotations

import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from privacy import access_log
from privacy.sequencer import chain_access_log


class _Rollback(Exception):
    pass


def _writer(*, deadline: float, rows: int, hold: float, counts: list[int], index: int, errors: list[str]) -> None:
    subjects = [access_log.Subject(household_id=number + 1, object_type="cases.household") for number in range(rows)]
    written = 0
    try:
        while time.perf_counter() < deadline:
            try:
                with transaction.atomic():
                    access_log.record_many(
                        user=None, action=access_log.Action.READ, subjects=subjects, detail="bench_access_log"
                    )
                    if hold:
                        time.sleep(hold)
                    raise _Rollback
            except _Rollback:
                written += rows
    except Exception as error:
        errors.append(repr(error))
    finally:
        counts[index] = written
        connection.close()


def _rows_per_second(*, threads: int, seconds: float, rows: int, hold: float) -> float:
    counts = [0] * threads
    errors: list[str] = []
    started = time.perf_counter()
    deadline = started + seconds
    workers = [
        threading.Thread(
            target=_writer,
            kwargs={"deadline": deadline, "rows": rows, "hold": hold, "counts": counts, "index": i, "errors": errors},
        )
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise CommandError(f"A writer failed: {errors[0]}")
    return sum(counts) / elapsed


class Command(BaseCommand):
    help = "Log page-sized batches from 1 and N threads at once; print access-log rows/s and the sequencer's rate."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--threads", type=int, default=8, help="concurrent writers (default 8)")
        parser.add_argument("--seconds", type=float, default=5.0, help="how long each run writes (default 5)")
        parser.add_argument("--rows", type=int, default=50, help="rows per batch, one page (default 50)")
        parser.add_argument("--hold-ms", type=float, default=0.0, help="work after the INSERT, in its transaction")
        parser.add_argument("--chain-rows", type=int, default=20000, help="rows the sequencer chains (default 20000)")

    def handle(
        self, *args: Any, threads: int, seconds: float, rows: int, hold_ms: float, chain_rows: int, **options: Any
    ) -> None:
        if threads < 1 or rows < 1 or seconds <= 0:
            raise CommandError("--threads and --rows must be at least 1, --seconds above 0.")
        hold = hold_ms / 1000
        single = _rows_per_second(threads=1, seconds=seconds, rows=rows, hold=hold)
        many = _rows_per_second(threads=threads, seconds=seconds, rows=rows, hold=hold)
        self.stdout.write(
            f"access log, batches of {rows} rows, {hold_ms:g} ms held after the INSERT: "
            f"1 writer {single:,.0f} rows/s; {threads} writers {many:,.0f} rows/s "
            f"({many / single:.1f}x)"
        )
        subjects = [access_log.Subject(household_id=number + 1) for number in range(1000)]
        try:
            with transaction.atomic():
                for _batch in range(max(1, chain_rows // 1000)):
                    access_log.record_many(
                        user=None, action=access_log.Action.READ, subjects=subjects, detail="bench_access_log"
                    )
                started = time.perf_counter()
                chained = chain_access_log(limit=None)
                elapsed = time.perf_counter() - started
                raise _Rollback
        except _Rollback:
            pass
        self.stdout.write(
            f"sequencer: chained {chained:,} rows in {elapsed * 1000:.0f} ms ({chained / elapsed:,.0f} rows/s)"
        )

"""How big the data is, per municipality and per 100,000 households: ``manage.py bench_size`` (``make bench``).

For docs/scaling.md: the database's size and each large table's with its indexes
and TOAST (``pg_total_relation_size``), that size per 100,000 households, and the
rows per municipality (households, cases, contacts) by the tenant key
(common/tenancy.py). Only counts and sizes are printed, never data.
"""

from __future__ import annotations

import statistics
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

PER = 100_000
# The tables shown one by one; the rest is summed.
LARGEST = 12


def _mb(size: float) -> str:
    return f"{size / 1024 / 1024:10,.0f} MB"


class Command(BaseCommand):
    help = "Print the database's size per 100,000 households and the rows per municipality."

    def handle(self, *args: Any, **options: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM cases_household")
            (households,) = cursor.fetchone()
            if not households:
                raise CommandError("No household found: load data first (manage.py seed_demo).")
            cursor.execute("SELECT pg_database_size(current_database())")
            (database,) = cursor.fetchone()
            cursor.execute(
                "SELECT c.relname, pg_total_relation_size(c.oid), c.reltuples::bigint FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC"
            )
            tables = cursor.fetchall()
            cursor.execute("SELECT h.municipality_id, count(*) FROM cases_household h GROUP BY 1 ORDER BY 1")
            per_household = dict(cursor.fetchall())
            cursor.execute("SELECT municipality_id, count(*) FROM cases_case GROUP BY 1")
            per_case = dict(cursor.fetchall())
            cursor.execute(
                "SELECT c.municipality_id, count(*) FROM cases_contact t JOIN cases_case c ON c.id = t.case_id "
                "GROUP BY 1"
            )
            per_contact = dict(cursor.fetchall())

        factor = PER / households
        self.stdout.write(
            f"{households:,} households in {len(per_household)} municipalities; database {_mb(database).strip()}, "
            f"{_mb(database * factor).strip()} per {PER:,} households."
        )
        self.stdout.write(f"Largest tables (with indexes and TOAST), total and per {PER:,} households:")
        for name, size, rows in tables[:LARGEST]:
            self.stdout.write(f"  {name:<40} {_mb(size)} {_mb(size * factor)}   ~{max(rows, 0):>12,} rows")
        rest = sum(size for _name, size, _rows in tables[LARGEST:])
        self.stdout.write(
            f"  {'(the other ' + str(len(tables[LARGEST:])) + ' tables)':<40} {_mb(rest)} {_mb(rest * factor)}"
        )
        self.stdout.write("Rows per municipality (min / median / max):")
        for label, counts in (("households", per_household), ("cases", per_case), ("contacts", per_contact)):
            values = sorted(counts.values()) or [0]
            self.stdout.write(
                f"  {label:<12} {values[0]:>10,} / {statistics.median(values):>12,.0f} / {values[-1]:>10,}"
            )

"""Shared machinery for `manage.py seed_demo`: scales, a seeded RNG, fast bulk loading.

Each app that owns seedable data has a ``seed.py`` with ``seed(ctx)``; the
command runs them in dependency order. Large tables go in with COPY, with
primary keys reserved up front so that children can point at parents without
reading them back.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models


@dataclass(frozen=True)
class Scale:
    name: str
    municipalities: int
    districts_per_municipality: int
    neighbourhoods_per_district: tuple[int, int]
    organisations_per_kind: int
    teams_per_municipality: int
    members_per_team: tuple[int, int]


SCALES = {
    "demo": Scale(
        name="demo",
        municipalities=1,
        districts_per_municipality=4,
        neighbourhoods_per_district=(2, 4),
        organisations_per_kind=2,
        teams_per_municipality=3,
        members_per_team=(6, 9),
    ),
    # One large city.
    "municipality": Scale(
        name="municipality",
        municipalities=1,
        districts_per_municipality=12,
        neighbourhoods_per_district=(6, 12),
        organisations_per_kind=5,
        teams_per_municipality=30,
        members_per_team=(10, 16),
    ),
}

DEMO_PASSWORD = "wijkteam-demo"  # noqa: S105 — documented in the README; demo data only.

FIRST_NAMES = [
    "Anouk", "Bram", "Daan", "Emma", "Fatima", "Gerrit", "Hanna", "Ibrahim", "Jesse", "Kim", "Lotte", "Mohamed",
    "Noor", "Oscar", "Priya", "Quinten", "Roos", "Sem", "Tess", "Umut", "Vera", "Willem", "Yara", "Zoë", "Ayoub",
    "Britt", "Chantal", "Dirk", "Eva", "Finn", "Grace", "Hamza", "Iris", "Joost", "Lieke", "Milan", "Nina",
    "Olivia", "Pieter", "Sanne", "Thijs", "Wendy", "Youssef", "Julia", "Luuk", "Maud", "Ruben", "Sara",
]  # fmt: skip
LAST_NAMES = [
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer",
    "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer",
    "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "Kok", "Jacobs", "Vermeulen", "van den Heuvel",
    "Yilmaz", "El Amrani", "Kaya", "Boukhari", "Pinas", "Tjon", "Nguyen", "Kowalski", "Öztürk", "Sedney",
]  # fmt: skip
PLACE_WORDS = [
    "Oost", "West", "Noord", "Zuid", "Centrum", "Haven", "Park", "Molen", "Dijk", "Veld", "Hof", "Brug", "Kade",
    "Weide", "Bos", "Beek", "Burcht", "Linde", "Eiken", "Wilgen", "Vaart", "Gracht", "Polder", "Akker",
]  # fmt: skip


@dataclass
class SeedContext:
    scale: Scale
    rng: random.Random
    stdout: Any
    timings: list[tuple[str, float]] = field(default_factory=list)
    # Objects that later steps build on (municipalities, teams, users, …), by name.
    shared: dict[str, Any] = field(default_factory=dict)

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        self.timings.append((label, elapsed))
        self.stdout.write(f"  {label}: {elapsed:.2f} s")

    def reserve_ids(self, model: type[models.Model], count: int) -> range:
        """Reserve ``count`` primary keys from the model's sequence, for COPY with explicit ids."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            (sequence,) = cursor.fetchone()
            # One round trip: advance the sequence by `count` and read where it ended.
            cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, count])
            (last,) = cursor.fetchone()
        return range(last - count + 1, last + 1)

    def copy_rows(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Load rows with PostgreSQL COPY; returns how many went in."""
        table = connection.ops.quote_name(model._meta.db_table)
        column_sql = ", ".join(connection.ops.quote_name(column) for column in columns)
        count = 0
        connection.ensure_connection()
        raw = connection.connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count


def table_row_counts(models_: Iterable[type[models.Model]]) -> list[tuple[str, int]]:
    """Exact row counts for the given models' tables, in one query."""
    tables = sorted({model._meta.db_table for model in models_})
    if not tables:
        return []
    union = " UNION ALL ".join(
        f"SELECT %s, count(*) FROM {connection.ops.quote_name(table)}"  # noqa: S608
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(union, tables)
        return [(name, int(count)) for name, count in cursor.fetchall()]

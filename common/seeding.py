"""Shared machinery for `manage.py seed_demo`: scales, a seeded RNG, fast bulk loading.

Each app that owns seedable data has a ``seed.py`` with ``seed(ctx)``; the
command runs them in dependency order. Large tables go in with COPY, with
primary keys reserved up front so that children can point at parents without
reading them back.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models

# "Today" in the generated world. Every date and timestamp is derived from it, never
# from the clock, so the same seed gives the same rows on any day it is run.
SEED_TODAY = datetime.date(2026, 10, 1)


@dataclass(frozen=True)
class Scale:
    name: str
    municipalities: int
    districts_per_municipality: int
    neighbourhoods_per_district: tuple[int, int]
    organisations_per_kind: int
    teams_per_municipality: int
    members_per_team: tuple[int, int]
    # Casework (cases/seed.py). Totals over all municipalities; each municipality
    # gets a share and is generated in batches, so a larger scale needs only numbers.
    households: int
    case_share: float  # households with at least one case, open or closed
    open_cases: int  # at most one open case per household
    earlier_case_share: float  # households with an open case that also had an earlier, closed one
    contacts_median: int  # contacts of a case in full swing (uitvoering); log-normal around it
    contacts_sigma: float
    heavy_cases: int  # open cases with thousands of contacts
    heavy_contacts: tuple[int, int]

    def proportional(self, fraction: float, municipalities: int | None = None) -> Scale:
        """The same scale in miniature: totals times ``fraction``, shares and per-case numbers unchanged.

        For trying a large scale's shape quickly (``seed_demo --fraction``) and for tests,
        which must never load the national scale itself.
        """
        return dataclasses.replace(
            self,
            name=f"{self.name}-{fraction:g}",
            municipalities=municipalities or self.municipalities,
            households=max(1, round(self.households * fraction)),
            open_cases=max(1, round(self.open_cases * fraction)),
            heavy_cases=round(self.heavy_cases * fraction),
        )


SCALES = {
    "demo": Scale(
        name="demo",
        municipalities=1,
        districts_per_municipality=4,
        neighbourhoods_per_district=(2, 4),
        organisations_per_kind=2,
        teams_per_municipality=3,
        members_per_team=(6, 9),
        households=300,
        case_share=0.75,
        open_cases=130,
        earlier_case_share=0.15,
        contacts_median=40,
        contacts_sigma=0.6,
        heavy_cases=2,
        heavy_contacts=(1200, 1800),
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
        households=100_000,
        case_share=0.42,
        open_cases=25_000,
        earlier_case_share=0.15,
        contacts_median=53,
        contacts_sigma=0.6,
        heavy_cases=40,
        heavy_contacts=(1000, 5000),
    ),
    # The whole country's programme: many municipalities of varied size, about 1,000,000
    # households, 250,000 cases (60,000 open) and 6,000,000 contacts. Fewer contacts per case
    # than one big city: most cases are closed and smaller places run lighter caseloads.
    "national": Scale(
        name="national",
        municipalities=42,
        districts_per_municipality=8,
        neighbourhoods_per_district=(4, 9),
        organisations_per_kind=3,
        teams_per_municipality=12,
        members_per_team=(10, 16),
        households=1_000_000,
        case_share=0.24,
        open_cases=60_000,
        earlier_case_share=0.15,
        contacts_median=23,
        contacts_sigma=0.6,
        heavy_cases=120,
        heavy_contacts=(1000, 3000),
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
    _copy_thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _copy_error: BaseException | None = field(default=None, init=False, repr=False)

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

    def id_pool(self, model: type[models.Model]) -> Iterator[int]:
        """Primary keys one by one (``next(pool)``), reserved from the table's sequence in blocks.

        A batch can then give parents their ids before any row is written, and children
        point at them directly. Blocks grow, so a big table rarely goes back to the
        database; ids left over in the last block are simply skipped.
        """
        block = 1_000
        while True:
            yield from self.reserve_ids(model, block)
            block = min(block * 4, 256_000)

    def clock(self) -> StepClock:
        return StepClock(self)

    @contextmanager
    def bulk_load(self, models_: Sequence[type[models.Model]], keep: Sequence[str] = ()) -> Iterator[None]:
        """Load these tables without their secondary indexes and foreign keys, then put them back.

        Building an index once over millions of rows is much faster than maintaining
        it row by row, and adding a foreign key checks every row in one join instead
        of queueing one deferred trigger per row and key. Everything happens inside
        the seed's transaction, so a failure rolls the DROPs back as well; the
        definitions are read from the catalog and re-run verbatim, so the same
        names and definitions come back. Primary keys, CHECK constraints, triggers and
        the indexes named in ``keep`` stay.
        """
        tables = [model._meta.db_table for model in models_]
        with self.step("drop indexes and foreign keys"), connection.cursor() as cursor:
            # Dropping a foreign key alters the referenced table too, and ALTER TABLE refuses
            # while a table has pending trigger events: run the checks queued so far now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            saved = [_dependent_objects(cursor, table, keep) for table in tables]
            for table, (indexes, uniques, foreign_keys) in zip(tables, saved, strict=True):
                quoted = connection.ops.quote_name(table)
                for name, _definition in foreign_keys + uniques:
                    cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
                for name, _definition in indexes:
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        yield
        with self.step("deferred foreign-key checks"), connection.cursor() as cursor:
            # Checks queued for the other tables fire now rather than at commit (ALTER TABLE
            # below needs that too), so their cost is measured instead of hiding in the commit.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with self.step("rebuild indexes and foreign keys"), connection.cursor() as cursor:
            for table, (indexes, uniques, foreign_keys) in zip(tables, saved, strict=True):
                quoted = connection.ops.quote_name(table)
                for _name, definition in indexes:
                    cursor.execute(definition)
                for name, definition in uniques + foreign_keys:
                    cursor.execute(
                        f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
                    )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def copy_rows(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Load rows with PostgreSQL COPY; returns how many went in."""
        connection.ensure_connection()
        assert connection.connection is not None
        return _copy(connection.connection, _copy_statement(model, columns), rows)

    def copy_in_background(self, batches: Sequence[tuple[type[models.Model], Sequence[str], Sequence[Any]]]) -> None:
        """COPY these rows on a second thread, so the caller can generate the next batch meanwhile.

        The thread uses this very connection, so the rows land in the seed's transaction;
        psycopg holds the connection's lock for the whole COPY, so a query from the main
        thread simply waits for it. One batch is in flight at a time: this call first
        waits for the previous one (and raises its error, if it failed).
        """
        self.wait_for_copies()
        connection.ensure_connection()
        raw = connection.connection
        work = [(_copy_statement(model, columns), rows) for model, columns, rows in batches]

        def run() -> None:
            try:
                for statement, rows in work:
                    _copy(raw, statement, rows)
            except BaseException as error:  # handed to the main thread by wait_for_copies
                self._copy_error = error

        self._copy_thread = threading.Thread(target=run, name="seed-copy", daemon=True)
        self._copy_thread.start()

    def wait_for_copies(self, raise_error: bool = True) -> None:
        if self._copy_thread is not None:
            self._copy_thread.join()
            self._copy_thread = None
        error, self._copy_error = self._copy_error, None
        if error is not None and raise_error:
            raise error


class StepClock:
    """Time per label summed over many interleaved batches, reported once as seed steps."""

    def __init__(self, ctx: SeedContext) -> None:
        self._ctx = ctx
        self._totals: dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, label: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._totals[label] += time.perf_counter() - started

    def report(self) -> None:
        for label, elapsed in self._totals.items():
            self._ctx.timings.append((label, elapsed))
            self._ctx.stdout.write(f"  {label}: {elapsed:.2f} s")


def _copy_statement(model: type[models.Model], columns: Sequence[str]) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    return f"COPY {table} ({', '.join(connection.ops.quote_name(column) for column in columns)}) FROM STDIN"


def _copy(raw: Any, statement: str, rows: Iterable[Sequence[Any]]) -> int:
    count = 0
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _dependent_objects(
    cursor: Any, table: str, keep: Sequence[str]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """A table's secondary indexes (CREATE statements), UNIQUE and FOREIGN KEY constraints (definitions)."""
    cursor.execute(
        """
        SELECT index.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class index ON index.oid = i.indexrelid
        WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
          AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
        ORDER BY index.relname
        """,
        [table],
    )
    indexes = [(name, definition) for name, definition in cursor.fetchall() if name not in keep]
    cursor.execute(
        """
        SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname
        """,
        [table],
    )
    constraints = cursor.fetchall()
    uniques = [(name, definition) for name, kind, definition in constraints if kind == "u"]
    foreign_keys = [(name, definition) for name, kind, definition in constraints if kind == "f"]
    return indexes, uniques, foreign_keys


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

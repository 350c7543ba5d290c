"""Summary statements computed on a second connection that reads what the refresh's own transaction reads.

PostgreSQL runs an ``INSERT ... SELECT`` in one process, so a full refresh used one core while its seven
statements are independent of each other. Here the refresh hands some of them to another connection:

1. the refresh's transaction exports its snapshot (``pg_export_snapshot``);
2. a thread opens a second connection, starts a read-only transaction on that snapshot
   (``SET TRANSACTION SNAPSHOT``) and runs each statement's SELECT as ``COPY ... TO STDOUT`` into a
   temporary file, while the refresh's own connection computes the other statements;
3. the refresh then COPYs those rows into its tables, in its own transaction: the tables change at its
   commit, all at once, exactly as when one connection computes everything.

Only the SELECT moves, so both ways give the same rows (a test compares them). The second connection sees
only committed rows, so the refresh uses it only when its transaction is the outermost one: it has then
written nothing the other connection could miss (the summary tables it empties are not read by these
statements).
"""

from __future__ import annotations

import re
import tempfile
import threading
from dataclasses import dataclass, field
from typing import IO, Any

import psycopg
from django.db import connection

# A statement: ``INSERT INTO table (columns) <select>``.
_INSERT = re.compile(r"^\s*INSERT INTO (\w+)\s*\(([^)]*)\)\s*(.*)$", re.DOTALL)
_CHUNK = 1 << 20


@dataclass
class _Result:
    table: str
    columns: str
    rows: IO[bytes] = field(default_factory=lambda: tempfile.TemporaryFile())  # noqa: SIM115 (closed in write_into)


class SharedSnapshot:
    """Runs ``statements`` on another connection, on this transaction's snapshot; ``write_into`` stores their rows."""

    def __init__(self, statements: list[str], params: dict[str, Any], *, settings: list[str]) -> None:
        self.statements = statements
        self.params = params
        self.settings = settings
        self.results: list[_Result] = []
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._side: psycopg.Connection[Any] | None = None
        self._abandoned = threading.Event()

    def start(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), current_setting('TimeZone')")
            snapshot, time_zone = cursor.fetchone()
        params = connection.get_connection_params()
        self._thread = threading.Thread(
            target=self._compute, args=(params, snapshot, time_zone), name="summary-snapshot", daemon=True
        )
        self._thread.start()

    def _compute(self, params: dict[str, Any], snapshot: str, time_zone: str) -> None:
        try:
            with psycopg.connect(**params) as side:
                self._side = side
                with psycopg.ClientCursor(side) as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                    cursor.execute("SELECT set_config('TimeZone', %s, true)", [time_zone])
                    for setting in self.settings:
                        cursor.execute(setting)
                    for statement in self.statements:
                        if self._abandoned.is_set():
                            break
                        self.results.append(self._copy_out(cursor, statement))
                side.rollback()
        except BaseException as error:  # handed to the refresh, which raises it in its own thread
            self.error = error

    def _copy_out(self, cursor: psycopg.ClientCursor[Any], statement: str) -> _Result:
        match = _INSERT.match(statement)
        if match is None:
            raise ValueError("A shared statement is an INSERT INTO table (columns) SELECT ...")
        table, columns, select = match.groups()
        names = [name.strip() for name in columns.split(",")]
        # Binary COPY carries each value in its type's own format: cast every column to the table's type.
        cursor.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            [table],
        )
        types = dict(cursor.fetchall())
        casts = ", ".join(f"n.{name}::{types[name]}" for name in names)
        query = cursor.mogrify(select, self.params)
        result = _Result(table, ", ".join(names))
        with cursor.copy(
            f"COPY (SELECT {casts} FROM ({query}) AS n({result.columns})) TO STDOUT (FORMAT BINARY)"  # noqa: S608
        ) as copy:
            for data in copy:
                result.rows.write(data)
        return result

    def abandon(self) -> None:
        """The refresh failed on its own connection: stop the other one's query, wait for it, drop its rows."""
        assert self._thread is not None
        self._abandoned.set()
        if self._side is not None:
            self._side.cancel_safe()
        self._thread.join()
        for result in self.results:
            result.rows.close()

    def write_into(self, cursor: Any) -> int:
        """Wait for the other connection, then COPY its rows into the tables; returns the rows written."""
        assert self._thread is not None
        self._thread.join()
        try:
            if self.error is not None:
                # As Django's own errors (an OperationalError is transient: the task is retried).
                with connection.wrap_database_errors:
                    raise self.error
            written = 0
            raw = cursor.cursor
            for result in self.results:
                result.rows.seek(0)
                with raw.copy(f"COPY {result.table} ({result.columns}) FROM STDIN (FORMAT BINARY)") as copy:
                    while data := result.rows.read(_CHUNK):
                        copy.write(data)
                written += raw.rowcount
            return written
        finally:
            for result in self.results:
                result.rows.close()

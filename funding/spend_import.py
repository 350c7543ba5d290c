"""Importing spend from finance: a CSV of allocation reference, month, amount and an optional stream code.

The file is COPYed into its own unlogged staging table (read by the server's
own CSV reader when it can be, by Python's when it has quotes or blank lines).
A file whose rows are all written plainly (``QUICK_SQL``) is then checked and
inserted by one INSERT … SELECT that stops at the first row that does not fit;
any other file, or one that stopped, is checked with set-based SQL (each field
trimmed and matched, every error with its line number) and, only when no row
has an error, inserted with one INSERT … SELECT. All or nothing: the spend
table is written by one statement in one transaction. A file is identified by
the SHA-256 of its bytes; once imported, the same file again is a no-op.

Progress is committed between the steps (parse and stage in chunks, validate,
insert), so a screen can poll it while a Celery worker runs the import; the
steps before the insert write only to the staging table and the import's own
row, so a crash mid-way leaves no spend behind and a rerun starts over.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.services import enqueue
from organisations.models import User
from privacy import policy
from privacy.database_roles import STAGING_SCHEMA

from .models import SpendImport

logger = logging.getLogger(__name__)
CHUNK_ROWS = 100_000
MAX_ERRORS_STORED = 1_000
COLUMN_ALIASES = {
    "allocation_reference": {"allocation_reference", "allocation", "reference", "toewijzing", "toewijzingsreferentie"},
    "month": {"month", "maand"},
    "amount": {"amount", "bedrag"},
    "stream_code": {"stream_code", "stream", "stroom", "stroomcode"},
}
REQUIRED_COLUMNS = ("allocation_reference", "month", "amount")


def error_message(error: dict[str, Any]) -> str:
    """One stored error in words, in the active language."""
    messages = {
        "empty_file": _("The file is empty."),
        "encoding": _("The file is not readable text (UTF-8 or Windows-1252)."),
        "header": _(
            "The first line must name the columns allocation_reference, month and amount, and may name stream_code."
        ),
        "field_count": _("Expected %(expected)s fields, found %(found)s."),
        "missing_reference": _("The allocation reference is empty."),
        "unknown_reference": _("No allocation has the reference “%(value)s”."),
        "bad_month": _("“%(value)s” is not a month: write it as YYYY-MM, for example 2025-03."),
        "bad_amount": _(
            "“%(value)s” is not an amount: write euros with at most two decimals and no minus sign, "
            "for example 1250.00."
        ),
        "bad_amount_decimal_comma": _(
            "“%(value)s” is not an amount: in a file separated by semicolons, write euros with a decimal comma, "
            "at most two decimals and no minus sign, for example 1.250,00 or 1250,00."
        ),
        "stream_mismatch": _("The stream code “%(value)s” is not the stream of this allocation."),
        "outside_stream_period": _("The month %(value)s lies outside the period of the allocation's funding stream."),
        "duplicate_row": _("The same allocation and month appear before, on line %(other_line)s."),
        "already_imported": _("Spend for this allocation and month was imported before."),
    }
    template = messages.get(error.get("code", ""), _("Unknown error."))
    return template % {key: error.get(key, "") for key in ("value", "other_line", "expected", "found")}


# --- Creating an import -----------------------------------------------------------------------


@transaction.atomic
def spend_import_create(
    *, filename: str, content: bytes, by: User | None, dialect: str = SpendImport.Dialect.AUTO
) -> SpendImport:
    """Record an uploaded file; the caller runs ``spend_import_run`` (``funding.import_spend``, after commit)."""
    record = SpendImport(
        filename=filename[:255] or "spend.csv",
        content_hash=hashlib.sha256(content).hexdigest(),
        content=b"",
        uploaded_by=by,
        municipality_id=policy.funding_municipality_id(by) if by is not None else None,
        dialect=dialect,
    )
    record.full_clean(exclude=["content"])
    record.save()
    # The file as a binary parameter: through Django it travels as hex inside the SQL text, twice its size,
    # which took 5.5 s for a file of a million rows (0.7 s this way).
    with _raw_cursor(binding="server") as cursor:
        cursor.execute("UPDATE funding_spendimport SET content = %b WHERE id = %s", [content, record.pk])
    record.content = content
    return record


def _content(record: SpendImport) -> bytes:
    """The file's bytes, fetched in binary (not as hex text)."""
    with _raw_cursor(binding="server") as cursor:
        cursor.execute("SELECT content FROM funding_spendimport WHERE id = %s", [record.pk], binary=True)
        row = cursor.fetchone()
    assert row is not None
    return bytes(row[0])


# --- Running it ---------------------------------------------------------------------------------


@dataclass
class _Parsed:
    errors: list[dict[str, Any]]


def _set_progress(record: SpendImport, *, progress: int, phase: str, **fields: Any) -> None:
    # Committed at once (autocommit outside the steps' transactions), so a polling screen sees it.
    if phase != record.phase:
        started = getattr(record, "started", time.perf_counter())
        logger.info("spend import %s: %s after %.1f s", record.pk, phase or "done", time.perf_counter() - started)
    values = {"progress": progress, "phase": phase, **fields}
    SpendImport.objects.filter(pk=record.pk).update(**values)
    for key, value in values.items():
        setattr(record, key, value)


def _finish(record: SpendImport, *, status: str, **fields: Any) -> SpendImport:
    _set_progress(record, progress=100, phase="", status=status, finished_at=timezone.now(), **fields)
    return record


def _decode(content: bytes) -> bytes | None:
    """The file as UTF-8 without a byte-order mark, or None when it is neither UTF-8 nor Windows-1252.

    Bytes, not a string: a file of a million rows goes to the server as it is, without being decoded,
    split, sliced and encoded again in Python (about a second). Only a Windows-1252 file is re-encoded.
    """
    if content.isascii():
        return content
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return content.decode("cp1252").encode("utf-8")
        except UnicodeDecodeError:
            return None
    return content.removeprefix(codecs.BOM_UTF8)


# Two dialects of spend files. Finance packages set to English write commas between fields and a decimal
# point; set to Dutch (Excel's "CSV (puntkomma)"), semicolons between fields, a decimal comma and often
# thousands dots. The separator tells which, unless the uploader chose.
DELIMITERS: dict[str, str] = {SpendImport.Dialect.COMMA: ",", SpendImport.Dialect.SEMICOLON: ";"}

# What a field may have around it: whitespace and the no-break space spreadsheets write.
TRIM = r"E' \t\n\r\f\x0b\u00a0'"


def amount_sql(text: str, *, decimal_comma: bool) -> str:
    """SQL for an amount of euros in the file's dialect, NULL when it is not one (negative, three decimals, …).

    In the comma dialect a comma can only be a thousands separator (``"1,250.00"``, quoted); in the
    semicolon dialect a dot can only be one, in groups of three (``1.250,00``, ``1.250``), so ``12.50`` is
    refused there rather than read as either twelve euros fifty or one thousand two hundred and fifty.
    ``text`` is the field, trimmed. Read by the server for the whole file at once, not per row in Python.
    """
    if decimal_comma:
        pattern = r"^([0-9]{1,10}|[0-9]{1,3}(\.[0-9]{3}){1,3})(,[0-9]{1,2})?$"
        digits = f"replace(replace({text}, '.', ''), ',', '.')"
    else:
        pattern = r"^([0-9]{1,10}|[0-9]{1,3}(,[0-9]{3}){1,3})(\.[0-9]{1,2})?$"
        digits = f"replace({text}, ',', '')"
    return (
        f"CASE WHEN {text} ~ '{pattern}' AND length(split_part({digits}, '.', 1)) <= 10 "
        f"THEN {digits}::numeric(12, 2) END"
    )


def _header(first_line: str, dialect: str = SpendImport.Dialect.AUTO) -> tuple[str, list[str] | None]:
    """The delimiter and the canonical column names, or None when the header is not ours."""
    delimiter = DELIMITERS.get(dialect) or max([";", ",", "\t"], key=first_line.count)
    names = [name.strip().strip('"').lower() for name in first_line.split(delimiter)]
    columns: list[str] = []
    for name in names:
        canonical = next((key for key, aliases in COLUMN_ALIASES.items() if name in aliases), None)
        if canonical is None or canonical in columns:
            return delimiter, None
        columns.append(canonical)
    if not set(REQUIRED_COLUMNS) <= set(columns):
        return delimiter, None
    return delimiter, columns


def _staging_table(record: SpendImport) -> str:
    # In a schema of its own: the application's database role may create tables there and nowhere else.
    return f"{STAGING_SCHEMA}.funding_spend_staging_{int(record.pk)}"


def _checked_table(record: SpendImport) -> str:
    return f"{_staging_table(record)}_checked"


def _rows(text: str, delimiter: str, columns: list[str], parsed: _Parsed) -> Iterator[tuple[Any, ...]]:
    """The rows of a file the server cannot read as it is (quotes, blank lines): line number and raw fields."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    next(reader)  # the header
    expected = len(columns)
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != expected:
            if len(parsed.errors) < MAX_ERRORS_STORED:
                parsed.errors.append(
                    {
                        "line": reader.line_num,
                        "column": "",
                        "code": "field_count",
                        "expected": expected,
                        "found": len(row),
                    }
                )
            else:
                parsed.errors.append({})  # counted, not stored
            continue
        yield (reader.line_num, *row)


# The staging table keeps each field as written; the checks read them (the general check trims them first).
# The server's CSV reader numbers the lines from a sequence only this import's connection uses, so a cache of
# values leaves no gaps (one sequence call per row cost a tenth to a fifth of the COPY).
STAGING_TABLE_SQL = """
CREATE UNLOGGED TABLE {table} (
    line integer GENERATED BY DEFAULT AS IDENTITY (START WITH 2 CACHE 10000) NOT NULL,
    raw_allocation_reference text NOT NULL DEFAULT '',
    raw_month text NOT NULL DEFAULT '',
    raw_amount text NOT NULL DEFAULT '',
    raw_stream_code text NOT NULL DEFAULT ''
)
"""


def _server_can_read(body: bytes) -> bool:
    """Whether PostgreSQL's own CSV reader gives the same rows and line numbers as Python's would.

    Without quotes (a field over two lines), backslashes (``\\.`` ends COPY data), NUL and lone carriage
    returns, every line is one row, so a row's number is its line's. Blank lines and wrong field counts make
    the server stop with an error, and the file is then read by Python after all.
    """
    return not any(character in body for character in (b'"', b"\\", b"\x00")) and body.count(b"\r") == body.count(
        b"\r\n"
    )


def _chunks(body: bytes, parts: int) -> Iterator[memoryview]:
    """The body in about ``parts`` pieces, each ending at the end of a line (views of it, not copies)."""
    view = memoryview(body)
    size = max(len(body) // parts, 1)
    start = 0
    while start < len(body):
        end = body.find(b"\n", start + size)
        end = len(body) if end == -1 else end + 1
        yield view[start:end]
        start = end


@dataclass
class _Staged:
    rows: int
    errors: list[dict[str, Any]]


def _stage(record: SpendImport, content: bytes, delimiter: str, columns: list[str]) -> _Staged:
    """COPY the rows of ``content`` (UTF-8) into a fresh unlogged table, in committed chunks so progress shows."""
    table = _staging_table(record)
    raw_columns = ", ".join(f"raw_{name}" for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(STAGING_TABLE_SQL.format(table=table))
    header_end = content.find(b"\n")
    body = content[header_end + 1 :] if header_end != -1 else b""
    if _server_can_read(body):
        try:
            count = _stage_as_is(record, table, body, delimiter, raw_columns)
        except psycopg.DataError:
            # A blank line or a line with too many or too few fields: Python reads the file and says where.
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {table} RESTART IDENTITY")
        else:
            return _Staged(count, [])
    text = content.decode("utf-8")
    parsed = _Parsed(errors=[])
    rows = _rows(text, delimiter, columns, parsed)
    total_lines = max(text.count("\n"), 1)
    count = 0
    exhausted = False
    while not exhausted:
        with (
            transaction.atomic(),
            _raw_cursor() as copy_cursor,
            copy_cursor.copy(f"COPY {table} (line, {raw_columns}) FROM STDIN") as copy,
        ):
            written = 0
            for row in rows:
                copy.write_row(row)
                written += 1
                if written == CHUNK_ROWS:
                    break
            else:
                exhausted = True
            count += written
        _set_progress(record, progress=min(5 + int(55 * count / total_lines), 60), phase="staging", rows_total=count)
    return _Staged(count + len(parsed.errors), parsed.errors)


def _stage_as_is(record: SpendImport, table: str, body: bytes, delimiter: str, raw_columns: str) -> int:
    """The body COPYed as it is, read by the server's CSV reader, in about ten committed chunks."""
    copy_sql = f"COPY {table} ({raw_columns}) FROM STDIN WITH (FORMAT csv, DELIMITER '{delimiter}', FORCE_NOT_NULL *)"
    count = read = 0
    for chunk in _chunks(body, 10):
        with transaction.atomic(), _raw_cursor() as cursor:
            with cursor.copy(copy_sql) as copy:
                copy.write(chunk)
            count += cursor.rowcount
        read += len(chunk)
        _set_progress(record, progress=5 + 55 * read // len(body), phase="staging", rows_total=count)
    return count


@contextlib.contextmanager
def _raw_cursor(binding: str = "client") -> Iterator[psycopg.Cursor[Any]]:
    """A cursor of psycopg itself on Django's connection (in its transaction): for COPY, and for parameters
    sent apart from the SQL text (``binding="server"``)."""
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    with raw.cursor() if binding == "client" else psycopg.Cursor(raw) as cursor:
        yield cursor


# Each staged row with its fields trimmed, its amount and month read, and its allocation found: one join, kept
# in a table of its own for the error list and the insert.
CHECK_SQL = """
CREATE UNLOGGED TABLE {checked} AS
SELECT t.line, t.ref, t.month, t.amount, t.stream_code, {amount_value} AS amount_value, t.month_ok,
       CASE WHEN t.month_ok THEN to_date(t.month || '-01', 'YYYY-MM-DD') END AS first_day,
       al.id AS allocation_id, fs.code AS allocation_stream, fs.valid_from, fs.valid_until
FROM (
    SELECT line, ref, month, amount, stream_code, month ~ '^[0-9]{{4}}-(0[1-9]|1[0-2])$' AS month_ok
    FROM (SELECT line, btrim(raw_allocation_reference, {trim}) AS ref, btrim(raw_month, {trim}) AS month,
                 btrim(raw_amount, {trim}) AS amount, btrim(raw_stream_code, {trim}) AS stream_code
          FROM {table}) trimmed
) t
LEFT JOIN funding_allocation al ON al.reference = t.ref AND {in_municipality}
LEFT JOIN funding_fundingstream fs ON fs.id = al.stream_id
"""


ERRORS_SQL = """
WITH months AS (SELECT * FROM {checked} WHERE month_ok),
errors AS (
    SELECT line, 'allocation_reference' AS col, 'missing_reference' AS code, ref AS value, NULL::integer AS other_line
    FROM {checked} WHERE ref = ''
    UNION ALL
    SELECT line, 'allocation_reference', 'unknown_reference', ref, NULL
    FROM {checked} WHERE ref <> '' AND allocation_id IS NULL
    UNION ALL
    SELECT line, 'month', 'bad_month', month, NULL FROM {checked} WHERE NOT month_ok
    UNION ALL
    SELECT line, 'amount', 'bad_amount', amount, NULL FROM {checked} WHERE amount_value IS NULL
    UNION ALL
    SELECT line, 'stream_code', 'stream_mismatch', stream_code, NULL
    FROM {checked} WHERE stream_code <> '' AND allocation_id IS NOT NULL AND stream_code <> allocation_stream
    UNION ALL
    SELECT line, 'month', 'outside_stream_period', month, NULL
    FROM months WHERE allocation_id IS NOT NULL
      AND (first_day < date_trunc('month', valid_from)::date OR first_day > valid_until)
    UNION ALL
    SELECT line, 'month', 'duplicate_row', month, first_line
    FROM (SELECT line, month, min(line) OVER (PARTITION BY ref, first_day) AS first_line FROM months WHERE ref <> '') d
    WHERE line > first_line
    UNION ALL
    SELECT m.line, 'month', 'already_imported', m.month, NULL
    FROM months m JOIN funding_spend sp ON sp.allocation_id = m.allocation_id AND sp.month = m.first_day
)
SELECT count(*) OVER (), line, col, code, value, other_line FROM errors ORDER BY line, col, code LIMIT %(limit)s
"""

# An auditor books spend on their own municipality's allocations only; another municipality's
# reference reads as unknown, so the answer does not tell that it exists (the command line: any).
IN_MUNICIPALITY = """(%(municipality_id)s::bigint IS NULL OR al.neighbourhood_id IN (
    SELECT id FROM organisations_area WHERE municipality_id = %(municipality_id)s::bigint))"""

# What the insert answers: the rows and euros it wrote, and the municipalities whose summary must be rebuilt.
INSERTED_SUMMARY_SQL = """
per_buurt AS (SELECT neighbourhood_id, count(*) AS n, sum(amount) AS amount FROM inserted GROUP BY 1)
SELECT COALESCE(sum(p.n), 0), COALESCE(sum(p.amount), 0), array_remove(array_agg(DISTINCT b.municipality_id), NULL)
FROM per_buurt p LEFT JOIN organisations_area b ON b.id = p.neighbourhood_id
"""

INSERT_SQL = """
WITH inserted AS (
    INSERT INTO funding_spend (allocation_id, month, amount, spend_import_id, stream_id, neighbourhood_id)
    SELECT al.id, c.first_day, c.amount_value, %(import_id)s, al.stream_id, al.neighbourhood_id
    FROM {checked} c
    JOIN funding_allocation al ON al.id = c.allocation_id
    -- In place of a foreign-key check per row: the allocations stay until this commits.
    FOR KEY SHARE OF al
    RETURNING amount, neighbourhood_id
),
{summary}"""

# The quick path: the fields as written checked and inserted by one statement, without trimming them, matching
# them against patterns, or a table of checked rows first. A row fits when its reference is an allocation's
# exactly, its month is one of the months (YYYY-MM) the streams span and lies in its stream's period, its
# amount is written as the server writes the number back (digits, and a decimal point or, in the Dutch
# dialect, comma with one or two decimals) and is under 10^10, and its stream code is empty or the
# allocation's. A row that does not fit goes in without an allocation, month or amount, which the columns
# refuse: the statement stops at the first such row, as it does at an amount that is no number at all and at a
# second row for an allocation and month (the unique index, whether from the file itself or imported before).
# Then nothing is written and the general check (each field trimmed and matched, each error with its line)
# decides. A row that fits here reads the same there: references and stream codes have no spaces around them
# (allocations are numbered AL-000000123), and a month or amount in this form needs no trimming and has no
# thousands separators. Reading an amount back costs half of matching it against a pattern.
#
# The months are a series between constants, so the planner knows there are a few dozen and hashes them;
# with bounds it cannot see it sorted the million rows to merge them (2 s).
QUICK_SQL = """
WITH months AS (
    SELECT to_char(m, 'YYYY-MM') AS label, m::date AS first_day
    FROM generate_series(%(first_month)s::date, %(last_month)s::date, interval '1 month') AS m
),
inserted AS (
    INSERT INTO funding_spend (allocation_id, month, amount, spend_import_id, stream_id, neighbourhood_id)
    SELECT al.id, m.first_day,
           CASE WHEN s.amount::text = s.written AND scale(s.amount) <= 2 AND s.amount >= 0 AND s.amount < 1e10
                     AND s.raw_stream_code IN ('', fs.code)
                     AND m.first_day BETWEEN fs.first_month AND fs.valid_until
                THEN s.amount END,
           %(import_id)s, al.stream_id, al.neighbourhood_id
    -- OFFSET 0 keeps the subquery whole, so each amount is read once rather than once for each use.
    FROM (SELECT *, {written}::numeric AS amount, {written} AS written FROM {table} OFFSET 0) s
    LEFT JOIN funding_allocation al ON al.reference = s.raw_allocation_reference AND {in_municipality}
    LEFT JOIN (SELECT id, code, date_trunc('month', valid_from)::date AS first_month, valid_until
               FROM funding_fundingstream) fs ON fs.id = al.stream_id
    LEFT JOIN months m ON m.label = s.raw_month
    RETURNING amount, neighbourhood_id
),
{summary}"""

# In place of a foreign-key check per row: the allocations a file names stay until the insert commits.
# Locked once each before the quick insert, not once per row in it (a million locks on the same rows: 1.3 s).
LOCK_ALLOCATIONS_SQL = """
SELECT count(*) FROM (
    SELECT FROM funding_allocation WHERE reference IN (SELECT raw_allocation_reference FROM {table}) FOR KEY SHARE
) locked
"""


def _quick_sql(record: SpendImport) -> str:
    # In the Dutch dialect a dot is a thousands separator (the general check reads 1.250 as 1250 and refuses
    # 12.50): an amount with a dot is left to it, where the server would read the dot as a decimal point.
    if record.dialect == SpendImport.Dialect.SEMICOLON:
        written = "CASE WHEN strpos(raw_amount, '.') = 0 THEN replace(raw_amount, ',', '.') END"
    else:
        written = "raw_amount"
    return QUICK_SQL.format(
        table=_staging_table(record), written=written, in_municipality=IN_MUNICIPALITY, summary=INSERTED_SUMMARY_SQL
    )


def _quick_insert(record: SpendImport) -> tuple[int, Decimal, list[int]]:
    """The quick path's statement; raises IntegrityError or DataError at the first row that does not fit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT date_trunc('month', min(valid_from))::date, max(valid_until) FROM funding_fundingstream")
        first_month, last_month = cursor.fetchone()
        if first_month is None:
            raise _NotEveryRowFits  # no streams, so no allocations: the general check names each line
        cursor.execute(LOCK_ALLOCATIONS_SQL.format(table=_staging_table(record)))
        # Holds the million rows the insert returns in memory rather than on disk (this transaction only).
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(
            _quick_sql(record),
            {
                "first_month": first_month,
                "last_month": last_month,
                "import_id": record.pk,
                "municipality_id": record.municipality_id,
            },
        )
        return cursor.fetchone()


def _validate(record: SpendImport, staged: _Staged) -> tuple[int, list[dict[str, Any]]]:
    structural = staged.errors
    checked = _checked_table(record)
    decimal_comma = record.dialect == SpendImport.Dialect.SEMICOLON
    sql = CHECK_SQL.format(
        checked=checked,
        table=_staging_table(record),
        trim=TRIM,
        amount_value=amount_sql("t.amount", decimal_comma=decimal_comma),
        in_municipality=IN_MUNICIPALITY,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # Enough memory to sort and hash a million rows without spilling to disk (this transaction only).
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # A fresh table has no statistics; without them this check's joins plan badly. The quick path does
        # without: its plan (the staged rows joined to three small tables by hash) is the same either way.
        cursor.execute(f"ANALYZE {_staging_table(record)}")
        cursor.execute(f"DROP TABLE IF EXISTS {checked}")
        cursor.execute(sql, {"municipality_id": record.municipality_id})
        cursor.execute(f"ANALYZE {checked}")
        cursor.execute(ERRORS_SQL.format(checked=checked), {"limit": MAX_ERRORS_STORED})
        rows = cursor.fetchall()
    found = rows[0][0] if rows else 0
    # The example in a bad amount's message follows the file's dialect.
    bad_amount = "bad_amount_decimal_comma" if record.dialect == SpendImport.Dialect.SEMICOLON else "bad_amount"
    errors = [
        {
            "line": line,
            "column": column,
            "code": bad_amount if code == "bad_amount" else code,
            "value": value,
            "other_line": other_line,
        }
        for _total, line, column, code, value, other_line in rows
    ]
    stored_structural = [error for error in structural if error]
    merged = sorted(stored_structural + errors, key=lambda error: (error["line"], error["column"]))
    return found + len(structural), merged[:MAX_ERRORS_STORED]


# Runs the insert in one transaction: the task passes its ``run_once``, which adds the execution record to it.
Commit = Callable[[Callable[[], None]], None]


def _in_one_transaction(insert: Callable[[], None]) -> None:
    with transaction.atomic():
        insert()


class _NotEveryRowFits(Exception):
    """The quick path cannot be taken: the general check decides."""


def _insert(record: SpendImport, commit: Commit, *, rows: int, quick: bool) -> SpendImport:
    """The one write to the spend table, with the import's status and the summary refresh it asks for.

    ``quick``: straight from the staging table, checking as it goes (``QUICK_SQL``); otherwise the rows the
    general check passed.
    """

    def insert() -> None:
        with connection.cursor() as cursor:
            # Serialise imports of the same file: the second waits, then finds the first one imported.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [record.content_hash])
        earlier = SpendImport.objects.filter(
            content_hash=record.content_hash, status=SpendImport.Status.IMPORTED
        ).first()
        if earlier is not None:
            _finish(record, status=SpendImport.Status.DUPLICATE, duplicate_of=earlier)
            return
        if quick:
            inserted, amount, municipalities = _quick_insert(record)
        else:
            with connection.cursor() as cursor:
                cursor.execute(
                    INSERT_SQL.format(checked=_checked_table(record), summary=INSERTED_SUMMARY_SQL),
                    {"import_id": record.pk},
                )
                inserted, amount, municipalities = cursor.fetchone()
        if inserted != rows:
            # An allocation went away after the check: roll back and check again, which names the lines.
            raise IntegrityError(f"{rows - inserted} rows lost their allocation after the check")
        # The audit's summary must show the new spend: its rebuild is asked for in the spend's transaction.
        for municipality_id in municipalities:
            enqueue(
                "funding.refresh_flow_summary",
                {"municipality_id": municipality_id},
                idempotency_key=f"funding.refresh_flow_summary:import={record.pk}:municipality={municipality_id}",
            )
        _finish(record, status=SpendImport.Status.IMPORTED, rows_imported=inserted, amount_imported=amount)

    commit(insert)
    # Read back: a concurrent delivery of the same message may have taken effect instead of this one.
    return SpendImport.objects.defer("content").get(pk=record.pk)


def _drop_staging(record: SpendImport) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_staging_table(record)}, {_checked_table(record)}")


def spend_import_run(import_id: int, *, commit: Commit = _in_one_transaction) -> SpendImport:
    """Run one import to its end; safe to run again (a finished import is left as it is).

    The steps before the insert commit as they go; ``commit`` runs the insert's transaction. A file whose
    rows all fit the quick path is checked and inserted by one statement; any other is checked in general
    (every error with its line) and inserted only when it has none.
    """
    record = SpendImport.objects.defer("content").get(pk=import_id)
    if record.is_finished:
        return record
    earlier = (
        SpendImport.objects.filter(content_hash=record.content_hash, status=SpendImport.Status.IMPORTED)
        .exclude(pk=record.pk)
        .first()
    )
    if earlier is not None:
        return _finish(record, status=SpendImport.Status.DUPLICATE, duplicate_of=earlier)
    record.started = time.perf_counter()  # type: ignore[attr-defined]
    _set_progress(record, progress=1, phase="reading", status=SpendImport.Status.RUNNING)
    content = _decode(_content(record))
    if content is None:
        return _fail(record, [{"line": 1, "column": "", "code": "encoding"}], 1, rows=0)
    header_end = content.find(b"\n")
    first_line = (content if header_end == -1 else content[:header_end]).decode("utf-8").strip("\r")
    if not first_line.strip():
        return _fail(record, [{"line": 1, "column": "", "code": "empty_file"}], 1, rows=0)
    delimiter, columns = _header(first_line, record.dialect)
    if record.dialect == SpendImport.Dialect.AUTO:
        detected = SpendImport.Dialect.SEMICOLON if delimiter == ";" else SpendImport.Dialect.COMMA
        _set_progress(record, progress=2, phase="reading", dialect=detected)
    if columns is None:
        return _fail(record, [{"line": 1, "column": "", "code": "header", "value": first_line[:200]}], 1, rows=0)
    try:
        staged = _stage(record, content, delimiter, columns)
        rows = staged.rows
        if rows == 0:
            return _fail(record, [{"line": 2, "column": "", "code": "empty_file"}], 1, rows=0)
        if not staged.errors:
            _set_progress(record, progress=65, phase="inserting", rows_total=rows)
            try:
                return _insert(record, commit, rows=rows, quick=True)
            except (_NotEveryRowFits, IntegrityError, DataError):
                pass  # rolled back, nothing written: the general check finds what did not fit, if anything
        _set_progress(record, progress=70, phase="validating", rows_total=rows)
        error_count, errors = _validate(record, staged)
        if error_count:
            return _fail(record, errors, error_count, rows=rows)
        _set_progress(record, progress=85, phase="inserting")
        try:
            return _insert(record, commit, rows=rows, quick=False)
        except IntegrityError:
            # Another file brought spend for the same allocation and month in the meantime.
            error_count, errors = _validate(record, _Staged(rows, []))
            return _fail(record, errors, max(error_count, 1), rows=rows)
    finally:
        _drop_staging(record)


def _fail(record: SpendImport, errors: list[dict[str, Any]], count: int, *, rows: int) -> SpendImport:
    return _finish(record, status=SpendImport.Status.FAILED, errors=errors, error_count=count, rows_total=rows)


def spend_import_upload(
    *, filename: str, content: bytes, by: User, dialect: str = SpendImport.Dialect.AUTO
) -> SpendImport:
    """Record an upload and queue its import through the outbox, in the upload's transaction."""
    with transaction.atomic():
        record = spend_import_create(filename=filename, content=content, by=by, dialect=dialect)
        enqueue("funding.import_spend", {"import_id": record.pk}, idempotency_key=f"funding.import_spend:{record.uuid}")
    return record

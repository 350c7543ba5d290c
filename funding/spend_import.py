"""Importing spend from finance: a CSV of allocation reference, month, amount and an optional stream code.

The file is COPYed into its own unlogged staging table (read by the server's
own CSV reader when it can be, by Python's when it has quotes or blank lines),
checked with set-based SQL (every error with its line number; a file whose
fields are all in their plain form skips the trimming and matching of each
field), and only when no row has an error inserted with one INSERT … SELECT.
All or nothing: the spend table is written by that one statement in one
transaction. A file is identified by the SHA-256
of its bytes; once imported, the same file again is a no-op.

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
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from django.db import IntegrityError, connection, transaction
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


def _decode(content: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return codecs.decode(content, encoding)
        except UnicodeDecodeError:
            continue
    return None


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


# The staging table keeps each field as written; the validation trims them and reads the amount.
STAGING_TABLE_SQL = """
CREATE UNLOGGED TABLE {table} (
    line integer GENERATED BY DEFAULT AS IDENTITY (START WITH 2) NOT NULL,
    raw_allocation_reference text NOT NULL DEFAULT '',
    raw_month text NOT NULL DEFAULT '',
    raw_amount text NOT NULL DEFAULT '',
    raw_stream_code text NOT NULL DEFAULT ''
)
"""


def _server_can_read(body: str) -> bool:
    """Whether PostgreSQL's own CSV reader gives the same rows and line numbers as Python's would.

    Without quotes (a field over two lines), backslashes (``\\.`` ends COPY data), NUL and lone carriage
    returns, every line is one row, so a row's number is its line's. Blank lines and wrong field counts make
    the server stop with an error, and the file is then read by Python after all.
    """
    return not any(character in body for character in '"\\\x00') and body.count("\r") == body.count("\r\n")


def _chunks(body: str, parts: int) -> Iterator[str]:
    """The body in about ``parts`` pieces, each ending at the end of a line."""
    size = max(len(body) // parts, 1)
    start = 0
    while start < len(body):
        end = body.find("\n", start + size)
        end = len(body) if end == -1 else end + 1
        yield body[start:end]
        start = end


@dataclass
class _Staged:
    rows: int
    errors: list[dict[str, Any]]
    # Every field already in its plain form (see ``_plain_line``): the check reads them without trimming or
    # pattern matching, which for a million rows is most of its time.
    plain: bool = False


def _plain_line(delimiter: str, columns: list[str]) -> re.Pattern[str]:
    """A search for the first line whose fields are not all in their plain form, in the file's column order.

    Plain: a reference and a stream code without spaces, a month as YYYY-MM, an amount of digits with at most
    two decimals and no thousands separators. Every plain line is valid in form, and reads the same with the
    general check (which trims and matches each field in SQL); Python's regular expressions do it for a whole
    file in one pass, several times faster than the server does per row.
    """
    other = rf"[^\s{re.escape(delimiter)}]"
    decimal = "," if delimiter == ";" else r"\."
    field = {
        "allocation_reference": f"{other}+",
        "month": "[0-9]{4}-(?:0[1-9]|1[0-2])",
        "amount": rf"[0-9]{{1,10}}(?:{decimal}[0-9]{{1,2}})?",
        "stream_code": f"{other}*",
    }
    line = re.escape(delimiter).join(field[name] for name in columns)
    return re.compile(rf"^(?!{line}\r?$).", re.MULTILINE)


def _stage(record: SpendImport, text: str, delimiter: str, columns: list[str]) -> _Staged:
    """COPY the rows into a fresh unlogged table, in committed chunks so progress shows."""
    table = _staging_table(record)
    raw_columns = ", ".join(f"raw_{name}" for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(STAGING_TABLE_SQL.format(table=table))
    body = text.split("\n", 1)[1] if "\n" in text else ""
    if _server_can_read(body):
        try:
            count = _stage_as_is(record, table, body, delimiter, raw_columns)
        except psycopg.DataError:
            # A blank line or a line with too many or too few fields: Python reads the file and says where.
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {table} RESTART IDENTITY")
        else:
            _analyze(table)
            return _Staged(count, [], plain=_plain_line(delimiter, columns).search(body) is None)
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
    _analyze(table)
    return _Staged(count + len(parsed.errors), parsed.errors)


def _stage_as_is(record: SpendImport, table: str, body: str, delimiter: str, raw_columns: str) -> int:
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


def _analyze(table: str) -> None:
    with connection.cursor() as cursor:
        # Fresh tables have no statistics; without them the validation joins plan badly.
        cursor.execute(f"ANALYZE {table}")


# Each staged row with its fields trimmed, its amount and month read, and its allocation found: one join, kept
# in a table of its own for the error list and the insert.
CHECK_SQL = """
CREATE UNLOGGED TABLE {checked} AS
SELECT t.line, t.ref, t.month, t.amount, t.stream_code, {amount_value} AS amount_value, t.month_ok,
       CASE WHEN t.month_ok THEN {first_day} END AS first_day,
       al.id AS allocation_id, fs.code AS allocation_stream, fs.valid_from, fs.valid_until
FROM (
    SELECT line, ref, month, amount, stream_code, {month_ok} AS month_ok
    FROM (SELECT line, {ref} AS ref, {month} AS month, {amount} AS amount, {stream_code} AS stream_code
          FROM {table}) trimmed
) t
LEFT JOIN funding_allocation al ON al.reference = t.ref AND {in_municipality}
LEFT JOIN funding_fundingstream fs ON fs.id = al.stream_id
"""


def _check_sql(*, table: str, checked: str, decimal_comma: bool, plain: bool) -> str:
    """The check's SQL: each field trimmed and matched (in general), or read as it is (a plain file)."""
    if plain:
        amount = "replace(t.amount, ',', '.')" if decimal_comma else "t.amount"
        return CHECK_SQL.format(
            checked=checked,
            table=table,
            ref="raw_allocation_reference",
            month="raw_month",
            amount="raw_amount",
            stream_code="raw_stream_code",
            month_ok="true",
            first_day="(t.month || '-01')::date",
            amount_value=f"{amount}::numeric(12, 2)",
            in_municipality=IN_MUNICIPALITY,
        )
    return CHECK_SQL.format(
        checked=checked,
        table=table,
        ref=f"btrim(raw_allocation_reference, {TRIM})",
        month=f"btrim(raw_month, {TRIM})",
        amount=f"btrim(raw_amount, {TRIM})",
        stream_code=f"btrim(raw_stream_code, {TRIM})",
        month_ok="month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'",
        first_day="to_date(t.month || '-01', 'YYYY-MM-DD')",
        amount_value=amount_sql("t.amount", decimal_comma=decimal_comma),
        in_municipality=IN_MUNICIPALITY,
    )


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
per_buurt AS (SELECT neighbourhood_id, count(*) AS n, sum(amount) AS amount FROM inserted GROUP BY 1)
SELECT COALESCE(sum(p.n), 0), COALESCE(sum(p.amount), 0), array_remove(array_agg(DISTINCT b.municipality_id), NULL)
FROM per_buurt p LEFT JOIN organisations_area b ON b.id = p.neighbourhood_id
"""


def _validate(record: SpendImport, staged: _Staged) -> tuple[int, list[dict[str, Any]]]:
    structural = staged.errors
    checked = _checked_table(record)
    decimal_comma = record.dialect == SpendImport.Dialect.SEMICOLON
    sql = _check_sql(table=_staging_table(record), checked=checked, decimal_comma=decimal_comma, plain=staged.plain)
    with transaction.atomic(), connection.cursor() as cursor:
        # Enough memory to sort and hash a million rows without spilling to disk (this transaction only).
        cursor.execute("SET LOCAL work_mem = '256MB'")
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


def _insert(record: SpendImport, commit: Commit, *, rows_checked: int) -> SpendImport:
    """The one write to the spend table, with the import's status and the summary refresh it asks for."""

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
        with connection.cursor() as cursor:
            cursor.execute(
                INSERT_SQL.format(checked=_checked_table(record)),
                {"import_id": record.pk},
            )
            rows, amount, municipalities = cursor.fetchone()
        if rows != rows_checked:
            # An allocation went away after the check: roll back and check again, which names the lines.
            raise IntegrityError(f"{rows_checked - rows} rows lost their allocation after the check")
        # The audit's summary must show the new spend: its rebuild is asked for in the spend's transaction.
        for municipality_id in municipalities:
            enqueue(
                "funding.refresh_flow_summary",
                {"municipality_id": municipality_id},
                idempotency_key=f"funding.refresh_flow_summary:import={record.pk}:municipality={municipality_id}",
            )
        _finish(record, status=SpendImport.Status.IMPORTED, rows_imported=rows, amount_imported=amount)

    commit(insert)
    # Read back: a concurrent delivery of the same message may have taken effect instead of this one.
    return SpendImport.objects.defer("content").get(pk=record.pk)


def _drop_staging(record: SpendImport) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_staging_table(record)}, {_checked_table(record)}")


def spend_import_run(import_id: int, *, commit: Commit = _in_one_transaction) -> SpendImport:
    """Run one import to its end; safe to run again (a finished import is left as it is).

    The steps before the insert commit as they go; ``commit`` runs the insert's transaction.
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
    content = _content(record)
    text = _decode(content)
    if text is None:
        return _fail(record, [{"line": 1, "column": "", "code": "encoding"}], 1, rows=0)
    first_line = text.split("\n", 1)[0].strip("\r")
    if not first_line.strip():
        return _fail(record, [{"line": 1, "column": "", "code": "empty_file"}], 1, rows=0)
    delimiter, columns = _header(first_line, record.dialect)
    if record.dialect == SpendImport.Dialect.AUTO:
        detected = SpendImport.Dialect.SEMICOLON if delimiter == ";" else SpendImport.Dialect.COMMA
        _set_progress(record, progress=2, phase="reading", dialect=detected)
    if columns is None:
        return _fail(record, [{"line": 1, "column": "", "code": "header", "value": first_line[:200]}], 1, rows=0)
    try:
        staged = _stage(record, text, delimiter, columns)
        rows = staged.rows
        if rows == 0:
            return _fail(record, [{"line": 2, "column": "", "code": "empty_file"}], 1, rows=0)
        _set_progress(record, progress=65, phase="validating", rows_total=rows)
        error_count, errors = _validate(record, staged)
        if error_count:
            return _fail(record, errors, error_count, rows=rows)
        _set_progress(record, progress=80, phase="inserting")
        try:
            return _insert(record, commit, rows_checked=rows)
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

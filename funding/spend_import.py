"""Importing spend from finance: a CSV of allocation reference, month, amount and an optional stream code.

The file is COPYed into its own unlogged staging table, checked with set-based
SQL (every error with its line number), and only when no row has an error
inserted with one INSERT … SELECT. All or nothing: the spend table is written
by that one statement in one transaction. A file is identified by the SHA-256
of its bytes; once imported, the same file again is a no-op.

Progress is committed between the steps (parse and stage in chunks, validate,
insert), so a screen can poll it while a Celery worker runs the import; the
steps before the insert write only to the staging table and the import's own
row, so a crash mid-way leaves no spend behind and a rerun starts over.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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
        content=content,
        uploaded_by=by,
        municipality_id=policy.funding_municipality_id(by) if by is not None else None,
        dialect=dialect,
    )
    record.full_clean(exclude=["content"])
    record.save()
    return record


# --- Running it ---------------------------------------------------------------------------------


@dataclass
class _Parsed:
    columns: list[str]
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
DOT_AMOUNT = re.compile(r"(?:\d{1,10}|\d{1,3}(?:,\d{3}){1,3})(?:\.\d{1,2})?")
COMMA_AMOUNT = re.compile(r"(?:\d{1,10}|\d{1,3}(?:\.\d{3}){1,3})(?:,\d{1,2})?")


def parse_amount(text: str, *, decimal_comma: bool) -> Decimal | None:
    """An amount of euros in the file's dialect, or None when it is not one (negative, three decimals, …).

    In the comma dialect a comma can only be a thousands separator (``"1,250.00"``, quoted); in the
    semicolon dialect a dot can only be one, in groups of three (``1.250,00``, ``1.250``), so ``12.50`` is
    refused there rather than read as either twelve euros fifty or one thousand two hundred and fifty.
    """
    pattern, thousands, decimal = (COMMA_AMOUNT, ".", ",") if decimal_comma else (DOT_AMOUNT, ",", ".")
    text = text.strip()
    if not pattern.fullmatch(text):
        return None
    digits = text.replace(thousands, "").replace(decimal, ".")
    whole = digits.split(".")[0]
    return Decimal(digits) if len(whole) <= 10 else None


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


def _rows(
    text: str, delimiter: str, columns: list[str], parsed: _Parsed
) -> Iterator[tuple[int, str, str, str, Decimal | None, str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    decimal_comma = delimiter == ";"
    next(reader)  # the header
    position = {name: index for index, name in enumerate(columns)}
    has_stream = "stream_code" in position
    expected = len(columns)
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        line = reader.line_num
        if len(row) != expected:
            if len(parsed.errors) < MAX_ERRORS_STORED:
                parsed.errors.append(
                    {"line": line, "column": "", "code": "field_count", "expected": expected, "found": len(row)}
                )
            else:
                parsed.errors.append({})  # counted, not stored
            continue
        amount = row[position["amount"]].strip()
        yield (
            line,
            row[position["allocation_reference"]].strip(),
            row[position["month"]].strip(),
            amount,
            parse_amount(amount, decimal_comma=decimal_comma),
            row[position["stream_code"]].strip() if has_stream else "",
        )


def _stage(record: SpendImport, text: str, delimiter: str, columns: list[str]) -> tuple[int, list[dict[str, Any]]]:
    """COPY the rows into a fresh unlogged table, in committed chunks so progress shows; returns the row count."""
    table = _staging_table(record)
    parsed = _Parsed(columns=columns, errors=[])
    total_lines = max(text.count("\n"), 1)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE UNLOGGED TABLE {table} (line integer NOT NULL, allocation_reference text NOT NULL, "
            # amount as written (for the error list) and as read in the file's dialect (NULL: not an amount)
            "month text NOT NULL, amount text NOT NULL, amount_value numeric(12, 2), stream_code text NOT NULL)"
        )
    rows = _rows(text, delimiter, columns, parsed)
    count = 0
    exhausted = False
    while not exhausted:
        with transaction.atomic():
            connection.ensure_connection()
            raw = connection.connection
            assert raw is not None
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} FROM STDIN") as copy:
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
    with connection.cursor() as cursor:
        # Fresh tables have no statistics; without them the validation joins plan badly.
        cursor.execute(f"ANALYZE {table}")
    return count + len(parsed.errors), parsed.errors


VALIDATE_SQL = """
WITH st AS MATERIALIZED (
    SELECT s.line, s.allocation_reference AS ref, s.month, s.amount, s.stream_code,
           al.id AS allocation_id, fs.code AS allocation_stream, fs.valid_from, fs.valid_until,
           (s.month ~ '^[0-9]{{4}}-(0[1-9]|1[0-2])$') AS month_ok,
           (s.amount_value IS NOT NULL) AS amount_ok
    FROM {table} s
    LEFT JOIN funding_allocation al ON al.reference = s.allocation_reference AND {in_municipality}
    LEFT JOIN funding_fundingstream fs ON fs.id = al.stream_id
),
months AS (
    SELECT st.*, to_date(st.month || '-01', 'YYYY-MM-DD') AS first_day FROM st WHERE st.month_ok
),
errors AS (
    SELECT line, 'allocation_reference' AS col, 'missing_reference' AS code, ref AS value, NULL::integer AS other_line
    FROM st WHERE ref = ''
    UNION ALL
    SELECT line, 'allocation_reference', 'unknown_reference', ref, NULL
    FROM st WHERE ref <> '' AND allocation_id IS NULL
    UNION ALL
    SELECT line, 'month', 'bad_month', month, NULL FROM st WHERE NOT month_ok
    UNION ALL
    SELECT line, 'amount', 'bad_amount', amount, NULL FROM st WHERE NOT amount_ok
    UNION ALL
    SELECT line, 'stream_code', 'stream_mismatch', stream_code, NULL
    FROM st WHERE stream_code <> '' AND allocation_id IS NOT NULL AND stream_code <> allocation_stream
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
    SELECT al.id, to_date(s.month || '-01', 'YYYY-MM-DD'), s.amount_value,
           %(import_id)s, al.stream_id, al.neighbourhood_id
    FROM {table} s
    JOIN funding_allocation al ON al.reference = s.allocation_reference AND {in_municipality}
    -- In place of a foreign-key check per row: the allocations stay until this commits.
    FOR KEY SHARE OF al
    RETURNING amount, neighbourhood_id
),
per_buurt AS (SELECT neighbourhood_id, count(*) AS n, sum(amount) AS amount FROM inserted GROUP BY 1)
SELECT COALESCE(sum(p.n), 0), COALESCE(sum(p.amount), 0), array_remove(array_agg(DISTINCT b.municipality_id), NULL)
FROM per_buurt p LEFT JOIN organisations_area b ON b.id = p.neighbourhood_id
"""


def _validate(record: SpendImport, structural: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
    with connection.cursor() as cursor:
        cursor.execute(
            VALIDATE_SQL.format(table=_staging_table(record), in_municipality=IN_MUNICIPALITY),
            {"limit": MAX_ERRORS_STORED, "municipality_id": record.municipality_id},
        )
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


def _insert(record: SpendImport, commit: Commit) -> SpendImport:
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
                INSERT_SQL.format(table=_staging_table(record), in_municipality=IN_MUNICIPALITY),
                {"import_id": record.pk, "municipality_id": record.municipality_id},
            )
            rows, amount, municipalities = cursor.fetchone()
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
        cursor.execute(f"DROP TABLE IF EXISTS {_staging_table(record)}")


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
    content = bytes(SpendImport.objects.filter(pk=record.pk).values_list("content", flat=True).get())
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
        rows, structural = _stage(record, text, delimiter, columns)
        if rows == 0:
            return _fail(record, [{"line": 2, "column": "", "code": "empty_file"}], 1, rows=0)
        _set_progress(record, progress=65, phase="validating", rows_total=rows)
        error_count, errors = _validate(record, structural)
        if error_count:
            return _fail(record, errors, error_count, rows=rows)
        _set_progress(record, progress=80, phase="inserting")
        try:
            return _insert(record, commit)
        except IntegrityError:
            # Another file brought spend for the same allocation and month in the meantime.
            error_count, errors = _validate(record, [])
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

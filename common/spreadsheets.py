"""Every CSV and XLSX file the project writes, safe to open in a spreadsheet: the one writer.

A cell that starts with = + - @ (or a tab or carriage return, which some
spreadsheets skip before reading a formula) is a formula to Excel and
LibreOffice: a value that came from a user or a finance file could run one
(CSV injection). ``neutralise`` prefixes such text with an apostrophe, which
spreadsheets show as text.

A CSV is split on commas by one spreadsheet and, with Dutch regional settings,
on semicolons by another, and a quote only protects a field that the
spreadsheet sees start with it. So text is neutralised piece by piece: every
piece after a comma or a semicolon that would start a formula gets its
apostrophe too (``AL;=cmd|…`` is written ``"AL;'=cmd|…"``), and text holding
either delimiter, a quote or a line break is quoted. Numbers stay numbers: bare
in a CSV, numeric cells with a number format in an XLSX (a Dutch spreadsheet
shows them its way).

Every export in the project goes through the helpers here: ``csv_bytes``/
``xlsx_bytes`` build the file (the background exports store it), the
``*_response`` helpers serve it. Nothing else imports ``csv.writer`` or
openpyxl to write.
"""

from __future__ import annotations

import datetime
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Either delimiter a spreadsheet may split a CSV line on (comma; semicolon with Dutch regional settings).
_DELIMITERS = re.compile(r"([,;])")
# What a spreadsheet may skip before it reads a cell: spaces, and the quote that opens a quoted field.
_LEADING = ' "'
_NEEDS_QUOTES = frozenset(',;"\r\n\t')
NUMBER_FORMATS: dict[type, str] = {int: "#,##0", Decimal: "#,##0.00", float: "#,##0.00"}
DATE_FORMAT = "dd-mm-yyyy"


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula becomes plain text; other values pass unchanged.

    The text is looked at as a whole and in every piece between commas and semicolons.
    """
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    if "," not in value and ";" not in value:
        return value
    pieces = _DELIMITERS.split(value)
    for index in range(2, len(pieces), 2):  # the pieces after a delimiter (odd indexes are the delimiters)
        piece = pieces[index]
        skipped = len(piece) - len(piece.lstrip(_LEADING))
        if piece[skipped:].startswith(FORMULA_PREFIXES):
            pieces[index] = piece[:skipped] + "'" + piece[skipped:]
    return "".join(pieces)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | datetime.date):
        return value
    return neutralise(str(value))


def _csv_field(value: Any) -> str:
    if isinstance(value, str):
        if _NEEDS_QUOTES.intersection(value):
            return '"' + value.replace('"', '""') + '"'
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A UTF-8 CSV with a byte-order mark, so Excel reads the accents; comma-separated, CRLF line ends.

    Written here rather than by ``csv.writer``: its minimal quoting quotes a field with a comma but not one
    with a semicolon, which a Dutch spreadsheet splits on.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    for row in itertools.chain([header], rows):
        buffer.write(",".join(_csv_field(_cell(value)) for value in row))
        buffer.write("\r\n")
    return buffer.getvalue().encode("utf-8")


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """A UTF-8 CSV as a download."""
    return file_response(csv_bytes(header, rows), filename=filename, content_type=CSV_CONTENT_TYPE)


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One locked worksheet: the figures can be read and copied, not edited by accident.

    Numbers are numeric cells with a number format (thousands and two decimals for amounts), dates date cells;
    text is neutralised as in a CSV.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([_cell(name) for name in header])
    for row in rows:
        sheet.append([_cell(value) for value in row])
        for cell, value in zip(sheet[sheet.max_row], row, strict=False):
            number_format = _number_format(value)
            if number_format:
                cell.number_format = number_format
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(len(str(name)) + 4, 40))
    sheet.freeze_panes = "A2"
    sheet.protection.sheet = True
    workbook.security = WorkbookProtection(lockStructure=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _number_format(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return DATE_FORMAT
    return NUMBER_FORMATS.get(type(value))


def xlsx_response(filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """The locked worksheet as a download."""
    return file_response(xlsx_bytes(title, header, rows), filename=filename, content_type=XLSX_CONTENT_TYPE)


def file_response(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """A finished file as a download (the background exports serve their stored files through this too)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

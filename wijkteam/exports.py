"""Exports to CSV and XLSX that are safe to open in a spreadsheet.

A cell that starts with = + - @ (or a tab or carriage return, which some
spreadsheets skip before reading a formula) is a formula to Excel and
LibreOffice: a value that came from a user or a finance file could run one
(CSV injection). ``neutralise`` prefixes such text with an apostrophe, which
spreadsheets show as text. Numbers stay numbers. Every export in the project
goes through the helpers here: ``csv_bytes``/``xlsx_bytes`` build the file
(the background exports store it), the ``*_response`` helpers serve it.
"""

from __future__ import annotations

import csv
import datetime
import io
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


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula becomes plain text; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | datetime.date):
        return value
    return neutralise(str(value))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A UTF-8 CSV with a byte-order mark, so Excel reads the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_cell(name) for name in header])
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """A UTF-8 CSV as a download."""
    return file_response(csv_bytes(header, rows), filename=filename, content_type=CSV_CONTENT_TYPE)


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One locked worksheet: the figures can be read and copied, not edited by accident."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([_cell(name) for name in header])
    for row in rows:
        sheet.append([_cell(value) for value in row])
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(len(str(name)) + 4, 40))
    sheet.freeze_panes = "A2"
    sheet.protection.sheet = True
    workbook.security = WorkbookProtection(lockStructure=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """The locked worksheet as a download."""
    return file_response(xlsx_bytes(title, header, rows), filename=filename, content_type=XLSX_CONTENT_TYPE)


def file_response(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """A finished file as a download (the background exports serve their stored files through this too)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

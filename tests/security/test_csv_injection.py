"""Issue #12 item 7: formulas through a semicolon, and one writer for every CSV and XLSX file.

The attack: a spend line ``AL;=cmd|' /C calc'!A0;,2026-02,1.00`` came back unquoted in the error CSV. A
spreadsheet with Dutch regional settings reads a CSV split on ``;``, so ``=cmd|' /C calc'!A0`` became a cell of
its own: a live formula. Every file is now written by ``common/spreadsheets.py``, which quotes a text field holding
either delimiter and neutralises a formula start in every piece of it, however the spreadsheet splits the line.
XLSX numbers are numeric cells with a number format, not text.
"""

import csv
import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from common.spreadsheets import csv_bytes, xlsx_bytes
from exports.services import export_request
from funding import spend_import
from monitoring.exports import MONITORING_DASHBOARD
from tests.conftest import Personas
from tests.monitoring.conftest import bureau_data  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

ATTACK_LINE = "AL;=cmd|' /C calc'!A0;,2026-02,1.00"
NUMBER = re.compile(r"-?\d+(?:[.,]\d+)*")


def live_formulas(text: str) -> list[str]:
    """The cells a spreadsheet would run, splitting the file on commas or (Dutch settings) on semicolons."""
    found = []
    for delimiter in (",", ";"):
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            for cell in row:
                start = cell.lstrip(" ")
                if start[:1] in ("=", "+", "-", "@", "\t", "\r") and not NUMBER.fullmatch(start):
                    found.append(cell)
    return found


def test_the_attack_line_comes_back_quoted_and_neutralised_in_the_error_csv(log_in, personas: Personas) -> None:
    content = f"allocation_reference,month,amount\n{ATTACK_LINE}\n".encode()
    record = spend_import.spend_import_create(filename="uitgaven.csv", content=content, by=personas.auditor)
    record = spend_import.spend_import_run(record.pk)
    assert record.error_count >= 1
    response = log_in(personas.auditor).get(reverse("funding:spend_import_errors", args=[record.uuid]))
    text = response.content.decode("utf-8-sig")
    assert "cmd|" in text  # the value is reported, as text
    assert live_formulas(text) == []
    # In the comma file the value is one quoted field, so a spreadsheet splitting on commas keeps it whole.
    rows = list(csv.reader(io.StringIO(text)))
    assert any(cell.startswith("AL;") and "cmd|" in cell for row in rows[1:] for cell in row)
    assert '"AL;' in text


@pytest.mark.parametrize(
    "value",
    ["a;=1+1", "a,=1+1", "x; +31 6 1234", 'n;"=HYPERLINK(""http://x"")"', "a;@SUM(A1)", "a; -2+3", "=1+1;b", "t;\t=1"],
)
def test_a_cell_with_a_formula_after_either_delimiter_is_quoted_and_neutralised(value: str) -> None:
    text = csv_bytes(["naam", "bedrag"], [[value, Decimal("-12.50")]]).decode("utf-8-sig")
    assert live_formulas(text) == []
    line = text.splitlines()[1]
    assert line.startswith('"') and line.endswith(",-12.50")  # quoted, the number unquoted
    assert list(csv.reader(io.StringIO(text)))[1][1] == "-12.50"


def test_text_without_a_formula_or_delimiter_is_written_as_it_is() -> None:
    text = csv_bytes(["naam"], [["Wijk 1"], ["a=b"], ["Ede-Wageningen"]]).decode("utf-8-sig")
    assert text.splitlines()[1:] == ["Wijk 1", "a=b", "Ede-Wageningen"]


def test_xlsx_numbers_are_numeric_cells_with_a_number_format() -> None:
    header = ["naam", "bedrag", "aantal", "datum", "huishoudens"]
    rows = [["a;=1+1", Decimal("1250.50"), 12, datetime.date(2026, 2, 1), "<5"]]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes("Blad", header, rows))).active
    name, amount, count, day, suppressed = sheet[2]
    assert name.data_type == "s" and name.value == "a;'=1+1"
    assert amount.data_type == "n" and amount.value == 1250.5 and amount.number_format == "#,##0.00"
    assert count.data_type == "n" and count.value == 12 and count.number_format == "#,##0"
    assert day.is_date and day.number_format == "dd-mm-yyyy"
    assert suppressed.data_type == "s" and suppressed.value == "<5"


def test_the_monitoring_export_writes_its_figures_as_numbers(
    personas: Personas,
    bureau_data,  # noqa: F811 - the fixture
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = export_request(by=personas.bureau, kind=MONITORING_DASHBOARD, fmt="xlsx", parameters={})
    job.refresh_from_db()
    sheet = openpyxl.load_workbook(io.BytesIO(bytes(job.content))).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value not in (None, "")]
    as_text = [cell.value for cell in cells if cell.data_type == "s" and NUMBER.fullmatch(str(cell.value))]
    assert as_text == []
    numbers = [cell for cell in cells if cell.data_type == "n"]
    assert numbers and all(cell.number_format != "General" for cell in numbers)

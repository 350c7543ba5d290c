"""The shared export helpers neutralise spreadsheet formulas and keep numbers numbers."""

import io
from decimal import Decimal

import openpyxl
import pytest

from common.spreadsheets import csv_response, neutralise, xlsx_response


@pytest.mark.parametrize("text", ["=1+1", "+31 6", "-2", "@SUM(A1)", "\tx", "\r=1"])
def test_text_that_a_spreadsheet_would_run_is_prefixed(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Wijk 1", "", "a=b", Decimal("-5.00"), -3, None])
def test_other_values_pass_unchanged(value: object) -> None:
    assert neutralise(value) == value


def test_both_formats_neutralise_and_the_workbook_is_locked() -> None:
    header, rows = ["naam", "bedrag"], [['=HYPERLINK("x")', Decimal("-12.50")]]
    text = csv_response("a.csv", header, rows).content.decode("utf-8-sig")
    assert text.splitlines()[1] == '"\'=HYPERLINK(""x"")",-12.50'
    book = openpyxl.load_workbook(io.BytesIO(xlsx_response("a.xlsx", "Blad", header, rows).content))
    assert book.active["A2"].value == '\'=HYPERLINK("x")' and book.active["B2"].value == -12.5
    assert book.active.protection.sheet and book.security.lockStructure

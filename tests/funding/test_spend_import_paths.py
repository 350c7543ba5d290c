"""The spend import's quick paths read a file exactly as the general one does.

A file without quotes is COPYed as it is and read by the server's CSV reader; a file whose fields are all in
their plain form is checked without trimming or matching each field in SQL. Each quick path must give the same
rows, amounts, errors and line numbers as the path it stands in for, and must give way to it when it cannot.
"""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from funding import spend_import
from funding.models import Allocation, Spend, SpendImport
from tests.funding.factories import AllocationFactory, StreamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def allocations():
    stream = StreamFactory(code="WMO-BEG-2025", budget=Decimal("5000000"))
    return [AllocationFactory(reference=f"AL-00000000{n}", stream=stream) for n in (1, 2)]


def run(text: str | bytes, dialect: str = "auto") -> SpendImport:
    content = text.encode() if isinstance(text, str) else text
    record = spend_import.spend_import_create(filename="u.csv", content=content, by=None, dialect=dialect)
    return spend_import.spend_import_run(record.pk)


def outcome(record: SpendImport) -> tuple:
    spend = sorted(Spend.objects.values_list("allocation__reference", "month", "amount"))
    errors = [(e["line"], e["column"], e["code"], e.get("value")) for e in record.errors]
    return record.status, record.rows_imported, record.amount_imported, errors, spend


@pytest.fixture
def paths(monkeypatch):
    """Which quick paths each import took."""
    taken: list[str] = []
    stage_as_is, rows = spend_import._stage_as_is, spend_import._rows
    validate = spend_import._validate

    def spy_stage(*args, **kwargs):
        taken.append("server reads the file")
        return stage_as_is(*args, **kwargs)

    def spy_rows(*args, **kwargs):
        taken.append("python reads the file")
        return rows(*args, **kwargs)

    def spy_validate(record, staged):
        taken.append("plain check" if staged.plain else "general check")
        return validate(record, staged)

    monkeypatch.setattr(spend_import, "_stage_as_is", spy_stage)
    monkeypatch.setattr(spend_import, "_rows", spy_rows)
    monkeypatch.setattr(spend_import, "_validate", spy_validate)
    return taken


def general_only(monkeypatch) -> None:
    """Take the quick paths away: Python reads every file and every field is trimmed and matched in SQL."""
    monkeypatch.setattr(spend_import, "_server_can_read", lambda body: False)


SAME_EITHER_WAY = {
    "plain": "allocation_reference,month,amount,stream_code\nAL-000000001,2025-03,75.00,WMO-BEG-2025\n"
    "AL-000000001,2025-04,80.5,\nAL-000000002,2025-03,120,WMO-BEG-2025\n",
    "plain, columns in another order": "month,amount,allocation_reference\n2025-03,75,AL-000000001\n",
    "plain, Dutch": "toewijzing;maand;bedrag\r\nAL-000000001;2025-03;1250,75\r\nAL-000000002;2025-04;3\r\n",
    "padded with spaces, tabs and no-break spaces": "allocation_reference,month,amount\n"
    " AL-000000001 ,\t2025-03 , 75.00\u00a0\n",
    "thousands separators": 'allocation_reference,month,amount\nAL-000000001,2025-03,"1,250.00"\n',
    "Dutch thousands dots": "toewijzing;maand;bedrag\nAL-000000001;2025-03;1.250.000,5\n",
    "a blank line in the middle": "allocation_reference,month,amount\nAL-000000001,2025-03,5\n\n"
    "AL-000000002,2025-03,6\n",
    "errors on several lines": "allocation_reference,month,amount,stream_code\nAL-000000001,2025-3,5,\n"
    "AL-000000404,2025-03,5,\nAL-000000002,2025-03,5.001,\nAL-000000002,2025-04,5,JW\n,2025-05,5,\n"
    "AL-000000001,2026-01,5,\n",
    "a duplicate row": "allocation_reference,month,amount\nAL-000000001,2025-03,5\nAL-000000001,2025-03,6\n",
    "too many fields after a blank line": "allocation_reference,month,amount\nAL-000000001,2025-03,5\n\n"
    "AL-000000002,2025-03,6,x\n",
    "an amount with three decimals in the Dutch dialect": "toewijzing;maand;bedrag\nAL-000000001;2025-03;3200,001\n",
    "a decimal point in the Dutch dialect": "toewijzing;maand;bedrag\nAL-000000001;2025-03;12.50\n",
    "a decimal comma in the English dialect": "allocation_reference,month,amount\nAL-000000001,2025-03,12;50\n",
}


@pytest.mark.parametrize("text", SAME_EITHER_WAY.values(), ids=SAME_EITHER_WAY.keys())
def test_the_quick_paths_give_what_the_general_path_gives(allocations, monkeypatch, text: str) -> None:
    quick = outcome(run(text))
    Spend.objects.all().delete()
    SpendImport.objects.all().delete()
    general_only(monkeypatch)
    assert outcome(run(text)) == quick


@pytest.mark.parametrize(
    "text, taken",
    [
        (SAME_EITHER_WAY["plain"], ["server reads the file", "plain check"]),
        (SAME_EITHER_WAY["plain, Dutch"], ["server reads the file", "plain check"]),
        (SAME_EITHER_WAY["padded with spaces, tabs and no-break spaces"], ["server reads the file", "general check"]),
        (SAME_EITHER_WAY["errors on several lines"], ["server reads the file", "general check"]),
        (SAME_EITHER_WAY["thousands separators"], ["python reads the file", "general check"]),
        (
            SAME_EITHER_WAY["a blank line in the middle"],
            ["server reads the file", "python reads the file", "general check"],
        ),
        ("allocation_reference,month,amount\nAL-000000001,2025-03,5\\.\n", ["python reads the file", "general check"]),
    ],
)
def test_each_file_takes_the_quickest_path_that_reads_it_right(allocations, paths, text: str, taken) -> None:
    run(text)
    assert paths == taken


def test_a_plain_file_is_read_whole_by_the_server(allocations, paths) -> None:
    lines = "".join(f"AL-00000000{1 + n % 2},{2025}-{3 + n // 2:02d},{n}.{n:02d}\n" for n in range(10))
    record = run("allocation_reference,month,amount\n" + lines)
    assert record.status == SpendImport.Status.IMPORTED and record.rows_imported == 10, record.errors
    assert paths == ["server reads the file", "plain check"]
    assert Spend.objects.get(allocation__reference="AL-000000002", month=datetime.date(2025, 7, 1)).amount == Decimal(
        "9.09"
    )


def test_the_plain_form_is_a_part_of_what_the_general_check_accepts() -> None:
    line = spend_import._plain_line(",", ["allocation_reference", "month", "amount", "stream_code"])
    for plain in ["AL-1,2025-03,5,", "AL-1,2025-12,1234567890.12,JW", "AL-1,1999-01,0.5,X\r"]:
        assert line.search(plain) is None, plain
    for not_plain in [
        " AL-1,2025-03,5,",
        "AL-1,2025-13,5,",
        "AL-1,2025-03,5.,",
        "AL-1,2025-03,.5,",
        "AL-1,2025-03,12345678901,",
        "AL-1,2025-03,1,000,",
        "AL-1,2025-03,5",
        ",2025-03,5,",
        "AL-1,2025-03,\u0665,",  # an Arabic-Indic five: a digit to Python, not to the server
    ]:
        assert line.search(not_plain) is not None, not_plain
    dutch = spend_import._plain_line(";", ["allocation_reference", "month", "amount"])
    assert dutch.search("AL-1;2025-03;5,25") is None
    assert dutch.search("AL-1;2025-03;5.25") is not None


def test_the_file_is_stored_and_read_back_byte_for_byte(allocations) -> None:
    content = "allocation_reference;month;amount\r\nAL-000000001;2025-03;10,00\r\n".encode("cp1252") + b"\xe9\x00\xff"
    record = spend_import.spend_import_create(filename="é.csv", content=content, by=None)
    assert bytes(SpendImport.objects.get(pk=record.pk).content) == content
    assert spend_import._content(record) == content


def test_an_allocation_gone_between_the_check_and_the_insert_fails_the_file(allocations, monkeypatch) -> None:
    insert = spend_import._insert

    def delete_then_insert(record, commit, *, rows_checked):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM funding_allocation WHERE reference = 'AL-000000002'")
        return insert(record, commit, rows_checked=rows_checked)

    monkeypatch.setattr(spend_import, "_insert", delete_then_insert)
    record = run(SAME_EITHER_WAY["plain"])
    assert record.status == SpendImport.Status.FAILED
    assert [(e["line"], e["code"]) for e in record.errors] == [(4, "unknown_reference")]
    assert not Spend.objects.exists()
    assert not Allocation.objects.filter(reference="AL-000000002").exists()


def test_no_staging_table_is_left_behind(allocations) -> None:
    run(SAME_EITHER_WAY["plain"])
    run(SAME_EITHER_WAY["errors on several lines"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tablename ~ %s",
            [spend_import.STAGING_SCHEMA, re.escape("funding_spend_staging_")],
        )
        assert cursor.fetchone() == (0,)


def test_the_benchmark_imports_its_file_and_names_each_phase(allocations) -> None:
    out = io.StringIO()
    call_command("bench_spend_import", rows=10, stdout=out)
    text = out.getvalue()
    assert "Imported 10 rows" in text
    assert [line.split()[0] for line in text.splitlines() if line.startswith("  ")] == [
        "upload",
        "reading",
        "staging",
        "validating",
        "inserting",
    ]
    assert not Spend.objects.exists()  # rolled back

"""The spend import's quick paths read a file exactly as the general one does.

A file without quotes is COPYed as it is and read by the server's CSV reader; a file whose rows all fit as
written is checked and inserted by one statement, without trimming or matching each field. Each quick path must
give the same rows, amounts, errors and line numbers as the path it stands in for, and must give way to it when
it cannot.
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
    validate, insert = spend_import._validate, spend_import._insert

    def spy_stage(*args, **kwargs):
        taken.append("server reads the file")
        return stage_as_is(*args, **kwargs)

    def spy_rows(*args, **kwargs):
        taken.append("python reads the file")
        return rows(*args, **kwargs)

    def spy_validate(record, staged):
        taken.append("general check")
        return validate(record, staged)

    def spy_insert(record, commit, *, rows, quick):
        if not quick:
            return insert(record, commit, rows=rows, quick=quick)
        try:
            imported = insert(record, commit, rows=rows, quick=quick)
        except Exception:
            taken.append("quick path gave way")
            raise
        taken.append("quick path")
        return imported

    monkeypatch.setattr(spend_import, "_stage_as_is", spy_stage)
    monkeypatch.setattr(spend_import, "_rows", spy_rows)
    monkeypatch.setattr(spend_import, "_validate", spy_validate)
    monkeypatch.setattr(spend_import, "_insert", spy_insert)
    return taken


def general_only(monkeypatch) -> None:
    """Take the quick paths away: Python reads every file and every field is trimmed and matched in SQL."""
    monkeypatch.setattr(spend_import, "_server_can_read", lambda body: False)
    insert = spend_import._insert

    def general_insert(record, commit, *, rows, quick):
        if quick:
            raise spend_import._NotEveryRowFits
        return insert(record, commit, rows=rows, quick=quick)

    monkeypatch.setattr(spend_import, "_insert", general_insert)


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
        (SAME_EITHER_WAY["plain"], ["server reads the file", "quick path"]),
        (SAME_EITHER_WAY["plain, Dutch"], ["server reads the file", "quick path"]),
        (
            SAME_EITHER_WAY["padded with spaces, tabs and no-break spaces"],
            ["server reads the file", "quick path gave way", "general check"],
        ),
        (SAME_EITHER_WAY["errors on several lines"], ["server reads the file", "quick path gave way", "general check"]),
        (SAME_EITHER_WAY["a duplicate row"], ["server reads the file", "quick path gave way", "general check"]),
        (SAME_EITHER_WAY["thousands separators"], ["python reads the file", "quick path gave way", "general check"]),
        (
            SAME_EITHER_WAY["a blank line in the middle"],
            ["server reads the file", "python reads the file", "quick path"],
        ),
        (
            SAME_EITHER_WAY["too many fields after a blank line"],
            ["server reads the file", "python reads the file", "general check"],
        ),
        (
            "allocation_reference,month,amount\nAL-000000001,2025-03,5\\.\n",
            ["python reads the file", "quick path gave way", "general check"],
        ),
    ],
)
def test_each_file_takes_the_quickest_path_that_reads_it_right(allocations, paths, text: str, taken) -> None:
    run(text)
    assert paths == taken


def test_a_plain_file_is_read_whole_by_the_server(allocations, paths) -> None:
    lines = "".join(f"AL-00000000{1 + n % 2},{2025}-{3 + n // 2:02d},{n}.{n:02d}\n" for n in range(10))
    record = run("allocation_reference,month,amount\n" + lines)
    assert record.status == SpendImport.Status.IMPORTED and record.rows_imported == 10, record.errors
    assert paths == ["server reads the file", "quick path"]
    assert Spend.objects.get(allocation__reference="AL-000000002", month=datetime.date(2025, 7, 1)).amount == Decimal(
        "9.09"
    )


@pytest.mark.parametrize(
    "line",
    ["AL-000000001,2025-03,5,", "AL-000000001,2025-12,1234567890.12,WMO-BEG-2025\r", "AL-000000002,2025-01,0.5,"],
)
def test_a_row_as_written_in_plain_form_takes_the_quick_path(allocations, paths, line: str) -> None:
    record = run(f"allocation_reference,month,amount,stream_code\n{line}\n")
    assert record.status == SpendImport.Status.IMPORTED, record.errors
    assert paths == ["server reads the file", "quick path"]


@pytest.mark.parametrize(
    "line",
    [
        " AL-000000001,2025-03,5,",
        "al-000000001,2025-03,5,",
        "AL-000000404,2025-03,5,",
        ",2025-03,5,",
        "AL-000000001,2025-3,5,",
        "AL-000000001,2025-13,5,",
        "AL-000000001,2026-01,5,",
        "AL-000000001, 2025-03,5,",
        "AL-000000001,2025-03,5.,",
        "AL-000000001,2025-03,.5,",
        "AL-000000001,2025-03,5.001,",
        "AL-000000001,2025-03,12345678901,",
        "AL-000000001,2025-03,-5,",
        "AL-000000001,2025-03,1e3,",
        "AL-000000001,2025-03,5 ,",
        "AL-000000001,2025-03,\u0665,",  # an Arabic-Indic five: a digit to Python, not to the server
        "AL-000000001,2025-03,5,JW",
        "AL-000000001,2025-03,5, WMO-BEG-2025",
    ],
)
def test_a_row_the_quick_path_cannot_vouch_for_goes_to_the_general_check(allocations, paths, line: str) -> None:
    run(f"allocation_reference,month,amount,stream_code\n{line}\n")
    assert paths[-2:] == ["quick path gave way", "general check"]


def test_a_dutch_amount_with_a_decimal_point_goes_to_the_general_check(allocations, paths) -> None:
    record = run("toewijzing;maand;bedrag\nAL-000000001;2025-03;12.50\n")
    assert paths[-2:] == ["quick path gave way", "general check"]
    assert record.status == SpendImport.Status.FAILED


def test_a_byte_order_mark_is_not_read_as_part_of_the_header(allocations, paths) -> None:
    record = run(b"\xef\xbb\xbf" + SAME_EITHER_WAY["plain"].encode())
    assert record.status == SpendImport.Status.IMPORTED and record.rows_imported == 3, record.errors
    assert paths == ["server reads the file", "quick path"]


def test_a_windows_1252_file_reads_as_the_same_text_in_utf_8(allocations) -> None:
    text = "allocation_reference,month,amount\nAL-000000001,2025-03,5\nAL-é,2025-04,6\n"
    as_windows = outcome(run(text.encode("cp1252")))
    SpendImport.objects.all().delete()
    assert outcome(run(text.encode("utf-8"))) == as_windows
    assert as_windows[3] == [(3, "allocation_reference", "unknown_reference", "AL-é")]


def test_the_server_numbers_every_line_of_a_long_file_without_gaps(allocations) -> None:
    # More lines than the staging sequence caches at once.
    content = ("allocation_reference,month,amount\n" + "AL-000000001,2025-03,5\n" * 25_000).encode()
    record = spend_import.spend_import_create(filename="long.csv", content=content, by=None)
    try:
        staged = spend_import._stage(record, content, ",", ["allocation_reference", "month", "amount"])
        lines = "SELECT min(line), max(line), count(DISTINCT line) FROM {}"
        with connection.cursor() as cursor:
            cursor.execute(lines.format(spend_import._staging_table(record)))
            assert cursor.fetchone() == (2, 25_001, 25_000)
    finally:
        spend_import._drop_staging(record)
    assert staged.rows == 25_000


def test_the_file_is_stored_and_read_back_byte_for_byte(allocations) -> None:
    content = "allocation_reference;month;amount\r\nAL-000000001;2025-03;10,00\r\n".encode("cp1252") + b"\xe9\x00\xff"
    record = spend_import.spend_import_create(filename="é.csv", content=content, by=None)
    assert bytes(SpendImport.objects.get(pk=record.pk).content) == content
    assert spend_import._content(record) == content


def test_an_allocation_gone_between_the_check_and_the_insert_fails_the_file(allocations, monkeypatch) -> None:
    insert = spend_import._insert

    def delete_then_insert(record, commit, *, rows, quick):
        # The quick path checks and inserts in one statement; the general path checks first, then inserts.
        if not quick:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM funding_allocation WHERE reference = 'AL-000000002'")
        return insert(record, commit, rows=rows, quick=quick)

    monkeypatch.setattr(spend_import, "_insert", delete_then_insert)
    record = run(SAME_EITHER_WAY["plain"].replace("AL-000000001,2025-04", " AL-000000001,2025-04"))
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
        "inserting",
    ]
    assert not Spend.objects.exists()  # rolled back


def test_the_file_is_stored_without_compression_and_spend_ids_are_drawn_in_blocks() -> None:
    # Compressing a 45 MB file took about a second of its upload; one sequence call per spend row, 0.2-0.4 s of
    # a million-row insert (migrations 0017 and 0018).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'funding_spendimport'::regclass "
            "AND attname = 'content'"
        )
        assert cursor.fetchone() == ("e",)
        cursor.execute(
            "SELECT seqcache FROM pg_sequence WHERE seqrelid = pg_get_serial_sequence('funding_spend', 'id')::regclass"
        )
        assert cursor.fetchone() == (1000,)

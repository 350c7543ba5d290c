"""The spend import: every kind of error with its line, all or nothing, once per file, the command,
the task, the upload screen with its progress, and neutralised formulas in the error export."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from funding import spend_import
from funding.models import Spend, SpendImport
from funding.tasks import import_spend
from organisations.models import User
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, SpendFactory, StreamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def allocations():
    stream = StreamFactory(code="WMO-BEG-2025")
    first = AllocationFactory(reference="AL-000000001", stream=stream)
    second = AllocationFactory(reference="AL-000000002", stream=stream)
    return first, second


def run(text: str, name: str = "uitgaven.csv", by: User | None = None) -> SpendImport:
    record = spend_import.spend_import_create(filename=name, content=text.encode(), by=by)
    return spend_import.spend_import_run(record.pk)


VALID = (
    "allocation_reference,month,amount,stream_code\n"
    "AL-000000001,2025-03,75.00,WMO-BEG-2025\n"
    "AL-000000001,2025-04,80.5,\n"
    "AL-000000002,2025-03,120,WMO-BEG-2025\n"
)


def test_a_valid_file_imports_every_row_with_its_stream_and_buurt(allocations) -> None:
    record = run(VALID)
    assert record.status == SpendImport.Status.IMPORTED and record.rows_imported == 3 and record.error_count == 0
    assert record.amount_imported == Decimal("275.50")
    first, _second = allocations
    spend = Spend.objects.get(allocation=first, month=datetime.date(2025, 4, 1))
    assert spend.amount == Decimal("80.50") and spend.stream == first.stream
    assert spend.neighbourhood == first.action.case.household.neighbourhood


def test_dutch_files_with_semicolons_and_decimal_commas_import(allocations) -> None:
    record = run("toewijzing;maand;bedrag\nAL-000000001;2025-05;1250,75\n")
    assert record.status == SpendImport.Status.IMPORTED
    assert Spend.objects.get().amount == Decimal("1250.75")


@pytest.mark.parametrize(
    "line, code, column",
    [
        ("AL-999999999,2025-03,10.00,", "unknown_reference", "allocation_reference"),
        (",2025-03,10.00,", "missing_reference", "allocation_reference"),
        ("AL-000000001,2025-13,10.00,", "bad_month", "month"),
        ("AL-000000001,maart,10.00,", "bad_month", "month"),
        ("AL-000000001,2025-03,-10.00,", "bad_amount", "amount"),
        ("AL-000000001,2025-03,10.001,", "bad_amount", "amount"),
        ("AL-000000001,2025-03,tien,", "bad_amount", "amount"),
        ("AL-000000001,2025-03,1.000.000,", "bad_amount", "amount"),
        ("AL-000000001,2026-01,10.00,", "outside_stream_period", "month"),
        ("AL-000000001,2024-12,10.00,", "outside_stream_period", "month"),
        ("AL-000000001,2025-03,10.00,JW-AMB-2025", "stream_mismatch", "stream_code"),
        ("AL-000000001,2025-03,10.00,,extra", "field_count", ""),
    ],
)
def test_each_kind_of_error_is_reported_on_its_line_and_nothing_is_imported(
    allocations, line: str, code: str, column: str
) -> None:
    text = "allocation_reference,month,amount,stream_code\nAL-000000002,2025-03,5.00,\n" + line + "\n"
    record = run(text)
    assert record.status == SpendImport.Status.FAILED
    assert [(error["line"], error["code"], error["column"]) for error in record.errors] == [(3, code, column)]
    assert record.error_count == 1
    assert not Spend.objects.exists()
    assert spend_import.error_message(record.errors[0])


def test_a_duplicate_row_points_at_the_line_it_repeats(allocations) -> None:
    record = run(VALID + "AL-000000002,2025-03,120,\n")
    assert [(e["line"], e["code"], e["other_line"]) for e in record.errors] == [(5, "duplicate_row", 4)]
    assert "4" in spend_import.error_message(record.errors[0])
    assert not Spend.objects.exists()


def test_spend_already_imported_for_that_allocation_and_month_is_an_error(allocations) -> None:
    SpendFactory(allocation=allocations[0], month=datetime.date(2025, 3, 1))
    record = run(VALID)
    assert [(e["line"], e["code"]) for e in record.errors] == [(2, "already_imported")]
    assert Spend.objects.count() == 1


def test_a_file_with_many_errors_reports_each_line_and_imports_nothing(allocations) -> None:
    good = "".join(f"AL-000000001,2025-{month:02d},10.00,\n" for month in range(1, 13))
    bad = "AL-000000404,2025-01,1,\nAL-000000002,2025-02,x,\n"
    record = run("allocation_reference,month,amount,stream_code\n" + good + bad)
    assert [(e["line"], e["code"]) for e in record.errors] == [(14, "unknown_reference"), (15, "bad_amount")]
    assert not Spend.objects.exists()


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "empty_file"),
        ("\n", "empty_file"),
        ("naam,leeftijd\nA,1\n", "header"),
        ("allocation_reference,month,amount\n", "empty_file"),
    ],
)
def test_an_unreadable_or_empty_file_is_rejected_whole(allocations, text: str, code: str) -> None:
    record = run(text)
    assert record.status == SpendImport.Status.FAILED and record.errors[0]["code"] == code


def test_a_file_in_windows_1252_is_read(allocations) -> None:
    content = "allocation_reference;month;amount;stream_code\r\nAL-000000001;2025-03;10,00;\r\n".encode("cp1252")
    record = spend_import.spend_import_run(
        spend_import.spend_import_create(filename="é.csv", content=content, by=None).pk
    )
    assert record.status == SpendImport.Status.IMPORTED


def test_the_same_file_imports_once(allocations) -> None:
    first = run(VALID)
    second = run(VALID, name="nogmaals.csv")
    assert first.status == SpendImport.Status.IMPORTED
    assert second.status == SpendImport.Status.DUPLICATE and second.duplicate_of == first
    assert Spend.objects.count() == 3


def test_a_rejected_file_can_be_corrected_and_imported(allocations) -> None:
    assert run(VALID + "AL-000000404,2025-03,1,\n").status == SpendImport.Status.FAILED
    assert run(VALID).status == SpendImport.Status.IMPORTED


def test_running_an_import_again_changes_nothing(allocations) -> None:
    record = run(VALID)
    again = spend_import.spend_import_run(record.pk)
    assert again.status == SpendImport.Status.IMPORTED and Spend.objects.count() == 3


def test_the_task_runs_the_import_and_leaves_no_staging_table(allocations) -> None:
    from django.db import connection

    record = spend_import.spend_import_create(filename="a.csv", content=VALID.encode(), by=None)
    import_spend.apply(kwargs={"import_id": record.pk}, throw=True)
    record.refresh_from_db()
    assert record.status == SpendImport.Status.IMPORTED
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'funding_spend_staging_%%'")
        assert cursor.fetchone()[0] == 0


# --- The command --------------------------------------------------------------------------------------


def test_the_command_imports_a_file(allocations, tmp_path) -> None:
    path = tmp_path / "uitgaven.csv"
    path.write_text(VALID)
    out = io.StringIO()
    call_command("import_spend", str(path), stdout=out)
    assert "3" in out.getvalue() and Spend.objects.count() == 3
    call_command("import_spend", str(path), stdout=out)
    assert "before" in out.getvalue() and Spend.objects.count() == 3


def test_the_command_lists_errors_with_line_numbers_and_fails(allocations, tmp_path) -> None:
    path = tmp_path / "fout.csv"
    path.write_text(VALID + "AL-000000404,2025-03,1,\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 errors"):
        call_command("import_spend", str(path), stderr=err)
    assert "line 5" in err.getvalue() and not Spend.objects.exists()


# --- The upload screen -------------------------------------------------------------------------------


def test_the_auditor_uploads_a_file_and_follows_its_progress(
    log_in, personas: Personas, allocations, django_capture_on_commit_callbacks
) -> None:
    client = log_in(personas.auditor)
    upload = SimpleUploadedFile("uitgaven.csv", VALID.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("funding:spend_imports"), {"file": upload})
    assert response.status_code == 302
    record = SpendImport.objects.get()
    assert record.uploaded_by == personas.auditor and record.status == SpendImport.Status.IMPORTED
    progress = client.get(reverse("funding:spend_import_progress", args=[record.uuid]), headers={"HX-Request": "true"})
    assert progress["HX-Refresh"] == "true"
    with translation.override("nl"):
        label = str(SpendImport.Status.IMPORTED.label)
    assert label.capitalize() in client.get(response["Location"]).content.decode()


def test_an_unfinished_import_keeps_polling(log_in, personas: Personas) -> None:
    record = spend_import.spend_import_create(filename="a.csv", content=b"x", by=personas.auditor)
    html = log_in(personas.auditor).get(reverse("funding:spend_import", args=[record.uuid])).content.decode()
    assert 'hx-trigger="every 1s"' in html and "<progress" in html


def test_the_progress_names_the_step_in_the_readers_language(log_in, personas: Personas) -> None:
    record = spend_import.spend_import_create(filename="a.csv", content=b"x", by=personas.auditor)
    SpendImport.objects.filter(pk=record.pk).update(status=SpendImport.Status.RUNNING, phase="validating")
    html = log_in(personas.auditor).get(reverse("funding:spend_import", args=[record.uuid])).content.decode()
    assert "(elke regel controleren)" in html and "validating" not in html


def test_the_upload_screen_rejects_a_missing_or_wrong_file_next_to_the_field(log_in, personas: Personas) -> None:
    client = log_in(personas.auditor)
    response = client.post(reverse("funding:spend_imports"), {})
    assert response.status_code == 400 and 'aria-invalid="true"' in response.content.decode()
    upload = SimpleUploadedFile("uitgaven.xlsx", b"PK\x03\x04\x14\x00", content_type="application/octet-stream")
    response = client.post(reverse("funding:spend_imports"), {"file": upload})
    assert response.status_code == 400 and "id_file_error" in response.content.decode()
    assert not SpendImport.objects.exists()


def test_the_error_page_and_export_show_each_line_with_formulas_neutralised(
    log_in, personas: Personas, allocations
) -> None:
    text = 'allocation_reference,month,amount\n=HYPERLINK("http://x"),2025-03,1\n@SUM(A1),2025-03,1\n'
    record = run(text, by=personas.auditor)  # an auditor sees the files of their own municipality
    client = log_in(personas.auditor)
    html = client.get(reverse("funding:spend_import", args=[record.uuid])).content.decode()
    assert "=HYPERLINK(&quot;http://x&quot;)" in html or "=HYPERLINK(&quot;" in html
    csv_text = client.get(reverse("funding:spend_import_errors", args=[record.uuid])).content.decode("utf-8-sig")
    lines = csv_text.splitlines()
    assert lines[1].startswith("2,allocation_reference,\"'=HYPERLINK")
    assert lines[2].startswith("3,allocation_reference,'@SUM(A1)")

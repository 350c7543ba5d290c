"""Both spend-file dialects: `,` with a decimal point, `;` with a decimal comma and thousands dots.

Detected from the header or chosen on the screen, the API and the command; still all or nothing, with line numbers.
"""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from funding import spend_import
from funding.models import Spend, SpendImport
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, StreamFactory

pytestmark = pytest.mark.django_db

DUTCH = (
    "toewijzing;maand;bedrag;stroomcode\n"
    "AL-000000001;2025-03;3.200,00;WMO-BEG-2025\n"
    "AL-000000002;2025-03;1.250.000,5;\n"
)
ENGLISH = "allocation_reference,month,amount\nAL-000000001,2025-03,3200.00\nAL-000000002,2025-03,1250000.50\n"


@pytest.fixture
def allocations():
    stream = StreamFactory(code="WMO-BEG-2025", budget=Decimal("5000000"))
    return [AllocationFactory(reference=f"AL-00000000{n}", stream=stream) for n in (1, 2)]


def run(text: str, dialect: str = "auto") -> SpendImport:
    record = spend_import.spend_import_create(filename="u.csv", content=text.encode(), by=None, dialect=dialect)
    return spend_import.spend_import_run(record.pk)


@pytest.mark.parametrize("text", [DUTCH, ENGLISH], ids=["dutch", "english"])
def test_both_dialects_are_detected_from_the_header_and_import(allocations, text: str) -> None:
    record = run(text)
    assert record.status == SpendImport.Status.IMPORTED, record.errors
    assert sorted(Spend.objects.values_list("amount", flat=True)) == [Decimal("3200.00"), Decimal("1250000.50")]
    assert record.dialect == ("semicolon" if text is DUTCH else "comma")


@pytest.mark.parametrize(
    "amount",
    ["3.200", "1.250.000"],
)
def test_thousands_dots_without_decimals_are_thousands_in_the_dutch_dialect(allocations, amount: str) -> None:
    record = run(f"toewijzing;maand;bedrag\nAL-000000001;2025-03;{amount}\n")
    assert record.status == SpendImport.Status.IMPORTED, record.errors
    assert Spend.objects.get().amount == Decimal(amount.replace(".", ""))


@pytest.mark.parametrize(
    "amount",
    ["12.50", "3.20,00", "3,200.00", "1.2345,00", "3200,001", "-5,00", "12345678901,00"],
)
def test_a_malformed_dutch_amount_is_an_error_on_its_line(allocations, amount: str) -> None:
    record = run(f"toewijzing;maand;bedrag\nAL-000000002;2025-03;5,00\nAL-000000001;2025-03;{amount}\n")
    assert record.status == SpendImport.Status.FAILED and not Spend.objects.exists()
    assert [(e["line"], e["column"], e["code"], e["value"]) for e in record.errors] == [
        (3, "amount", "bad_amount_decimal_comma", amount)
    ]
    with translation.override("nl"):
        assert "1.250,00" in spend_import.error_message(record.errors[0])


@pytest.mark.parametrize("amount", ["3200,00", '"3.200,00"', "3.200"])
def test_a_decimal_comma_in_the_comma_dialect_is_an_error(allocations, amount: str) -> None:
    record = run(f"allocation_reference,month,amount\nAL-000000001,2025-03,{amount}\n")
    assert record.status == SpendImport.Status.FAILED and not Spend.objects.exists()
    assert record.errors[0]["line"] == 2
    assert record.errors[0]["code"] in {"bad_amount", "field_count"}


def test_a_chosen_dialect_overrides_the_header(allocations) -> None:
    # A semicolon file whose amounts happen to look English: chosen as comma-dialect, its header does not split.
    record = run(DUTCH, dialect="comma")
    assert record.status == SpendImport.Status.FAILED and record.errors[0]["code"] == "header"
    record = run(DUTCH, dialect="semicolon")
    assert record.status == SpendImport.Status.IMPORTED


def test_the_command_takes_a_dialect(allocations, tmp_path) -> None:
    path = tmp_path / "uitgaven.csv"
    path.write_text(DUTCH)
    with pytest.raises(CommandError):
        call_command("import_spend", str(path), "--dialect", "comma", stderr=io.StringIO())
    out = io.StringIO()
    call_command("import_spend", str(path), "--dialect", "semicolon", stdout=out)
    assert Spend.objects.count() == 2


def test_the_upload_screen_offers_the_dialect_and_imports_a_dutch_export(
    log_in, personas: Personas, allocations, django_capture_on_commit_callbacks
) -> None:
    client = log_in(personas.auditor)
    page = client.get(reverse("funding:spend_imports")).content.decode()
    assert 'name="dialect"' in page
    upload = SimpleUploadedFile("uitgaven.csv", DUTCH.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("funding:spend_imports"), {"file": upload, "dialect": "semicolon"})
    assert response.status_code == 302
    record = SpendImport.objects.get()
    assert record.status == SpendImport.Status.IMPORTED and record.dialect == "semicolon"


def test_the_api_upload_takes_a_dialect(log_in, personas: Personas, allocations) -> None:
    upload = SimpleUploadedFile("uitgaven.csv", DUTCH.encode(), content_type="text/csv")
    response = log_in(personas.auditor).post(
        "/api/v1/spend-imports/", {"file": upload, "dialect": "semicolon"}, format="multipart"
    )
    assert response.status_code == 202, response.content
    assert SpendImport.objects.get().dialect == "semicolon"

"""Issue #12, finding 12: every auditor saw every municipality's spend imports.

An auditor of another municipality must find nothing of a spend file uploaded
by the auditor of this one: not on the list, the detail page, its progress
fragment, its error CSV, nor through the API. The funding audit's cell
drill-down of another municipality's area shows nothing either.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from funding.models import SpendImport
from organisations.models import Role, User
from tests.conftest import Personas
from tests.organisations.factories import MunicipalityFactory, NeighbourhoodFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

CSV = b"allocation_reference,month,amount\nTW-ONBEKEND,2025-03,12.50\n"


@pytest.fixture
def other_auditor(db: None) -> User:
    elsewhere = MunicipalityFactory(code="GM0888", name="Gemeente Elders")
    return UserFactory(
        username="auditor-elders", role=Role.AUDITOR, organisation=OrganisationFactory(municipality=elsewhere)
    )


@pytest.fixture
def uploaded(client: Client, log_in, personas: Personas, django_capture_on_commit_callbacks) -> SpendImport:
    with django_capture_on_commit_callbacks(execute=True):
        response = log_in(personas.auditor).post(
            reverse("funding:spend_imports"), {"file": SimpleUploadedFile("uitgaven-noord.csv", CSV, "text/csv")}
        )
    assert response.status_code == 302
    return SpendImport.objects.get()


def test_the_uploading_auditor_sees_their_import(client: Client, log_in, personas: Personas, uploaded) -> None:
    client = log_in(personas.auditor)
    assert "uitgaven-noord.csv" in client.get(reverse("funding:spend_imports")).content.decode()
    assert client.get(reverse("funding:spend_import", args=[uploaded.uuid])).status_code == 200
    assert [item["uuid"] for item in client.get("/api/v1/spend-imports/").json()["results"]] == [str(uploaded.uuid)]


def test_an_auditor_of_another_municipality_finds_nothing_on_the_screens(
    client: Client, log_in, uploaded: SpendImport, other_auditor: User
) -> None:
    client = log_in(other_auditor)
    assert "uitgaven-noord.csv" not in client.get(reverse("funding:spend_imports")).content.decode()
    for name in ("funding:spend_import", "funding:spend_import_progress", "funding:spend_import_errors"):
        assert client.get(reverse(name, args=[uploaded.uuid])).status_code == 404, name


def test_an_auditor_of_another_municipality_finds_nothing_through_the_api(
    client: Client, log_in, uploaded: SpendImport, other_auditor: User
) -> None:
    client = log_in(other_auditor)
    assert client.get("/api/v1/spend-imports/").json()["results"] == []
    assert client.get(f"/api/v1/spend-imports/{uploaded.uuid}/").status_code == 404


def test_an_upload_belongs_to_the_uploaders_municipality(uploaded: SpendImport, personas: Personas) -> None:
    assert uploaded.municipality_id == personas.auditor.organisation.municipality_id


def test_the_audit_cell_of_another_municipalitys_area_shows_no_area(
    client: Client, log_in, personas: Personas, other_auditor: User
) -> None:
    area = NeighbourhoodFactory(parent__municipality=personas.team_a.municipality)
    query = f"year=2025&level=buurt&granularity=year&silo=&area={area.code}&period=2025-01-01"
    response = log_in(other_auditor).get(f"{reverse('funding:audit_cell')}?{query}")
    # Another municipality's area code is no valid choice for this auditor: refused, and not named.
    assert response.status_code == 400
    assert area.name not in response.content.decode()


def test_an_auditor_cannot_book_spend_on_another_municipalitys_allocation(
    personas: Personas, other_auditor: User
) -> None:
    from funding import spend_import
    from funding.models import Spend
    from tests.funding.factories import AllocationFactory

    allocation = AllocationFactory(reference="AL-NOORD0001")  # in the municipality of personas.auditor
    text = f"allocation_reference,month,amount\n{allocation.reference},2025-03,10.00\n".encode()

    elsewhere = spend_import.spend_import_create(filename="elders.csv", content=text, by=other_auditor)
    elsewhere = spend_import.spend_import_run(elsewhere.pk)
    assert elsewhere.status == SpendImport.Status.FAILED
    assert [error["code"] for error in elsewhere.errors] == ["unknown_reference"]  # as if it did not exist
    assert not Spend.objects.exists()

    own = spend_import.spend_import_create(filename="noord.csv", content=text, by=personas.auditor)
    assert spend_import.spend_import_run(own.pk).status == SpendImport.Status.IMPORTED
    assert Spend.objects.get().allocation == allocation

"""Documents on a case (issue #16, item 3): type by content, size, names, viruses, the door, the log, retention."""

from __future__ import annotations

import io
import re
import socket
import struct
import threading
import zipfile
from collections.abc import Callable, Iterator

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.html import escape

from cases import documents, services
from cases.models import Case, Contact, Document, DocumentContent
from organisations.models import User
from privacy.models import AccessLogEntry
from privacy.retention import cases_anonymise
from tests.cases.factories import PDF_BYTES, CaseFactory, ContactFactory, DocumentFactory
from tests.conftest import Personas
from tests.organisations.factories import OrganisationFactory, TeamMembershipFactory

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 40


def a_zip(entries: dict[str, bytes], *, mimetype_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED if mimetype_first else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


DOCX_BYTES = a_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
MACRO_DOCX = a_zip({"[Content_Types].xml": b"x", "word/document.xml": b"x", "word/vbaProject.bin": b"m"})
ODT_BYTES = a_zip(
    {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document-content/>"},
    mimetype_first=True,
)


# --- What the content is: no database ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PDF_BYTES, "pdf"),
        (PNG_BYTES, "png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "jpeg"),
        (DOCX_BYTES, "docx"),
        (ODT_BYTES, "odt"),
        (b"Gespreksverslag: moeder en zoon, afspraken over school.\n", "txt"),
        (a_zip({"foto.jpg": b"x"}), None),  # any other zip
        (MACRO_DOCX, None),
        (a_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"x"}), None),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", None),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', None),
        (EXE_BYTES, None),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, None),  # an old .doc with its macros
    ],
)
def test_the_type_is_what_the_content_shows(data: bytes, kind: str | None) -> None:
    assert documents.detect_kind(data) == kind


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("verslag.pdf", "verslag.pdf"),
        ("  brief\x00 aan\tschool .pdf", "brief aan school.pdf"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
    ],
)
def test_names_lose_control_characters_and_are_shortened_with_their_extension(raw: str, clean: str) -> None:
    assert documents.clean_name(raw) == clean
    assert len(documents.clean_name(raw)) <= documents.NAME_MAX


# --- The service: every bad file refused, nothing stored ------------------------------------------------------


@pytest.fixture
def case(personas: Personas) -> Case:
    return CaseFactory(team=personas.team_a, coordinator=personas.professional)


BAD_FILES = {
    "a PNG with a PDF name": ("brief.pdf", PNG_BYTES, "mismatch"),
    "an executable with a PDF name": ("brief.pdf", EXE_BYTES, "type"),
    "an HTML page": ("pagina.txt", b"<html><body onload=alert(1)>hoi</body></html>", "type"),
    "an SVG image": ("plaatje.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "type"),
    "a plain zip": ("stukken.docx", a_zip({"a.txt": b"hoi"}), "type"),
    "an empty file": ("leeg.pdf", b"", "empty"),
    "a path in the name": ("../../etc/verslag.pdf", PDF_BYTES, "path"),
    "a Windows path in the name": ("C:\\Users\\x\\verslag.pdf", PDF_BYTES, "path"),
    "a file over the limit": ("groot.pdf", PDF_BYTES + b"x" * 2048, "too_large"),
}


@override_settings(WIJKTEAM_DOCUMENT_MAX_BYTES=1024)
@pytest.mark.parametrize("bad", list(BAD_FILES))
def test_each_bad_document_is_refused_and_nothing_is_stored(case: Case, personas: Personas, bad: str) -> None:
    name, data, code = BAD_FILES[bad]
    with pytest.raises(ValidationError) as refused:
        services.document_attach(case=case, by=personas.professional, name=name, data=data)
    assert [error.code for error in refused.value.error_dict["file"]] == [code]
    assert not Document.objects.exists()
    assert not DocumentContent.objects.exists()


def test_a_document_on_an_own_organisation_note_is_own_organisation_only(case: Case, personas: Personas) -> None:
    note = ContactFactory(
        case=case, author=personas.professional, confidentiality=Contact.Confidentiality.OWN_ORGANISATION
    )
    document = services.document_attach(
        case=case, by=personas.professional, name="verslag.pdf", data=PDF_BYTES, contact=note
    )
    assert (document.contact, document.confidentiality) == (note, Contact.Confidentiality.OWN_ORGANISATION)
    other_case = CaseFactory(team=personas.team_a)
    with pytest.raises(PermissionDenied):  # a record of another case
        services.document_attach(case=other_case, by=personas.professional, name="a.pdf", data=PDF_BYTES, contact=note)


# --- clamd: a real socket server speaking INSTREAM ---------------------------------------------------------


@pytest.fixture
def clamd() -> Iterator[tuple[int, list[bytes]]]:
    """A tiny clamd on a TCP port: reads ``zINSTREAM`` and its chunks, answers FOUND when it sees EICAR."""
    server = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def read_exactly(connection: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            part = connection.recv(size - len(data))
            if not part:
                raise ConnectionError
            data += part
        return data

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                assert read_exactly(connection, 10) == b"zINSTREAM\0"
                data = b""
                while size := struct.unpack("!L", read_exactly(connection, 4))[0]:
                    data += read_exactly(connection, size)
                received.append(data)
                verdict = b"stream: Eicar-Test-Signature FOUND\0" if b"EICAR" in data else b"stream: OK\0"
                connection.sendall(verdict)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    server.shutdown(socket.SHUT_RDWR)  # wakes the accept() above at once; close() alone does not on Linux
    server.close()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_with_a_scanner_a_clean_file_is_stored_and_a_virus_is_refused(
    case: Case, personas: Personas, clamd: tuple[int, list[bytes]]
) -> None:
    port, received = clamd
    virus = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\n"
    with override_settings(WIJKTEAM_CLAMD_HOST="127.0.0.1", WIJKTEAM_CLAMD_PORT=port):
        services.document_attach(case=case, by=personas.professional, name="verslag.pdf", data=PDF_BYTES)
        with pytest.raises(ValidationError) as refused:
            services.document_attach(case=case, by=personas.professional, name="virus.txt", data=virus)
    assert refused.value.error_dict["file"][0].code == "virus"
    assert received == [PDF_BYTES, virus]  # the scanner saw every byte, in its chunks
    assert list(Document.objects.values_list("name", flat=True)) == ["verslag.pdf"]


def test_a_configured_scanner_that_does_not_answer_refuses_the_file(case: Case, personas: Personas) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with override_settings(WIJKTEAM_CLAMD_HOST="127.0.0.1", WIJKTEAM_CLAMD_PORT=port), pytest.raises(ValidationError):
        services.document_attach(case=case, by=personas.professional, name="verslag.pdf", data=PDF_BYTES)
    assert not Document.objects.exists()


# --- The screens: upload, list, download -----------------------------------------------------------------------


def upload(client: Client, case: Case, name: str, data: bytes, **fields: str) -> object:
    body = {"attached_to": "case", "confidentiality": "all", **fields}
    body["file"] = SimpleUploadedFile(name, data, content_type="application/pdf")  # the browser's word: not asked
    return client.post(reverse("cases:document-list", args=[case.uuid]), body)


def test_a_bad_file_on_the_screen_gets_a_dutch_message_next_to_the_field_and_keeps_the_choices(
    case: Case, personas: Personas, log_in: Callable[[User], Client]
) -> None:
    client = log_in(personas.professional)
    response = upload(client, case, "brief.pdf", PNG_BYTES, confidentiality="own_org")
    assert response.status_code == 400
    html = response.content.decode()
    assert "maar de inhoud is PNG" in html and 'id="id_file_error"' in html
    assert re.search(r'<input[^>]*value="own_org"[^>]*checked', html)
    assert not Document.objects.exists()


@override_settings(WIJKTEAM_DOCUMENT_MAX_BYTES=1024)
def test_a_file_over_the_limit_is_stopped_by_the_upload_handler_with_the_message(
    case: Case, personas: Personas, log_in: Callable[[User], Client]
) -> None:
    response = upload(log_in(personas.professional), case, "groot.pdf", PDF_BYTES + b"x" * 4096)
    assert response.status_code == 400
    assert "groter dan" in response.content.decode()
    assert not Document.objects.exists()


def test_upload_list_and_download_each_logged_with_safe_headers(
    case: Case, personas: Personas, log_in: Callable[[User], Client]
) -> None:
    client = log_in(personas.professional)
    response = upload(client, case, 'verslag "mei".pdf', PDF_BYTES)
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.kind, document.size, document.author) == ("pdf", len(PDF_BYTES), personas.professional)
    assert escape(document.name) in client.get(reverse("cases:document-list", args=[case.uuid])).content.decode()
    url = reverse("cases:document-download", args=[case.uuid, document.uuid])
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF_BYTES  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="verslag \\"mei\\".pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    downloads = AccessLogEntry.objects.filter(object_type="cases.document", detail="document download")
    assert downloads.count() == 2  # one row per download
    assert {(row.case_id, row.object_uuid, row.outcome) for row in downloads} == {(case.pk, document.uuid, "allowed")}


def test_a_user_who_may_not_see_the_case_gets_404_and_a_refused_log_row(
    case: Case, personas: Personas, log_in: Callable[[User], Client]
) -> None:
    document = DocumentFactory(case=case, author=personas.professional)
    response = log_in(personas.professional_b).get(reverse("cases:document-download", args=[case.uuid, document.uuid]))
    assert response.status_code == 404
    refused = AccessLogEntry.objects.filter(user_id=personas.professional_b.pk, case_id=case.pk, outcome="refused")
    assert refused.exists()


def test_a_confidential_document_is_hidden_from_other_organisations_of_the_team(
    case: Case, personas: Personas, log_in: Callable[[User], Client]
) -> None:
    document = DocumentFactory(
        case=case, author=personas.professional, confidentiality=Document.Confidentiality.OWN_ORGANISATION
    )
    colleague = TeamMembershipFactory(team=personas.team_a, user__organisation=OrganisationFactory()).user
    client = log_in(colleague)
    assert document.name not in client.get(reverse("cases:document-list", args=[case.uuid])).content.decode()
    url = reverse("cases:document-download", args=[case.uuid, document.uuid])
    assert client.get(url).status_code == 404
    assert log_in(personas.professional).get(url).status_code == 200


def test_anonymising_the_case_removes_its_documents_and_their_bytes(case: Case, personas: Personas) -> None:
    DocumentFactory(case=case, author=personas.professional)
    kept = DocumentFactory(case=CaseFactory(team=personas.team_a), author=personas.professional)
    cases_anonymise(case_ids=[case.pk])
    assert list(Document.objects.all()) == [kept]
    assert list(DocumentContent.objects.values_list("document_id", flat=True)) == [kept.pk]

"""Issue #12 item 6: one upload validation for the spend file, on the screen and through the API.

The attack: ``POST /api/v1/spend-imports/`` took an ``.exe``, an ``.html``, an ``.svg`` and a 201 MB file (the
server read all of it first, holding a thread for two minutes), while the screen refused them by their name.
Now both doors answer with the same check: the size before the body is read (the multipart parser stops at the
file), the type by the content (text in UTF-8 or Windows-1252, no NUL or other control bytes, no executable,
archive, image or markup), never by the name.
"""

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from funding.models import SpendImport
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

CSV = b"allocation_reference,month,amount\nAL-000000001,2026-02,1.00\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="5"/></svg>\n'
HTML_AFTER_A_HEADER = b"allocation_reference,month,amount\n<script>alert(1)</script>,2026-02,1.00\n"
ZIP = b"PK\x03\x04\x14\x00\x06\x00allocation_reference,month,amount\n"

HOSTILE = {
    "payload.exe": EXE,
    "page.html": HTML,
    "image.svg": SVG,
    "uitgaven.csv": EXE,  # an executable named as a CSV: the content decides
    "uitgaven.txt": SVG,
    "tabel.csv": HTML_AFTER_A_HEADER,
    "uitgaven.xlsx": ZIP,
}
MB = 1024 * 1024


@pytest.mark.parametrize("name", HOSTILE)
def test_the_api_refuses_a_file_that_is_not_csv_text_by_its_content(log_in, personas: Personas, name: str) -> None:
    upload = SimpleUploadedFile(name, HOSTILE[name], "text/csv")
    response = log_in(personas.auditor).post("/api/v1/spend-imports/", {"file": upload})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["file"]
    assert not SpendImport.objects.exists()


@pytest.mark.parametrize("name", HOSTILE)
def test_the_screen_refuses_the_same_files_next_to_the_field(log_in, personas: Personas, name: str) -> None:
    upload = SimpleUploadedFile(name, HOSTILE[name], "text/csv")
    response = log_in(personas.auditor).post(reverse("funding:spend_imports"), {"file": upload})
    assert response.status_code == 400
    assert "CSV" in field_message(response.content.decode())
    assert not SpendImport.objects.exists()


@pytest.mark.parametrize(
    "name, content",
    [
        ("export.dat", CSV),  # a name the screen used to refuse: the content is what counts
        ("uitgaven.csv", "allocation_reference;maand;bedrag\nAL-1;2026-02;1,00 €\n".encode("cp1252")),
        ("uitgaven.csv", b"\xef\xbb\xbf" + "toewijzing,maand,bedrag\r\nAL-é,2026-02,1.00\r\n".encode()),
    ],
)
def test_both_doors_accept_csv_text_in_utf8_or_windows_1252_whatever_its_name(
    log_in, personas: Personas, name: str, content: bytes
) -> None:
    client = log_in(personas.auditor)
    api = client.post("/api/v1/spend-imports/", {"file": SimpleUploadedFile(name, content, "application/octet-stream")})
    assert api.status_code == 202, api.content
    screen = client.post(reverse("funding:spend_imports"), {"file": SimpleUploadedFile(name, content, "text/csv")})
    assert screen.status_code == 302
    assert SpendImport.objects.filter(filename=name).count() == 2


class Body:
    """A multipart body of any length, made while it is read, never held whole in memory.

    Reading past ``stop_after`` bytes fails the test: the server went on reading a file it should have refused.
    """

    BOUNDARY = "wijkteam-boundary"

    def __init__(self, *, fields: dict[str, str], file_size: int, stop_after: int = 8 * MB) -> None:
        head = b"".join(
            f'--{self.BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        )
        head += (
            f"--{self.BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="uitgaven.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
            "allocation_reference,month,amount\n"
        ).encode()
        self.head = head
        self.tail = f"\r\n--{self.BOUNDARY}--\r\n".encode()
        self.length = len(head) + file_size + len(self.tail)
        self.line = b"AL-000000001,2026-02,1.00\n"
        self.position = 0
        self.stop_after = stop_after

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.length - self.position
        size = min(size, self.length - self.position)
        assert self.position + size <= self.stop_after, f"the server read {self.position + size} bytes of the body"
        out = bytearray()
        while len(out) < size:
            at = self.position + len(out)
            body_end = self.length - len(self.tail)
            if at < len(self.head):
                out += self.head[at : at + size - len(out)]
            elif at < body_end:
                offset = (at - len(self.head)) % len(self.line)
                chunk = (self.line * (size // len(self.line) + 2))[offset:]
                out += chunk[: min(size - len(out), body_end - at)]
            else:
                out += self.tail[at - body_end : at - body_end + size - len(out)]
        self.position += len(out)
        return bytes(out)

    def readline(self, size: int = -1) -> bytes:  # the WSGI input interface; the parser reads with read()
        return self.read(size)

    def environ(self) -> dict[str, Any]:
        return {
            "wsgi.input": self,
            "CONTENT_LENGTH": str(self.length),
            "CONTENT_TYPE": f"multipart/form-data; boundary={self.BOUNDARY}",
        }


def test_the_api_refuses_a_201_mb_file_before_reading_it(log_in, personas: Personas) -> None:
    body = Body(fields={}, file_size=201 * MB)
    client = log_in(personas.auditor)
    response = client.generic("POST", "/api/v1/spend-imports/", b"x", **body.environ())
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "200 MB" in response.json()["file"][0]
    assert body.position < MB
    assert not SpendImport.objects.exists()


def test_the_screen_refuses_a_201_mb_file_before_reading_it_with_its_message_next_to_the_field(
    log_in, personas: Personas
) -> None:
    client = log_in(personas.auditor)
    # With the CSRF check on, as in a browser: the check reads the form's fields before the view runs.
    checked = Client(enforce_csrf_checks=True)
    checked.cookies = client.cookies
    page = checked.get(reverse("funding:spend_imports")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    body = Body(fields={"csrfmiddlewaretoken": token.group(1)}, file_size=201 * MB)
    response = checked.generic("POST", reverse("funding:spend_imports"), b"x", **body.environ())
    assert response.status_code == 400
    assert "200 MB" in field_message(response.content.decode())
    assert body.position < MB
    assert not SpendImport.objects.exists()


def test_a_file_just_under_the_limit_is_read_to_its_end(log_in, personas: Personas, settings) -> None:
    settings.WIJKTEAM_UPLOAD_MAX_BYTES = 2 * MB
    body = Body(fields={}, file_size=MB, stop_after=2 * MB)
    response = log_in(personas.auditor).generic("POST", "/api/v1/spend-imports/", b"x", **body.environ())
    assert response.status_code == 202, response.content
    assert body.position == body.length
    assert bytes(SpendImport.objects.get().content).startswith(b"allocation_reference,month,amount\nAL-")


def field_message(page: str) -> str:
    match = re.search(r'id="id_file_error"[^>]*>(.*?)</', page, re.S)
    return re.sub(r"\s+", " ", match.group(1)) if match else ""

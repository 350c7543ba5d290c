"""The checks of a document before it is stored: its type by content, its size, its name and, when a scanner is
configured, viruses (issue #16, item 3).

- **Type by content, never by name or the browser's word.** PDF, PNG and JPEG by their signature; DOCX and
  ODT are zip files, so their inner structure is read (a DOCX has ``[Content_Types].xml`` and
  ``word/document.xml`` and no macros, an ODT starts with the ``mimetype`` entry naming an OpenDocument
  text); any other zip is refused. Plain text must be UTF-8 without control characters and without markup
  (an HTML or SVG file is text a browser would run). The name's extension must agree with the content: a
  PNG called ``brief.pdf`` is refused, so nobody is misled by what they download.
- **Size**: ``WIJKTEAM_DOCUMENT_MAX_BYTES``; the upload handler stops reading a larger file before the body
  is read (``funding.uploads.UploadLimitHandler`` asks the view for its limit).
- **Name**: only the last part of a name without a path is accepted; control characters and surplus
  spaces are removed and the name is shortened to ``NAME_MAX`` characters, keeping its extension.
- **Viruses**: with ``WIJKTEAM_CLAMD_SOCKET`` (a Unix socket) or ``WIJKTEAM_CLAMD_HOST`` set, the bytes are
  sent to clamd with ``INSTREAM``; a virus, or a scanner that does not answer, refuses the file (closed,
  not open: a file that could not be scanned is not stored).

Every refusal is a ``ValidationError`` on the ``file`` field with a message in Dutch for the form.
"""

from __future__ import annotations

import io
import re
import socket
import struct
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

NAME_MAX = 120
# Which extensions each detected type may carry.
EXTENSIONS = {
    "pdf": {".pdf"},
    "png": {".png"},
    "jpeg": {".jpg", ".jpeg"},
    "docx": {".docx"},
    "odt": {".odt"},
    "txt": {".txt"},
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "txt": "text/plain; charset=utf-8",
}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# A zip whose entries unpack to more than this is refused (a zip bomb is no letter).
ZIP_MAX_UNPACKED = 200 * 1024 * 1024
ZIP_MAX_ENTRIES = 5_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MARKUP = re.compile(
    r"<\s*(?:[!?]|/?\s*(?:html|svg|script|body|head|iframe|object|embed|xml|math|style|a|img|meta|link)\b)", re.I
)


@dataclass(frozen=True)
class Inspected:
    kind: str
    name: str


def max_bytes() -> int:
    return int(settings.WIJKTEAM_DOCUMENT_MAX_BYTES)


def too_large_message() -> str:
    return _("The file is larger than %(megabytes)s MB, the largest a document may be.") % {
        "megabytes": max_bytes() // (1024 * 1024)
    }


def allowed_message() -> str:
    return _(
        "This kind of file cannot be added. Add a PDF, a photo (PNG or JPEG), a Word or OpenDocument text "
        "or plain text."
    )


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError({"file": [ValidationError(message, code=code)]})


def clean_name(raw: str) -> str:
    """The stored name: no path, no control characters, at most ``NAME_MAX`` characters with its extension."""
    if "/" in raw or "\\" in raw or raw.strip() in {".", ".."}:
        raise _refuse(_("The file name contains a folder (a / or \\). Rename the file and try again."), "path")
    name = unicodedata.normalize("NFC", _CONTROL.sub(" ", raw))
    name = " ".join(name.split()).strip(" .")
    if not name:
        raise _refuse(_("The file has no usable name. Rename the file and try again."), "name")
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    if len(suffix) > 10:
        stem, suffix = name, ""
    return stem[: NAME_MAX - len(suffix)].rstrip(" .") + suffix


def detect_kind(data: bytes) -> str | None:
    """The type the content shows, or None for a type documents do not take."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    return "txt" if _is_plain_text(data) else None


def _office_kind(data: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if len(entries) > ZIP_MAX_ENTRIES or sum(entry.file_size for entry in entries) > ZIP_MAX_UNPACKED:
        return None
    names = {entry.filename for entry in entries}
    if any(entry.flag_bits & 0x1 for entry in entries):  # encrypted: nothing we can vouch for
        return None
    if entries and entries[0].filename == "mimetype":
        try:
            mimetype = archive.read("mimetype").strip()
        except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
            return None
        return "odt" if mimetype == ODT_MIMETYPE and "content.xml" in names else None
    if {"[Content_Types].xml", "word/document.xml"} <= names and not any(
        name.lower().endswith("vbaproject.bin") for name in names
    ):
        return "docx"
    return None


def _is_plain_text(data: bytes) -> bool:
    try:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not _TEXT_CONTROL.search(text) and not _MARKUP.search(text)


def inspect(*, name: str, data: bytes) -> Inspected:
    """The document's type and cleaned name, or a ValidationError on ``file`` saying what is wrong."""
    cleaned = clean_name(name)
    if not data:
        raise _refuse(_("The file is empty."), "empty")
    if len(data) > max_bytes():
        raise _refuse(too_large_message(), "too_large")
    kind = detect_kind(data)
    if kind is None:
        raise _refuse(allowed_message(), "type")
    extension = "." + cleaned.rpartition(".")[2].lower() if "." in cleaned else ""
    if extension not in EXTENSIONS[kind]:
        raise _refuse(
            _("The file's name says %(extension)s, but its content is %(kind)s. Check that you chose the right file.")
            % {"extension": extension or _("no type"), "kind": kind.upper()},
            "mismatch",
        )
    scan(data)
    return Inspected(kind=kind, name=cleaned)


# --- clamd ------------------------------------------------------------------------------------------------


class ScannerUnavailable(Exception):
    """clamd did not answer, or answered something other than OK or FOUND."""


def scanner_configured() -> bool:
    return bool(settings.WIJKTEAM_CLAMD_SOCKET or settings.WIJKTEAM_CLAMD_HOST)


def _connect() -> socket.socket:
    timeout = float(settings.WIJKTEAM_CLAMD_TIMEOUT)
    if settings.WIJKTEAM_CLAMD_SOCKET:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(timeout)
        connection.connect(settings.WIJKTEAM_CLAMD_SOCKET)
        return connection
    return socket.create_connection((settings.WIJKTEAM_CLAMD_HOST, int(settings.WIJKTEAM_CLAMD_PORT)), timeout)


def clamd_instream(data: bytes, *, chunk_size: int = 64 * 1024) -> str | None:
    """Send ``data`` to clamd (``zINSTREAM``): the name of the virus it found, or None when clean.

    The protocol: the command, then chunks each preceded by their length as four bytes in network order,
    then a chunk of length zero; clamd answers ``stream: OK`` or ``stream: <name> FOUND``, NUL-terminated.
    """
    try:
        with _connect() as connection:
            connection.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), chunk_size):
                chunk = data[start : start + chunk_size]
                connection.sendall(struct.pack("!L", len(chunk)) + chunk)
            connection.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = connection.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as error:
        raise ScannerUnavailable(str(error)) from error
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if answer.endswith("OK") and "FOUND" not in answer:
        return None
    if answer.endswith("FOUND"):
        return answer.removeprefix("stream:").removesuffix("FOUND").strip()
    raise ScannerUnavailable(answer)


def scan(data: bytes) -> None:
    """Refuse a file with a virus, and any file while a configured scanner cannot be reached."""
    if not scanner_configured():
        return
    try:
        found = clamd_instream(data)
    except ScannerUnavailable:
        raise _refuse(
            _("The virus scanner cannot be reached, so the file was not added. Try again in a few minutes."),
            "scanner",
        ) from None
    if found is not None:
        raise _refuse(_("The virus scanner found a virus in this file; it was not added."), "virus")

"""The one check of an uploaded spend file, for the screen and the API alike (issue #12, item 6).

Two parts, both here so that neither door can have a rule the other lacks:

- **Size, before the body is read.** ``UploadLimitHandler`` is the first of ``FILE_UPLOAD_HANDLERS``. Django's
  multipart parser asks it about every request with files: when the request's Content-Length is over
  ``WIJKTEAM_UPLOAD_MAX_BYTES`` (plus a little room for the form's other fields) it stops the parser as
  soon as the file begins, so the small fields before it (the CSRF token) are read and the file is not; a
  file that turns out larger while it streams is stopped at the limit. The first chunk of a file that is
  plainly not text (an executable, an archive, an image) stops the parser too. The refusal is left on the
  request, and ``spend_file_content`` turns it into the door's message: a 413 on the API, a message next
  to the field on the screen.
- **Type, by the content.** ``spend_file_content`` reads the file and accepts only CSV text: UTF-8 (with or
  without BOM) or Windows-1252, no NUL or other control byte but tab and line ends, no executable, archive or
  image signature, no markup (HTML, SVG, XML). The file's name and the browser's content type are not
  asked: both are the sender's word.

What the columns say is the import's business (``spend_import``), not this module's.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.utils.translation import gettext as _

TOO_LARGE = "too_large"
NOT_TEXT = "not_text"
REFUSAL_ATTRIBUTE = "upload_refused"
# Room for the multipart boundaries and the form's small fields next to a file of the maximum size.
FORM_ROOM = 64 * 1024

# Signatures of files that are never CSV text (the first bytes of the file).
BINARY_SIGNATURES = (
    b"MZ",  # Windows executable
    b"\x7fELF",  # Linux executable
    b"\xca\xfe\xba\xbe",  # Java class, macOS universal binary
    b"\xcf\xfa\xed\xfe",  # macOS executable
    b"PK\x03\x04",  # zip: xlsx, docx, jar
    b"\xd0\xcf\x11\xe0",  # old Office: xls, doc
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",  # JPEG
    b"\x1f\x8b",  # gzip
    b"Rar!",
    b"7z\xbc\xaf",
    b"#!",  # a script
)
# Every byte a text file may hold: printable ASCII and the 8-bit range (UTF-8 sequences, Windows-1252), tab and
# line ends. Anything else (NUL, other control bytes, DEL) marks a binary file.
_TEXT_BYTES = bytes([9, 10, 13, *range(0x20, 0x7F), *range(0x80, 0x100)])
_MARKUP = re.compile(r"<\s*(?:[!?]|/?\s*(?:html|svg|script|body|head|iframe|object|embed|xml|math|style)\b)", re.I)


def max_upload_bytes() -> int:
    return int(settings.WIJKTEAM_UPLOAD_MAX_BYTES)


def _view_limit(request: HttpRequest | None) -> int | None:
    """A view that takes files of every type says so with ``upload_max_bytes()`` (the documents of a case):
    then only its size limit applies here, and the view checks the type itself (cases/documents.py)."""
    match = getattr(request, "resolver_match", None)
    view_class = getattr(getattr(match, "func", None), "view_class", None)
    limit = getattr(view_class, "upload_max_bytes", None)
    return int(limit()) if callable(limit) else None


def _looks_binary(data: bytes) -> bool:
    start = data.removeprefix(b"\xef\xbb\xbf")
    return start.startswith(BINARY_SIGNATURES) or bool(data.translate(None, _TEXT_BYTES))


def refusal_of(request: HttpRequest | Any) -> str | None:
    """Why the upload handler stopped reading this request's file, if it did."""
    return getattr(request, REFUSAL_ATTRIBUTE, None)


class UploadLimitHandler(FileUploadHandler):
    """Stops reading an upload that is too large or plainly binary; the next handlers store what it lets by."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.refusal: str | None = None
        self.view_limit = _view_limit(request)
        self.limit = self.view_limit if self.view_limit is not None else max_upload_bytes()

    def _refuse(self, reason: str) -> None:
        self.refusal = reason
        if self.request is not None:
            setattr(self.request, REFUSAL_ATTRIBUTE, reason)
        # connection_reset: leave the rest of the body unread; the answer goes out and the server closes the
        # connection, as a proxy's body limit does.
        raise StopUpload(connection_reset=True)

    def handle_raw_input(
        self, input_data: Any, META: dict[str, Any], content_length: int, boundary: str, encoding: str | None = None
    ) -> None:
        if content_length > self.limit + FORM_ROOM:
            self.refusal = TOO_LARGE  # refused at the first file, after the small fields before it

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.refusal is not None:
            self._refuse(self.refusal)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start == 0 and self.view_limit is None and _looks_binary(raw_data[:4096]):
            self._refuse(NOT_TEXT)
        if start + len(raw_data) > self.limit:
            self._refuse(TOO_LARGE)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the memory or temporary-file handler after this one makes the file


def too_large_message() -> str:
    return _("The file is larger than %(megabytes)s MB; split it into smaller files.") % {
        "megabytes": max_upload_bytes() // (1024 * 1024)
    }


def not_text_message() -> str:
    return _("This is not a CSV file: upload text with the columns separated by commas or semicolons.")


def spend_file_content(upload: UploadedFile | None, *, request: HttpRequest | Any) -> bytes:
    """The bytes of an uploaded spend file, or a ValidationError (code ``too_large``, ``not_text``, ``required``)."""
    refusal = refusal_of(request)
    if refusal == TOO_LARGE:
        raise ValidationError(too_large_message(), code=TOO_LARGE)
    if refusal == NOT_TEXT:
        raise ValidationError(not_text_message(), code=NOT_TEXT)
    if upload is None:
        raise ValidationError(_("Choose the file to upload."), code="required")
    if upload.size is not None and upload.size > max_upload_bytes():
        raise ValidationError(too_large_message(), code=TOO_LARGE)
    upload.seek(0)
    content = upload.read(max_upload_bytes() + 1)
    if len(content) > max_upload_bytes():
        raise ValidationError(too_large_message(), code=TOO_LARGE)
    check_spend_text(content)
    return content


def check_spend_text(content: bytes) -> None:
    """Refuse anything but CSV text in UTF-8 or Windows-1252 (see the module's docstring)."""
    if not content.strip():
        raise ValidationError(_("The file is empty."), code="empty")
    if _looks_binary(content):
        raise ValidationError(not_text_message(), code=NOT_TEXT)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not readable text (UTF-8 or Windows-1252)."), code=NOT_TEXT) from None
    if b"<" in content and _MARKUP.search(text):
        raise ValidationError(not_text_message(), code=NOT_TEXT)

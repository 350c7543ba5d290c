"""The export engine's contract: what a kind of export is, and the registry of kinds.

The engine knows no app. Each app defines its kinds next to the screens they
come from (``funding/exports.py``, ``monitoring/exports.py``,
``privacy/exports.py``) and registers them in its ``AppConfig.ready()``. A kind
reuses its screen's functions: the same filter form validates the parameters,
the same query builds the rows, and the same suppression hides small numbers.

``may_request`` is asked when the job is created, when the task builds it and
when the file is downloaded: a user who loses the role in between gets nothing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from common.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_bytes, xlsx_bytes
from organisations.models import User
from privacy import access_log

from .models import ExportFormat, ExportJob


class ExportRefused(Exception):
    """The user may not (or no longer) see what the export would contain."""


class ExportInvalid(Exception):
    """The parameters no longer pass the screen's form (a silo or area was removed)."""


@dataclass
class Built:
    filename: str
    content_type: str
    content: bytes
    row_count: int
    # Whose personal data the file holds: one access-log row each.
    subjects: list[access_log.Subject] = field(default_factory=list)


def table(job: ExportJob, name: str, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Built:
    if job.format == ExportFormat.XLSX:
        return Built(f"{name}.xlsx", XLSX_CONTENT_TYPE, xlsx_bytes(title, header, rows), len(rows))
    return Built(f"{name}.csv", CSV_CONTENT_TYPE, csv_bytes(header, rows), len(rows))


def form_errors(form: Any) -> dict[str, list[str]]:
    """The form's errors per field, each named by its label: they are shown together, away from the form."""

    def label(name: str) -> str:
        field = form.fields.get(name)
        return f"{field.label}: " if field is not None and field.label else ""

    return {name: [label(name) + str(message) for message in messages] for name, messages in form.errors.items()}


class Kind(ABC):
    """What one kind of export holds and who may have it; each kind reuses its screen's form and query."""

    # The stored name of the kind and what "Mijn exports" calls it.
    key: ClassVar[str]
    label: ClassVar[Any]
    formats: frozenset[str] = frozenset()
    fields: tuple[str, ...] = ()
    personal_data = False

    @abstractmethod
    def may_request(self, user: User) -> bool: ...

    @abstractmethod
    def errors(self, user: User, parameters: Mapping[str, Any]) -> dict[str, list[str]]:
        """The screen's form errors for these parameters, per field (empty when they are valid)."""

    def person_id(self, user: User, parameters: Mapping[str, Any]) -> int | None:
        return None

    @abstractmethod
    def build(self, job: ExportJob) -> Built:
        """The file, built for ``job.requested_by`` as the screen would show it to them now."""

    def may_download(self, user: User, job: ExportJob) -> bool:
        return self.may_request(user)


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Called from an app's ``AppConfig.ready()``: one instance per key."""
    existing = KINDS.get(kind.key)
    if existing is not None and type(existing) is not type(kind):
        raise ValueError(f"export kind {kind.key!r} is registered twice")
    KINDS[kind.key] = kind


def label_of(key: str) -> str:
    kind = KINDS.get(key)
    return str(kind.label) if kind is not None else key

"""The forms whose long text fields keep a draft, and how a draft's key names its case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class DraftKind:
    code: str
    field: str  # the form field whose text is kept


KINDS = {kind.code: kind for kind in [DraftKind("contact-note", "note")]}


@dataclass(frozen=True)
class DraftKey:
    kind: DraftKind
    case_uuid: uuid.UUID

    def __str__(self) -> str:
        return f"{self.kind.code}:{self.case_uuid}"


def parse(key: str) -> DraftKey | None:
    """``contact-note:<case uuid>`` as a key, or None for anything else."""
    code, _, rest = key.partition(":")
    kind = KINDS.get(code)
    if kind is None:
        return None
    try:
        return DraftKey(kind=kind, case_uuid=uuid.UUID(rest))
    except ValueError:
        return None


def key_for(code: str, case_uuid: uuid.UUID) -> str:
    return str(DraftKey(kind=KINDS[code], case_uuid=case_uuid))


def bound_field(kind: DraftKind, text: str):  # type: ignore[no-untyped-def]
    """The form's own field with ``text`` in it, rendered as the form renders it (same id, same autosave)."""
    from cases.forms import ContactForm
    from themes.models import Theme

    form = ContactForm(initial={kind.field: text}, themes=list(Theme.objects.none()))
    return form[kind.field]

"""Access-log rows in words a resident or privacy officer reads: Dutch date and time, organisation, role, purpose.

The purpose is, for now, the screen or task named in the row's ``detail`` (a
processing activity per row comes with the processing register). Unknown
details fall back to what was read (the object's name), never a technical key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisations.models import Role

from .models import AccessLogEntry

# The screens and tasks that write a ``detail`` today, as a purpose a reader understands.
PURPOSE_OF_DETAIL = {
    "household page": gettext_lazy("working on the household's case (household page)"),
    "household funding": gettext_lazy("funding of the household's help"),
    "household search": gettext_lazy("looking up a household"),
    "caseload": gettext_lazy("own caseload"),
    "reminders": gettext_lazy("reminders for the case"),
    "contacts": gettext_lazy("working on the case (contacts)"),
    "contact form": gettext_lazy("recording a contact"),
    "blockage": gettext_lazy("a funding blockage"),
    "blockage form": gettext_lazy("a funding blockage"),
    "blockage register": gettext_lazy("the register of funding blockages"),
    "team blockages": gettext_lazy("the team's funding blockages"),
    "who viewed this household": gettext_lazy("checking who read the file"),
    "who read the file": gettext_lazy("your access request: who read the file"),
    "background export": gettext_lazy("an export"),
    "export requested": gettext_lazy("an export"),
    "export download": gettext_lazy("an export"),
    "retention: anonymised": gettext_lazy("removing data after the retention period"),
    "data-subject request lookup": gettext_lazy("handling a request about your data"),
    "data-subject erasure request": gettext_lazy("handling a request about your data"),
    "erasure confirmation": gettext_lazy("handling a request about your data"),
    "access request": gettext_lazy("handling a request about your data"),
    "access request review": gettext_lazy("handling a request about your data"),
    "access request released": gettext_lazy("handling a request about your data"),
    "access request letter": gettext_lazy("handling a request about your data"),
    "data-subject logboek export": gettext_lazy("handling a request about your data"),
    "audit cell": gettext_lazy("the audit of the funding"),
    "access log search": gettext_lazy("supervision by the privacy officer"),
    "access log (admin)": gettext_lazy("supervision by the privacy officer"),
    "privacy screens": gettext_lazy("supervision by the privacy officer"),
}

ACTION_WORDS: dict[str, Any] = {
    AccessLogEntry.Action.READ: gettext_lazy("looked at"),
    AccessLogEntry.Action.SEARCH: gettext_lazy("found in a search"),
    AccessLogEntry.Action.CREATE: gettext_lazy("added"),
    AccessLogEntry.Action.UPDATE: gettext_lazy("changed"),
    AccessLogEntry.Action.DELETE: gettext_lazy("removed"),
    AccessLogEntry.Action.PRINT: gettext_lazy("printed"),
    AccessLogEntry.Action.EXPORT: gettext_lazy("exported"),
}


@dataclass(frozen=True)
class ReadRow:
    when: str
    organisation: str
    role: str
    what: str
    purpose: str


def _object_name(object_type: str) -> str:
    try:
        model = apps.get_model(object_type) if "." in object_type else None
    except LookupError:
        model = None
    return str(model._meta.verbose_name) if model is not None else ""


def purpose_of(row: AccessLogEntry) -> str:
    known = PURPOSE_OF_DETAIL.get(row.detail)
    if known is not None:
        return str(known)
    if row.detail.startswith("list "):
        return _("a list in the connected system (API)")
    if row.detail.startswith("blockage "):
        return str(PURPOSE_OF_DETAIL["blockage"])
    return _object_name(row.object_type) or "—"


def read_row(row: AccessLogEntry) -> ReadRow:
    return ReadRow(
        when=formats.date_format(timezone.localtime(row.occurred_at), "j F Y, H:i"),
        organisation=row.organisation_name or _("unknown"),
        role=str(Role(row.role).label) if row.role in Role.values else _("unknown"),
        what=str(ACTION_WORDS.get(row.action, row.action)),
        purpose=purpose_of(row),
    )

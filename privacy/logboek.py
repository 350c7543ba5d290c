"""The access log of one data subject in the shape of the Logboek Dataverwerkingen (Logius / MinBZK).

Each access-log row is one processing (dataverwerking): its trace, its own
processing id and the operation it belongs to, a name, the time, a status, and
the attributes the standard asks for (the processing activity as a URI into
the register, the data subject's id and the type of that id), plus ours under
``wijkteam.`` (who, on whose behalf, the reason given, the delete-after day).
The mapping of our columns to the standard's fields is in
``docs/architecture.md`` ("The access log as a Logboek Dataverwerkingen").

The subject is named by a keyed pseudonym of the person's uuid, never a BSN:
the standard asks for an encrypted id, and this file may leave the building.
Rows about the person's households count only for the periods they were a
member (the person's own data, not their housemates').
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse

from cases import models as cm

from .models import AccessLogEntry

SUBJECT_ID_TYPE = "wijkteam-persoon-pseudoniem"
STATUS_OK = "STATUS_CODE_OK"
STATUS_ERROR = "STATUS_CODE_ERROR"
STATUS_UNSET = "STATUS_CODE_UNSET"
RESOURCE = {"service.name": "wijkteam", "service.version": "0.1.0"}


def subject_pseudonym(person: cm.Person) -> str:
    """A stable, keyed pseudonym of a person: the same in every export, not reversible without the key."""
    return hmac.new(settings.SECRET_KEY.encode(), f"person:{person.uuid}".encode(), hashlib.sha256).hexdigest()


def subject_condition(person: cm.Person) -> Q:
    """The rows about this person: named directly, or about a household while they were in it. One query."""
    condition = Q(person_id=person.pk)
    for membership in cm.HouseholdMembership.objects.filter(person=person).only(
        "household_id", "start_date", "end_date"
    ):
        in_period = Q(household_id=membership.household_id, occurred_at__date__gte=membership.start_date)
        if membership.end_date is not None:
            in_period &= Q(occurred_at__date__lte=membership.end_date)
        condition |= in_period
    return condition


def _millis(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def processing(row: AccessLogEntry, *, subject_id: str, register_url: str) -> dict[str, Any]:
    """One access-log row as one processing of the standard."""
    if not row.activity:
        status = STATUS_UNSET  # written before the log had activities and traces
    else:
        status = STATUS_OK if row.outcome == AccessLogEntry.Outcome.ALLOWED else STATUS_ERROR
    attributes: dict[str, Any] = {
        "dpl.core.processing_activity_id": f"{register_url}#{row.activity}" if row.activity else "",
        "dpl.core.data_subject_id": subject_id,
        "dpl.core.data_subject_id_type": SUBJECT_ID_TYPE,
        "wijkteam.user": row.username,
        "wijkteam.role": row.role,
        "wijkteam.on_behalf_of": row.on_behalf_of,
        "wijkteam.action": row.action,
        "wijkteam.outcome": row.outcome,
        "wijkteam.channel": row.channel,
        "wijkteam.object_type": row.object_type,
        "wijkteam.legal_basis": row.legal_basis,
        "wijkteam.reason": row.reason,
        "wijkteam.request_id": row.request_id,
        "wijkteam.delete_after": row.delete_after.isoformat() if row.delete_after else None,
        "wijkteam.log_seq": row.seq,
    }
    return {
        "trace_id": row.trace_id,
        "span_id": row.span_id,
        "parent_span_id": row.parent_span_id or None,
        "name": f"{row.action} {row.object_type or row.detail}".strip(),
        "start_time": _millis(row.occurred_at),
        "end_time": _millis(row.occurred_at),
        "status_code": status,
        "resource": RESOURCE,
        "attributes": attributes,
    }


def logboek_export(person: cm.Person, *, base_url: str) -> dict[str, Any]:
    """Every processing of the person's data in the access log, oldest first. Two queries."""
    register_url = base_url.rstrip("/") + reverse("privacy:register")
    subject_id = subject_pseudonym(person)
    # In the chain's order; rows the sequencer has not reached yet (no seq) come last, in insert order.
    rows = AccessLogEntry.objects.filter(subject_condition(person)).order_by(F("seq").asc(nulls_last=True), "id")
    return {
        "standard": "Logboek Dataverwerkingen",
        "data_subject": {"id": subject_id, "id_type": SUBJECT_ID_TYPE},
        "register": register_url,
        "processings": [processing(row, subject_id=subject_id, register_url=register_url) for row in rows],
    }

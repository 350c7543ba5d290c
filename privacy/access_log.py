"""Writing the access log. Every read, search, create, update, delete, print or export of
personal data, and every refused attempt, goes through :func:`record` or :func:`record_many`.

Rows never hold names, BSNs, addresses, notes or search terms: only ids, the
acting user's snapshot and a short neutral ``detail``.

Every row names its processing activity from the register (``register.py``):
the caller's ``activity``, or one derived from the role, the outcome and the
screen; where the reader's involvement decides it, also that involvement's
legal basis. It carries the Logboek Dataverwerkingen trace: the trace of the request
or task (``common.logs.trace_context``), a processing id of its own, the
operation it belongs to as parent, and the day it may be deleted.
"""

from __future__ import annotations

import secrets
import uuid as uuid_module
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection, models
from django.http import HttpRequest
from django.utils import timezone

from common.logs import new_span_id, trace_context
from organisations.models import User

from . import register, sequencer
from .models import AccessLogEntry

Action = AccessLogEntry.Action
Outcome = AccessLogEntry.Outcome
Channel = AccessLogEntry.Channel


@dataclass(frozen=True)
class Subject:
    """Whose data an access touched."""

    household_id: int | None = None
    person_id: int | None = None
    case_id: int | None = None
    object_type: str = ""
    object_uuid: uuid_module.UUID | None = None
    # What was read, when it differs from the call's ``detail`` (one INSERT, rows of two kinds).
    detail: str = ""


def subject_for(obj: models.Model | None) -> Subject:
    """The household, person and case an object belongs to, found without extra queries where possible."""
    if obj is None:
        return Subject()
    label = obj._meta.label_lower
    object_uuid = getattr(obj, "uuid", None)
    household_id: int | None = None
    person_id: int | None = None
    case_id: int | None = None
    if label == "cases.household":
        household_id = obj.pk
    elif label == "cases.person":
        person_id = obj.pk
    elif label == "cases.case":
        case_id = obj.pk
        household_id = getattr(obj, "household_id", None)
    else:
        case_id = getattr(obj, "case_id", None)
        person_id = getattr(obj, "person_id", None) or getattr(obj, "beneficiary_id", None)
        household_id = getattr(obj, "household_id", None)
        # A goal hangs under a plan version, when loaded it names the plan and its case.
        loaded_version = obj._state.fields_cache.get("plan_version")
        loaded_plan = loaded_version._state.fields_cache.get("plan") if loaded_version is not None else None
        if case_id is None and loaded_plan is not None:
            case_id = loaded_plan.case_id
        # An action, when loaded, names the case (a blockage hangs under an action).
        loaded_action = obj._state.fields_cache.get("action")
        if case_id is None and loaded_action is not None:
            case_id = loaded_action.case_id
        # The case, when the caller already loaded it, names the household for free.
        loaded_case = obj._state.fields_cache.get("case") or (
            loaded_action._state.fields_cache.get("case") if loaded_action is not None else None
        )
        if household_id is None and loaded_case is not None:
            household_id = loaded_case.household_id
    return Subject(
        household_id=household_id,
        person_id=person_id,
        case_id=case_id,
        object_type=label,
        object_uuid=object_uuid,
    )


def _actor(user: User | AnonymousUser | None) -> dict[str, Any]:
    """Who reads. The organisation's name is left to the INSERT (None) unless the user's organisation is
    loaded already: reading it here was a query of its own on every logged request (issue 17)."""
    if user is None or not user.is_authenticated:
        return {"user_id": None, "username": "", "role": "", "organisation_id": None, "organisation_name": ""}
    assert isinstance(user, User)
    loaded = User.organisation.is_cached(user)
    return {
        "user_id": user.pk,
        "username": user.get_username(),
        "role": user.role,
        "organisation_id": user.organisation_id,
        "organisation_name": (user.organisation.name if user.organisation else "") if loaded else None,
    }


def _request_fields(request: HttpRequest | None) -> dict[str, Any]:
    if request is None:
        return {"path": "", "client_address": None, "request_id": ""}
    # RequestIdMiddleware sets ``request.id`` (a sane caller's id or a new one); a bare request has the header only.
    request_id = getattr(request, "id", "") or request.headers.get("X-Request-ID", "")
    return {
        "path": request.path[:300],  # never the query string: it may hold search terms
        "client_address": request.META.get("REMOTE_ADDR") or None,
        "request_id": str(request_id)[:64],
    }


def _channel(request: HttpRequest | None, channel: str | None) -> str:
    if channel:
        return channel
    if request is None:
        return Channel.TASK
    return Channel.API if request.path.startswith("/api/") else Channel.SCREEN


def record(
    *,
    user: User | AnonymousUser | None,
    action: str,
    subject: Subject = Subject(),
    outcome: str = Outcome.ALLOWED,
    request: HttpRequest | None = None,
    channel: str | None = None,
    detail: str = "",
    on_behalf_of: str = "",
    activity: str = "",
    legal_basis: str = "",
    reason: str = "",
) -> None:
    record_many(
        user=user,
        action=action,
        subjects=[subject],
        outcome=outcome,
        request=request,
        channel=channel,
        detail=detail,
        on_behalf_of=on_behalf_of,
        activity=activity,
        legal_basis=legal_basis,
        reason=reason,
    )


def record_many(
    *,
    user: User | AnonymousUser | None,
    action: str,
    subjects: Iterable[Subject],
    outcome: str = Outcome.ALLOWED,
    request: HttpRequest | None = None,
    channel: str | None = None,
    detail: str = "",
    on_behalf_of: str = "",
    activity: str = "",
    legal_basis: str = "",
    reason: str = "",
) -> None:
    """One row per subject, in one INSERT (lists log every household they show).

    The INSERT is written by hand: what is the same for every row (who, when,
    how) is sent once, what differs (whose data) as arrays that PostgreSQL
    unnests. The ORM's bulk_create would prepare every field of every row in
    Python, which made logging a 50-row API page cost more than reading it.
    The INSERT trigger gives each row its content hash either way, without a
    lock; the sequencer (``sequencer.py``) chains the rows moments later.
    """
    subjects = list(subjects)
    if not subjects:
        return
    actor = _actor(user)
    context = _request_fields(request)
    # Empty: the organisation's name, which the INSERT reads when the actor did not have it.
    on_behalf = on_behalf_of or actor["organisation_name"] or ""
    activity = activity or register.activity_for(
        role=actor["role"], outcome=outcome, detail=detail, on_behalf_of=on_behalf_of
    )
    if activity not in register.CODES:
        raise ValueError(f"{activity!r} is not a processing activity of the register (privacy/register.py)")
    # The operation this processing is part of: the request's or task's trace, else one of its own.
    operation = trace_context.get()
    trace_id = operation.trace_id if operation else secrets.token_hex(16)
    parent_span_id = operation.span_id if operation else ""
    occurred_at = timezone.now()
    params = {
        **actor,
        **context,
        "occurred_at": occurred_at,
        "on_behalf_of": on_behalf[:200],
        "action": action,
        "outcome": outcome,
        "channel": _channel(request, channel),
        "detail": detail[:200],
        "household_ids": [subject.household_id for subject in subjects],
        "person_ids": [subject.person_id for subject in subjects],
        "case_ids": [subject.case_id for subject in subjects],
        "object_types": [subject.object_type for subject in subjects],
        "object_uuids": [subject.object_uuid for subject in subjects],
        "details": [subject.detail[:200] for subject in subjects],
        "activity": activity,
        "legal_basis": legal_basis[:20],
        "reason": reason[:200],
        "trace_id": trace_id,
        "parent_span_id": parent_span_id,
        "span_ids": [new_span_id() for _subject in subjects],
        "delete_after": register.log_delete_after(timezone.localdate(occurred_at)),
    }
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, params)
    sequencer.chain_soon()


_INSERT_SQL = """
INSERT INTO privacy_accesslogentry (
    previous_hash, entry_hash, occurred_at, user_id, username, role, organisation_id, organisation_name,
    on_behalf_of, action, outcome, channel, household_id, person_id, case_id, object_type, object_uuid,
    detail, path, client_address, request_id, activity, legal_basis, reason, trace_id, span_id, parent_span_id,
    delete_after
)
  WITH organisation AS (
           SELECT coalesce(%(organisation_name)s,
                           (SELECT name FROM organisations_organisation WHERE id = %(organisation_id)s), '') AS name
       )
SELECT '', '', %(occurred_at)s, %(user_id)s, %(username)s, %(role)s, %(organisation_id)s, organisation.name,
       coalesce(nullif(%(on_behalf_of)s, ''), left(organisation.name, 200)), %(action)s, %(outcome)s, %(channel)s,
       subject.household_id, subject.person_id, subject.case_id, subject.object_type, subject.object_uuid,
       coalesce(nullif(subject.detail, ''), %(detail)s), %(path)s, %(client_address)s::inet, %(request_id)s,
       %(activity)s, %(legal_basis)s, %(reason)s, %(trace_id)s, subject.span_id, %(parent_span_id)s, %(delete_after)s
  FROM unnest(%(household_ids)s::bigint[], %(person_ids)s::bigint[], %(case_ids)s::bigint[],
              %(object_types)s::varchar[], %(object_uuids)s::uuid[], %(details)s::varchar[], %(span_ids)s::varchar[])
       WITH ORDINALITY AS subject(household_id, person_id, case_id, object_type, object_uuid, detail, span_id,
                                  position)
       CROSS JOIN organisation
 ORDER BY subject.position
"""

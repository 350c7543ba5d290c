"""Purpose binding on the screens: which activity a household read serves, and the reason asked for once.

A reader's usual purpose follows from their own involvement in the household's
cases (coordinator, signaller, practitioner) and its legal basis; that needs
no click. A read
outside it (``register.Activity.needs_reason``: a team lead opening a household
they neither coordinate nor work on) first asks for the reason, once per
household and login session. The reason is kept in the session and written on
every access-log row of that household in that session, where the privacy
officer sees it.

A reason is a code from :data:`REASONS` and, for "other", a short explanation;
the form asks not to write names, and the log keeps at most 200 characters.

Every door to one household's data asks it the same way: the screens through
:func:`screen_purpose` (the household page, its history and contacts, its
funding page, the case's forms), the API through the ``X-Wijkteam-Reason``
header on every request (:func:`api_purposes`; an API client has no session).
The privacy officer reading a person's file for a request gives no reason by
hand: the request is the reason (:func:`subject_request_reason`).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlencode

from django import forms
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from . import register

if TYPE_CHECKING:
    from .access_log import Subject

SESSION_KEY = "privacy_purpose_reasons"
OTHER = "other"
REASONS = (
    ("standing_in", _("Standing in for the coordinator")),
    ("review", _("Quality review or case discussion with the team")),
    ("escalation", _("An escalation or a blockage in the support")),
    ("request", _("A question or complaint of the household")),
    (OTHER, _("Another reason")),
)
# The officer's reads of a person's file for a request: the request is the reason (never a form choice).
SUBJECT_REQUEST = "subject_request"
# A lead deciding on a referral in the team's inbox (cases/inbox.py): the triage is the reason.
TRIAGE = "triage"
_LABELS = {
    **dict(REASONS),
    SUBJECT_REQUEST: _("A request of the data subject (AVG)"),
    TRIAGE: _("Triage of the team's referral inbox"),
}
# The API's way to give the reason: a code of REASONS, or "other: explanation" (percent-encoded UTF-8 allowed).
REASON_HEADER = "X-Wijkteam-Reason"
# Where the purpose page returns to after the reason (a path of this site only).
NEXT_PARAM = "volgende"


class PurposeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why do you open this household?"), choices=REASONS, widget=forms.RadioSelect)
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=150,
        help_text=_("Required for another reason. Do not write names or other personal data."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == OTHER and not (data.get("explanation") or "").strip():
            self.add_error("explanation", _("Say briefly why you open this household."))
        return data

    def logged_reason(self) -> str:
        """The text written to the log: the reason's code, and the explanation when there is one."""
        explanation = " ".join((self.cleaned_data.get("explanation") or "").split())
        code = self.cleaned_data["reason"]
        return f"{code}: {explanation}"[:200] if explanation else code


def reason_for(session: SessionBase, household_id: int) -> str:
    """The reason given in this session for reading this household, or ''."""
    return str(session.get(SESSION_KEY, {}).get(str(household_id), ""))


def remember_reason(session: SessionBase, household_id: int, reason: str) -> None:
    reasons = dict(session.get(SESSION_KEY, {}))
    reasons[str(household_id)] = reason
    session[SESSION_KEY] = reasons


def needs_reason(activity: str) -> bool:
    return register.activity(activity).needs_reason


@dataclass(frozen=True)
class ReadPurpose:
    """Why a household is read: the activity, the legal basis of the reader's involvement, a reason given."""

    activity: str
    legal_basis: str = ""
    reason: str = ""

    def as_log(self) -> dict[str, str]:
        """The keyword arguments of ``access_log.record`` this purpose fills in."""
        return {"activity": self.activity, "legal_basis": self.legal_basis, "reason": self.reason}


def household_purpose(*, role: str, user_id: int, involvements: Iterable[Any]) -> ReadPurpose:
    """The purpose of a household read from the reader's own active involvements (rows or dicts).

    The legal basis is that of the involvement the activity comes from: the coordinating one if the
    reader coordinates, else their first.
    """
    mine = [row for row in involvements if _get(row, "professional_id") == user_id]
    coordinating = [row for row in mine if _get(row, "is_coordinator")]
    roles = {_get(row, "role") for row in mine}
    involvement_role = "signaller" if roles == {"signaller"} else (next(iter(roles)) if roles else None)
    activity = register.household_activity(
        role=role, involvement_role=involvement_role, is_coordinator=bool(coordinating)
    )
    basis_from = (coordinating or mine)[:1]
    return ReadPurpose(activity=activity, legal_basis=str(_get(basis_from[0], "legal_basis")) if basis_from else "")


def _get(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, dict) else getattr(row, name)


def reason_display(reason: str) -> str:
    """A logged reason for the privacy officer: the reason's label and the explanation."""
    if not reason:
        return ""
    code, _sep, explanation = reason.partition(": ")
    label = _LABELS.get(code)
    if label is None:
        return reason
    if code == SUBJECT_REQUEST and explanation:
        explanation = _subject_request_display(explanation)
    return f"{label}: {explanation}" if explanation else str(label)


# --- The privacy officer: the request is the reason ------------------------------------------------------------


def subject_request_reason(kind: str = "", received_on: datetime.date | None = None) -> str:
    """The reason written on the officer's read of a person's file: the kind of request and the day it came in."""
    if not kind or received_on is None:
        return SUBJECT_REQUEST
    return f"{SUBJECT_REQUEST}: {kind} {received_on.isoformat()}"


def _subject_request_display(explanation: str) -> str:
    from .models import DataSubjectRequest

    kind, _sep, day = explanation.partition(" ")
    try:
        received = datetime.date.fromisoformat(day)
    except ValueError:
        return explanation
    kinds = dict(DataSubjectRequest.Kind.choices)
    return gettext_now("%(kind)s, received %(date)s") % {
        "kind": kinds.get(kind, kind),
        "date": formats.date_format(received, "j F Y"),
    }


# --- Every door to one household: the same question, the same log -------------------------------------------


def _own_involvements(user: Any) -> list[dict[str, Any]]:
    """The reader's active involvements with their case's household: one query."""
    from cases.models import Involvement

    rows = (
        Involvement.objects.active()
        .filter(professional_id=user.pk)
        .values("case_id", "case__household_id", "professional_id", "is_coordinator", "role", "legal_basis")
    )
    return [dict(row) for row in rows]


def lead_purpose(user: Any, household_id: int, *, case_ids: Sequence[int] | None = None) -> ReadPurpose | None:
    """A team lead's purpose for reading a household: their own involvement there, else supervision. None for
    other roles (their purpose follows from what they read, see ``register.activity_for``). One query."""
    from .policy import oversees_team_cases

    if not oversees_team_cases(user):
        return None
    mine = [
        row
        for row in _own_involvements(user)
        if (row["case_id"] in case_ids if case_ids is not None else row["case__household_id"] == household_id)
    ]
    return household_purpose(role=user.role, user_id=user.pk, involvements=mine)


def safe_next(request: HttpRequest, value: str | None) -> str:
    """A path of this site to return to, or ''."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return ""
    return value if url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}) else ""


def screen_purpose(
    request: HttpRequest, household: Any, *, case_ids: Sequence[int] | None = None
) -> tuple[ReadPurpose | None, HttpResponse | None]:
    """The purpose of a screen's read of one household, or the redirect that asks the reason first.

    For a team lead outside their usual purpose the reason given this session goes along; without one
    the purpose page asks it (showing nothing of the household) and returns to this screen's GET URL.
    ``(None, None)`` for other readers: the caller's activity follows from the screen.
    """
    found = lead_purpose(request.user, household.pk, case_ids=case_ids)
    if found is None or not needs_reason(found.activity):
        return found, None
    reason = reason_for(request.session, household.pk)
    if reason:
        return ReadPurpose(activity=found.activity, reason=reason), None
    url = reverse("cases:household-purpose", args=[household.uuid])
    if request.path == reverse("cases:household", args=[household.uuid]):
        # The household page itself: the purpose page returns there, with the chosen case only.
        case = _valid_uuid(request.GET.get("casus"))
        return None, redirect(f"{url}?{urlencode({'casus': case})}" if case else url)
    back = request.get_full_path() if request.method in ("GET", "HEAD") else request.path
    return None, redirect(f"{url}?{urlencode({NEXT_PARAM: back})}")


def _valid_uuid(value: str | None) -> str:
    try:
        return str(uuid.UUID(value)) if value else ""
    except ValueError:
        return ""


class ReasonMissing(Exception):
    """An API read outside the reader's usual purpose came without a reason."""


class ReasonInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def header_reason(value: str | None) -> str:
    """The reason carried by the API header, as logged; '' when absent. Raises ReasonInvalid when malformed."""
    if not value:
        return ""
    code, _sep, explanation = unquote(value).partition(":")
    form = PurposeForm({"reason": code.strip(), "explanation": explanation.strip()})
    if not form.is_valid():
        raise ReasonInvalid({field: [str(error) for error in errors] for field, errors in form.errors.items()})
    return form.logged_reason()


def reason_choices() -> list[dict[str, str]]:
    return [{"code": code, "label": str(label)} for code, label in REASONS]


def api_purposes(user: Any, subjects: Sequence[Subject], header: str | None) -> list[ReadPurpose | None]:
    """Per subject of an API answer, the purpose of the read; None where the role's own activity applies.

    For a team lead, a subject of a household they work on is read for that work; one outside it is
    supervision and needs the reason of the header (:class:`ReasonMissing` when absent). One query for
    the lead's involvements, and one each to place cases and persons that name no household.
    """
    from .policy import oversees_team_cases

    if not subjects or not oversees_team_cases(user):
        return [None] * len(subjects)
    from cases.models import Case, HouseholdMembership

    involvements = _own_involvements(user)
    by_household: dict[int, list[dict[str, Any]]] = {}
    for row in involvements:
        by_household.setdefault(row["case__household_id"], []).append(row)
    unplaced_cases = {s.case_id for s in subjects if s.household_id is None and s.case_id is not None}
    case_household = (
        dict(Case.objects.filter(pk__in=unplaced_cases).values_list("pk", "household_id")) if unplaced_cases else {}
    )
    unplaced_persons = {
        s.person_id for s in subjects if s.household_id is None and s.case_id is None and s.person_id is not None
    }
    person_households: dict[int, set[int]] = {}
    if unplaced_persons:
        for person_id, household_id in HouseholdMembership.objects.filter(person_id__in=unplaced_persons).values_list(
            "person_id", "household_id"
        ):
            person_households.setdefault(person_id, set()).add(household_id)

    def households_of(subject: Subject) -> set[int]:
        if subject.household_id is not None:
            return {subject.household_id}
        if subject.case_id is not None:
            return {case_household[subject.case_id]} if subject.case_id in case_household else set()
        return person_households.get(subject.person_id or 0, set())

    purposes: list[ReadPurpose | None] = []
    outside = False
    for subject in subjects:
        households = households_of(subject)
        own = [row for household_id in households for row in by_household.get(household_id, [])]
        if own or not households:
            purposes.append(household_purpose(role=user.role, user_id=user.pk, involvements=own) if own else None)
            continue
        outside = True
        purposes.append(ReadPurpose(activity="team-supervision"))
    if not outside:
        return purposes
    reason = header_reason(header)
    if not reason:
        raise ReasonMissing
    return [
        ReadPurpose(activity=p.activity, reason=reason) if p and p.activity == "team-supervision" else p
        for p in purposes
    ]

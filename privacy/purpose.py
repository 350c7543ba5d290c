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
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.sessions.backends.base import SessionBase
from django.utils.translation import gettext_lazy as _

from . import register

SESSION_KEY = "privacy_purpose_reasons"
OTHER = "other"
REASONS = (
    ("standing_in", _("Standing in for the coordinator")),
    ("review", _("Quality review or case discussion with the team")),
    ("escalation", _("An escalation or a blockage in the support")),
    ("request", _("A question or complaint of the household")),
    (OTHER, _("Another reason")),
)
_LABELS = dict(REASONS)


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
    return f"{label}: {explanation}" if explanation else str(label)

"""The processing register (AVG art. 30, verwerkingsregister): every processing activity of Wijkteam.

Each activity has a stable code (written on every access-log row, never
renamed), its purpose, legal bases, the categories of persons and data, the
models it reaches, the kinds of organisation that receive the data, how long
the data is kept, and its safeguards. What is configuration (organisation
kinds, retention rules per silo) is read from the database when the register
is shown, so the register follows the configuration.

``PERSONAL_DATA_MODELS`` comes from the one list of models holding personal
data, ``personal_data.PERSONAL_DATA`` (which also gives each its retention
rule); ``tests/privacy/test_register.py`` fails when such a model is covered by
no activity, and when the access log writes an activity this register lacks.

A read's activity comes from its context (:func:`activity_for`); the household
page refines it by the reader's involvement (:func:`household_activity`).
Activities marked ``needs_reason`` lie outside the reader's usual purpose: the
screen asks for a reason once per household and session.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .personal_data import models_with_personal_data

# --- Shared categories ---------------------------------------------------------------

RESIDENTS = _("residents who receive support and the members of their household")
MINORS = _("minors in those households")
PROFESSIONALS = _("professionals and staff who use Wijkteam")
IDENTITY = _("identity: name, date of birth, BSN, address")
HOUSEHOLD = _("household composition and membership periods")
CASEWORK = _("casework: cases, plans, goals, actions, contacts and case conferences")
HEALTH = _("special categories: health and well-being measurements, safety signals (meldcode)")
CONSENT_DATA = _("consents given and revoked")
FUNDING = _("funding: funding streams, amounts and blockages by pseudonymous case reference")
ACCOUNT = _("accounts: user name, role, organisation, team memberships, login factors")
ACCESS = _("access log: who read which record, when and why")
KEY_FIGURES = _("key figures: people in the neighbourhood the team works with")
LOGINS = _("login records and sessions: user name, IP address, browser")

ROLE_BASED_ACCESS = _("role-based access on need-to-know (visible_to), refused attempts logged")
ACCESS_LOGGED = _("every read logged with its purpose in an append-only, hash-chained, sealed log")
TWO_FACTOR = _("login with a second factor, sessions that expire")
CONFIDENTIAL_NOTES = _("notes marked confidential are shown only inside the author's organisation")
PSEUDONYMOUS = _("pseudonymous case references only, no names or notes")
SMALL_CELLS = _("aggregates suppress cells under five households")
ENCRYPTED_BACKUPS = _("backups and seals kept outside the database")

RETENTION_CASE = "case"  # the case's retention rules per silo (RetentionRule), after closure
RETENTION_LOG = "log"  # the access log's own term (LOG_RETENTION_YEARS)
RETENTION_ACCOUNT = "account"  # while the account is active

# How long an access-log row is kept: an agreed term (BIO); five years covers a complaint, a supervisor's
# review and an access request about reads in the past.
LOG_RETENTION_YEARS = 5


@dataclass(frozen=True)
class Activity:
    code: str
    name: Promise
    purpose: Promise
    legal_bases: Sequence[Promise]
    persons: Sequence[Promise]
    data: Sequence[Promise]
    models: Sequence[str]
    recipients: Sequence[str]  # organisation kind codes; "*" = every kind configured
    retention: str
    safeguards: Sequence[Promise]
    # Outside the reader's usual purpose: a household page asks for the reason first.
    needs_reason: bool = False
    roles: Sequence[str] = field(default_factory=tuple)


CASE_MODELS = (
    "cases.household",
    "cases.person",
    "cases.householdmembership",
    "cases.case",
    "cases.casestatuschange",
    "cases.casetransfer",
    "cases.networkperson",
    "cases.involvement",
    "cases.plan",
    "cases.planversion",
    "cases.goal",
    "cases.caseconference",
    "cases.action",
    "cases.contact",
    "cases.document",
    "cases.documentcontent",
    "cases.measurement",
    "cases.measurementscore",
    "cases.consent",
    "cases.reminder",
    "drafts.draft",
    "cases.duplicatedecision",
    "cases.merge",
    "agenda.task",
    "agenda.appointment",
    "cases.meldcodestep",
)
LEGAL_TASKS = (
    _("legal task: Jeugdwet"),
    _("legal task: Wmo 2015"),
    _("legal task: Participatiewet"),
    _("legal task: Wet gemeentelijke schuldhulpverlening"),
    _("legal task: Wet publieke gezondheid"),
    _("legal task: Woningwet"),
    _("legal task: education acts"),
    _("legal task: Politiewet"),
)
AVG_PUBLIC_TASK = _("AVG art. 6(1)(e): a task in the public interest")
AVG_LEGAL_DUTY = _("AVG art. 6(1)(c): a legal obligation")
AVG_CONSENT = _("consent")

REGISTER: tuple[Activity, ...] = (
    Activity(
        code="casework",
        name=_("Support of a household by the neighbourhood team"),
        purpose=_("Giving a household integrated support: intake, plan, actions and contacts (one family, one plan)."),
        legal_bases=(AVG_PUBLIC_TASK, *LEGAL_TASKS, AVG_CONSENT),
        persons=(RESIDENTS, MINORS, KEY_FIGURES),
        data=(IDENTITY, HOUSEHOLD, CASEWORK, HEALTH, CONSENT_DATA),
        models=(
            *CASE_MODELS,
            "cases.keyfigure",
            "notifications.notification",
            "notifications.notificationsettings",
            "agenda.calendarfeed",
            "agenda.recenthousehold",
        ),
        recipients=("*",),
        retention=RETENTION_CASE,
        safeguards=(ROLE_BASED_ACCESS, ACCESS_LOGGED, TWO_FACTOR, CONFIDENTIAL_NOTES),
        roles=("professional", "team_lead"),
    ),
    Activity(
        code="case-coordination",
        name=_("Case coordination (regie)"),
        purpose=_("The coordinator keeps the plan together and aligns everyone involved with the household."),
        legal_bases=(AVG_PUBLIC_TASK, *LEGAL_TASKS, AVG_CONSENT),
        persons=(RESIDENTS, MINORS, PROFESSIONALS),
        data=(IDENTITY, HOUSEHOLD, CASEWORK, HEALTH, CONSENT_DATA),
        models=CASE_MODELS,
        recipients=("*",),
        retention=RETENTION_CASE,
        safeguards=(ROLE_BASED_ACCESS, ACCESS_LOGGED, TWO_FACTOR, CONFIDENTIAL_NOTES),
        roles=("professional", "team_lead"),
    ),
    Activity(
        code="signalling",
        name=_("Signalling and the meldcode"),
        purpose=_("Passing on a signal about a household and following the steps of the meldcode."),
        legal_bases=(AVG_LEGAL_DUTY, AVG_PUBLIC_TASK),
        persons=(RESIDENTS, MINORS),
        data=(IDENTITY, HOUSEHOLD, CASEWORK, HEALTH),
        models=("cases.household", "cases.person", "cases.case", "cases.involvement", "cases.contact"),
        recipients=("*",),
        retention=RETENTION_CASE,
        safeguards=(ROLE_BASED_ACCESS, ACCESS_LOGGED, CONFIDENTIAL_NOTES),
        roles=("professional",),
    ),
    Activity(
        code="team-supervision",
        name=_("Team leadership and quality review"),
        purpose=_("A team lead looks at a household the team supports but does not coordinate."),
        legal_bases=(AVG_PUBLIC_TASK,),
        persons=(RESIDENTS, MINORS, PROFESSIONALS),
        data=(IDENTITY, HOUSEHOLD, CASEWORK),
        models=CASE_MODELS,
        recipients=("*",),
        retention=RETENTION_CASE,
        safeguards=(ROLE_BASED_ACCESS, ACCESS_LOGGED, _("the reason is asked once per household and session")),
        needs_reason=True,
        roles=("team_lead",),
    ),
    Activity(
        code="funding-accountability",
        name=_("Funding accountability and audit"),
        purpose=_("Accounting for which funding stream paid for what, and auditing the spend."),
        legal_bases=(AVG_LEGAL_DUTY, _("Gemeentewet art. 212-213 (financial administration and audit)")),
        persons=(RESIDENTS,),
        data=(FUNDING,),
        models=(
            "funding.allocation",
            "funding.spend",
            "funding.blockage",
            "funding.blockageevent",
            "funding.spendimport",
            "exports.exportjob",
        ),
        recipients=("municipality",),
        retention=RETENTION_CASE,
        safeguards=(PSEUDONYMOUS, ROLE_BASED_ACCESS, ACCESS_LOGGED),
        roles=("auditor", "programme_bureau", "professional", "team_lead"),
    ),
    Activity(
        code="programme-monitoring",
        name=_("Programme monitoring"),
        purpose=_("Steering the programme on aggregates per neighbourhood, theme and period."),
        legal_bases=(AVG_PUBLIC_TASK, _("AVG art. 89: statistics with safeguards")),
        persons=(RESIDENTS,),
        data=(_("aggregates without personal data; blockages by pseudonymous case reference"),),
        models=("funding.blockage", "monitoring.casetiming", "monitoring.blockagefact", "exports.exportjob"),
        recipients=("municipality",),
        retention=RETENTION_CASE,
        safeguards=(SMALL_CELLS, PSEUDONYMOUS, ACCESS_LOGGED),
        roles=("programme_bureau",),
    ),
    Activity(
        code="subject-rights",
        name=_("Handling requests of data subjects"),
        purpose=_("Answering a request for access (art. 15) or erasure (art. 17) from a resident."),
        legal_bases=(AVG_LEGAL_DUTY, _("AVG art. 12-17")),
        persons=(RESIDENTS, MINORS),
        data=(IDENTITY, HOUSEHOLD, CASEWORK, HEALTH, CONSENT_DATA, ACCESS),
        models=(*CASE_MODELS, "privacy.datasubjectrequest", "privacy.disclosuredecision", "exports.exportjob"),
        recipients=(),
        retention=RETENTION_CASE,
        safeguards=(ACCESS_LOGGED, TWO_FACTOR, _("only the privacy officer; lookup by exact BSN or case reference")),
        roles=("privacy_officer",),
    ),
    Activity(
        code="access-supervision",
        name=_("Supervising access to personal data"),
        purpose=_("The privacy officer checks who read what and why (NEN 7513), and answers complaints."),
        legal_bases=(AVG_LEGAL_DUTY, _("AVG art. 5(2) and 32: accountability and security")),
        persons=(RESIDENTS, PROFESSIONALS),
        data=(ACCESS,),
        models=("privacy.accesslogentry", "privacy.officervisit"),
        recipients=(),
        retention=RETENTION_LOG,
        safeguards=(ACCESS_LOGGED, ENCRYPTED_BACKUPS, _("the log is append-only for the application")),
        roles=("privacy_officer",),
    ),
    Activity(
        code="security",
        name=_("Access control and security"),
        purpose=_("Refusing and recording access that the need-to-know rules do not allow."),
        legal_bases=(AVG_LEGAL_DUTY, _("AVG art. 32: security of processing")),
        persons=(PROFESSIONALS, RESIDENTS),
        data=(ACCOUNT, ACCESS, LOGINS),
        models=(
            "privacy.accesslogentry",
            "organisations.user",
            "organisations.teammembership",
            "accounts.apitoken",
            "accounts.identityproviderdevice",
            "otp_totp.totpdevice",
            "sessions.session",
            "axes.accessattempt",
            "axes.accessattemptexpiration",
            "axes.accesslog",
            "axes.accessfailurelog",
        ),
        recipients=(),
        retention=RETENTION_LOG,
        safeguards=(ACCESS_LOGGED, TWO_FACTOR),
    ),
    Activity(
        code="administration",
        name=_("Managing accounts and teams"),
        purpose=_("Giving professionals an account, a role and a team, and ending them."),
        legal_bases=(AVG_PUBLIC_TASK, _("AVG art. 6(1)(b)/(c): employment and the organisations' agreement")),
        persons=(PROFESSIONALS,),
        data=(ACCOUNT,),
        models=(
            "organisations.user",
            "organisations.teammembership",
            "accounts.apitoken",
            "accounts.identityproviderdevice",
            "otp_totp.totpdevice",
            "admin.logentry",
        ),
        recipients=(),
        retention=RETENTION_ACCOUNT,
        safeguards=(TWO_FACTOR, ACCESS_LOGGED),
        roles=("administrator",),
    ),
    Activity(
        code="retention",
        name=_("Retention and anonymisation"),
        purpose=_("Anonymising case data when its retention period has run out."),
        legal_bases=(AVG_LEGAL_DUTY, _("AVG art. 5(1)(e): storage limitation")),
        persons=(RESIDENTS, MINORS),
        data=(IDENTITY, HOUSEHOLD, CASEWORK, HEALTH),
        models=(*CASE_MODELS, "funding.blockage", "funding.blockageevent", "privacy.datasubjectrequest"),
        recipients=(),
        retention=RETENTION_CASE,
        safeguards=(ACCESS_LOGGED, _("the access log keeps that it happened, not what was removed")),
    ),
)

BY_CODE: dict[str, Activity] = {activity.code: activity for activity in REGISTER}
CODES = frozenset(BY_CODE)

# Every model that holds personal data, from the one list that also gives its retention rule
# (privacy/personal_data.py); the register's completeness test walks it.
PERSONAL_DATA_MODELS: tuple[str, ...] = models_with_personal_data()


def activity(code: str) -> Activity:
    return BY_CODE[code]


def activities_for_model(label: str) -> list[Activity]:
    return [entry for entry in REGISTER if label in entry.models]


# --- Deriving a read's activity from its context ---------------------------------------


def activity_for(*, role: str, outcome: str, detail: str, on_behalf_of: str = "") -> str:
    """The activity of a log row from who acts, how it ended and what screen or task it came from.

    The household page refines this by the reader's involvement (:func:`household_activity`).
    """
    if outcome == "refused":
        return "security"
    if role in ("professional", "team_lead"):
        if detail.startswith("blockage") or detail in ("team blockages", "household funding"):
            return "funding-accountability"
        return "casework"
    if role == "auditor":
        return "funding-accountability"
    if role == "programme_bureau":
        return "programme-monitoring"
    if role == "privacy_officer":
        return "access-supervision" if detail.startswith(("access log", "privacy screens")) else "subject-rights"
    if role == "administrator":
        return "administration"
    if on_behalf_of == "retention" or detail.startswith("retention"):
        return "retention"
    return "security"


def household_activity(*, role: str, involvement_role: str | None, is_coordinator: bool) -> str:
    """A household page's activity: the reader's active involvement decides; a team lead without one supervises."""
    if is_coordinator:
        return "case-coordination"
    if involvement_role == "signaller":
        return "signalling"
    if involvement_role is not None:
        return "casework"
    return "team-supervision" if role == "team_lead" else "casework"


def log_delete_after(occurred_on: datetime.date) -> datetime.date:
    """The day from which an access-log row may be deleted (Logboek Dataverwerkingen: bewaartermijn)."""
    try:
        return occurred_on.replace(year=occurred_on.year + LOG_RETENTION_YEARS)
    except ValueError:  # 29 February
        return occurred_on.replace(year=occurred_on.year + LOG_RETENTION_YEARS, day=28)


# --- The register as shown and exported -------------------------------------------------


def register_rows() -> list[dict[str, Any]]:
    """The register with the configuration filled in: organisation kinds and retention rules. Two queries."""
    from organisations.models import OrganisationKind

    from .models import RetentionRule

    kinds = {kind.code: kind.name for kind in OrganisationKind.objects.all()}
    rules = [
        f"{rule.silo.name if rule.silo else _('default')}: "
        + str(_("%(years)s years after the case closes") % {"years": rule.years_after_closure})
        for rule in RetentionRule.objects.select_related("silo")
    ]
    retention_texts = {
        RETENTION_CASE: "; ".join(rules) or str(_("the case's retention rule")),
        RETENTION_LOG: str(_("%(years)s years after the read") % {"years": LOG_RETENTION_YEARS}),
        RETENTION_ACCOUNT: str(_("while the account is in use, then removed or anonymised")),
    }
    rows = []
    for entry in REGISTER:
        recipients = list(kinds.values()) if "*" in entry.recipients else [kinds.get(c, c) for c in entry.recipients]
        rows.append(
            {
                "code": entry.code,
                "name": str(entry.name),
                "purpose": str(entry.purpose),
                "legal_bases": _texts(entry.legal_bases),
                "persons": _texts(entry.persons),
                "data": _texts(entry.data),
                "models": list(entry.models),
                "recipients": recipients,
                "retention": retention_texts[entry.retention],
                "safeguards": _texts(entry.safeguards),
                "asks_reason": entry.needs_reason,
            }
        )
    return rows


def _texts(values: Iterable[Promise]) -> list[str]:
    return [str(value) for value in values]

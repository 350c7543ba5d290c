"""One permission matrix: every URL pattern, every role, every relation to the object: the status and the log row.

Each row of ``MATRIX`` is one URL pattern and method. Its ``expect`` gives, per
role, the status, or per relation when the URL names an object:

- own       a case of the user's own team (the professional coordinates it)
- other     a case of another team the user is not involved in
- involved  a case of another team the user is currently involved in
- ended     a case of another team whose involvement of the user has ended
- closed    a closed case of the user's own team

Where a row reads personal data (``log``), the call writes one access-log row
for that object: ``allowed`` when the screen answers, ``refused`` on a 403 or a
404 of a logged-in user, with the household, person or case it aimed at. Lists
(no object) log only allowed rows and never a case the user may not see.

A URL pattern of the project without a row fails ``test_every_url_pattern_has_a_row``:
a new endpoint cannot slip in untested. Adding one is one line.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.models import Case, Contact, Involvement, NetworkPerson
from funding.models import Blockage
from organisations.models import User
from privacy.models import AccessLogEntry, DataSubjectRequest
from privacy.personal_data import PERSONAL_DATA
from tests.agenda.factories import AppointmentFactory, TaskFactory
from tests.cases.factories import (
    ActionFactory,
    CaseFactory,
    ConferenceFactory,
    ConsentFactory,
    ContactFactory,
    DocumentFactory,
    GoalFactory,
    InvolvementFactory,
    KeyFigureFactory,
    MeasurementFactory,
    MembershipFactory,
    PlanVersionFactory,
)
from tests.conftest import Personas
from tests.funding.factories import BlockageFactory
from tests.organisations.factories import NeighbourhoodFactory, TeamMembershipFactory

ROLES = ["professional", "team_lead", "bureau", "auditor", "privacy_officer", "administrator", "anonymous"]
RELATIONS = ["own", "other", "involved", "ended", "closed"]

Status = int | dict[str, int]


# --- Expectations ---------------------------------------------------------------------------------------

# Casework: the team's cases and the cases one is involved in, closed ones included.
NEED_TO_KNOW = {"own": 200, "other": 404, "involved": 200, "ended": 404, "closed": 200}


def expect(default: Status = 404, *, anonymous: int = 302, **roles: Status) -> dict[str, Status]:
    """Per role: ``default`` for every role not named, 302 (to the login page) for anonymous visitors."""
    table: dict[str, Status] = dict.fromkeys(ROLES, default)
    table["anonymous"] = anonymous
    table.update(roles)
    return table


def casework(status: Status = NEED_TO_KNOW, **roles: Status) -> dict[str, Status]:
    """Professionals and team leads by need-to-know, every other role 404."""
    return expect(404, **{"professional": status, "team_lead": status, **roles})


def only(role: str, status: int = 200, others: int = 404) -> dict[str, Status]:
    return expect(others, **{role: status})


def relation(**statuses: int) -> dict[str, int]:
    return {**NEED_TO_KNOW, **statuses}


# A team lead who works on none of the household's cases is asked the reason first on every screen of it.
LEAD_ASKS = relation(own=302, closed=302)

# Django's admin: staff only (the functional administrator), a login redirect for everyone else.
ADMIN_REDIRECT = expect(302)


@dataclass(frozen=True)
class Row:
    name: str  # the URL name, "namespace:name"
    method: str = "GET"
    target: str = ""  # which object of a relation the URL names: see TARGETS
    expect: dict[str, Status] = field(default_factory=dict)
    log: str = ""  # the access-log action a call writes, when it touches personal data
    data: Callable[[Any], dict[str, Any]] | None = None  # the POST body
    kwargs: dict[str, Any] = field(default_factory=dict)  # fixed URL arguments
    key: str = ""  # for URL patterns without a name (the admin's object shortcut)
    several: bool = False  # the page logs the object and the cases it shows with it, one row each
    query: str = ""  # a query string the screen needs
    # A 302 that shows nothing yet (the household page asking a team lead's reason first) writes no row.
    asks_first: bool = False
    # A form that shows no personal data: only a refused attempt is logged.
    refusals_only: bool = False


AUDIT_CELL = "year=2025&level=wijk&granularity=quarter&silo=&area=&period=2025-01-01"
NIL_UUID = "00000000-0000-0000-0000-000000000000"
API_NO_AUTH = 401  # DRF asks for a bearer token (WWW-Authenticate), not a login redirect
BAD_BODY = relation(own=400, involved=400, closed=400)
NO_CASEWORK = dict.fromkeys(("bureau", "auditor", "privacy_officer", "administrator"), 403)

MATRIX: list[Row] = [
    # --- Login, language, home, health (no personal data) -----------------------------------------------------
    # Vandaag, every role's start page: casework roles see case references of their own work (logged, a list).
    Row("home", expect=expect(200, anonymous=302), log="read"),
    Row("login", expect=expect(302, anonymous=200)),
    Row("login_verify", expect=expect(302, anonymous=302)),
    Row("login_enrol", expect=expect(302, anonymous=302)),
    Row("oidc_authentication_init", expect=expect(404, anonymous=404)),
    Row("oidc_authentication_callback", expect=expect(404, anonymous=404)),
    Row("logout", "POST", expect=expect(302, anonymous=302)),
    Row("set_language", "POST", expect=expect(302, anonymous=302), data=lambda t: {"language": "en"}),
    Row("healthz", expect=expect(200, anonymous=200)),
    # The session's clock and a form kept through the login (only ever the user's own: none waits here).
    Row("session_keep_alive", "POST", expect=expect(204)),
    Row("session_resume", expect=expect(302)),
    # Drafts: the user's own text, behind the case's policy (an unknown case is not found for anyone).
    Row(
        "drafts:save",
        "POST",
        expect=expect(404),
        log="update",
        data=lambda t: {"draft_key": f"contact-note:{NIL_UUID}", "note": "x"},
    ),
    Row("drafts:restore", expect=expect(404), log="read", query=f"draft_key=contact-note:{NIL_UUID}"),
    Row(
        "drafts:throw-away",
        "POST",
        expect=expect(404),
        log="update",
        data=lambda t: {"draft_key": f"contact-note:{NIL_UUID}"},
    ),
    Row("readyz", expect=expect(200, anonymous=200)),
    # --- Casework screens -------------------------------------------------------------------------------------------
    Row("cases:caseload", expect=casework(200, **NO_CASEWORK), log="read"),
    Row("cases:reminders", expect=casework(200, **NO_CASEWORK), log="read"),
    # A team lead who works on none of the household's cases is asked the reason first (privacy/purpose.py).
    Row(
        "cases:household",
        target="household",
        expect=casework(team_lead=relation(own=302, closed=302)),
        log="read",
        several=True,
        asks_first=True,
    ),
    Row("cases:household-purpose", target="household", expect=casework(), log="read", refusals_only=True),
    Row(
        "cases:household-history",
        target="household",
        expect=casework(team_lead=relation(own=302, closed=302)),
        log="read",
        asks_first=True,
    ),
    # Who viewed the household: its coordinator and the team lead of the owning team only.
    Row(
        "cases:household-viewers",
        target="household",
        expect=casework(relation(involved=404), team_lead=relation(involved=404)),
        log="read",
    ),
    Row(
        "cases:contact-list",
        target="case",
        expect=casework(team_lead=relation(own=302, closed=302)),
        log="read",
        asks_first=True,
    ),
    Row("cases:contact-create", target="case", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row("cases:referral-create", expect=casework(200)),
    # The duplicate review (issue 16): team leads only. Merging needs two records; unknown ones are not found.
    Row("cases:duplicate-queue", expect=expect(404, team_lead=200), log="read"),
    Row("cases:person-merge", expect=expect(404), log="read", kwargs={"first": NIL_UUID, "second": NIL_UUID}),
    Row("cases:person-merge", "POST", expect=expect(404), log="read", kwargs={"first": NIL_UUID, "second": NIL_UUID}),
    Row("cases:household-merge", expect=expect(404), log="read", kwargs={"first": NIL_UUID, "second": NIL_UUID}),
    Row("cases:merge-undo", expect=expect(404), log="read", kwargs={"uuid": NIL_UUID}),
    Row("cases:merge-undo", "POST", expect=expect(404), log="read", kwargs={"uuid": NIL_UUID}),
    Row("cases:search", expect=casework(200), log="search"),
    Row("cases:search", "POST", expect=casework(200), log="search", data=lambda t: {"name": "Jansen"}),
    Row("cases:plan-edit", target="case", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row("cases:plan-versions", target="case", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row(
        "cases:plan-version",
        target="case",
        expect=casework(team_lead=LEAD_ASKS),
        log="read",
        kwargs={"number": 1},
        asks_first=True,
    ),
    Row("cases:plan-print", target="case", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row("cases:action-create", target="case", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    # A contact note is corrected by its author only (the professional wrote the own and closed cases' notes).
    Row(
        "cases:contact-correct",
        target="contact",
        expect=casework(relation(involved=404), team_lead=relation(own=404, involved=404, closed=404)),
        log="read",
    ),
    # The meldcode: involved professionals only (the coordinator included); a lead who oversees the case is not.
    Row("cases:meldcode", target="case", expect=casework(team_lead=relation(own=404, closed=404)), log="read"),
    Row("cases:action-status", target="action", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row("cases:action-correct", target="action", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row("cases:measurement-create", target="case", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row("cases:conference-create", target="case", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row(
        "cases:coordinator-assign",
        target="case",
        # The team lead of the case's team only: a professional or a lead of another team is refused.
        expect=casework(
            professional=relation(own=403, involved=403, closed=403),
            team_lead=relation(involved=403, own=302, closed=302),
        ),
        log="read",
        asks_first=True,
    ),
    Row("cases:case-transition", target="case", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row("cases:involvement-create", target="case", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row(
        "cases:involvement-end", target="involvement", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True
    ),
    Row("cases:member-create", target="case", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row("cases:member-end", target="person", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row("cases:consent-create", target="case", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row("cases:consent-revoke", target="consent", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    # The team's inbox and transfers (cases/inbox.py): the decisions are a lead's of the case's own team, and
    # triage is their reason (no purpose asked); a transfer is decided by a lead of the receiving team only.
    Row("cases:inbox", expect=casework(200, **NO_CASEWORK), log="read"),
    *[
        Row(
            f"cases:referral-{decision}",
            target="case",
            expect=casework(relation(own=403, involved=403, closed=403), team_lead=relation(involved=403)),
            log="read",
        )
        for decision in ("accept", "reject", "forward")
    ],
    Row(
        "cases:transfer-request",
        target="case",
        expect=casework(relation(involved=403), team_lead=relation(involved=403, own=302, closed=302)),
        log="read",
        asks_first=True,
    ),
    Row("cases:transfer-accept", expect=expect(404), kwargs={"transfer": NIL_UUID}, log="read"),
    Row("cases:transfer-decline", expect=expect(404), kwargs={"transfer": NIL_UUID}, log="read"),
    # A new case for a known household, and the network around it: the household's own rules.
    *[
        Row(name, target="household", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True)
        for name in ("cases:household-new-case", "cases:network-create", "cases:network-edit", "cases:network-end")
    ],
    # Documents (issue #16, item 3): the case's screen; a download asks the policy of the document itself.
    Row("cases:document-list", target="case", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row(
        "cases:document-download",
        target="document",
        expect=casework(team_lead=LEAD_ASKS),
        log="read",
        asks_first=True,
    ),
    # Key figures (issue #16, item 5): the team's members; no resident's data, so only refusals are logged.
    Row("cases:area", expect=casework(200, **NO_CASEWORK), log="read"),
    Row("cases:key-figure-create", expect=casework(200, **NO_CASEWORK), log="read"),
    Row("cases:key-figure-edit", target="key_figure", expect=casework(200, **NO_CASEWORK), log="read"),
    Row("cases:key-figure-end", target="key_figure", expect=casework(200, **NO_CASEWORK), log="read"),
    # --- Funding ---------------------------------------------------------------------------------------------------
    Row("funding:team_blockages", expect=casework(200), log="read"),
    Row("funding:register", expect=expect(404, bureau=200, auditor=200), log="read"),
    Row("funding:blockage", target="blockage", expect=casework(bureau=200, auditor=200), log="read"),
    Row(
        "funding:blockage_step",
        "POST",
        target="blockage",
        expect=casework(relation(own=302, involved=302, closed=302), bureau=403, auditor=403),  # a team-level step
        log="update",
        kwargs={"step": "escalate"},
    ),
    Row("funding:blockage_register", target="action", expect=casework(), log="read"),
    Row("funding:action_pay", target="action", expect=casework(), log="read"),
    Row("funding:household", target="household", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row(
        "funding:register_export",
        "POST",
        expect=expect(404, bureau=302, auditor=302),  # a background export, then "Mijn exports"
        kwargs={"fmt": "csv"},
        data=lambda t: {"status": "all"},
    ),
    Row("funding:audit", expect=expect(404, bureau=200, auditor=200)),
    Row(
        "funding:audit_export",
        "POST",
        expect=expect(404, bureau=302, auditor=302),  # a background export, then "Mijn exports"
        kwargs={"fmt": "csv"},
        data=lambda t: {"year": "2025", "level": "wijk", "granularity": "quarter"},
    ),
    # Case references beneath a cell: the auditor only; the bureau sees aggregates only (issue 13, item 7).
    Row("funding:audit_cell", expect=expect(404, auditor=200), query=AUDIT_CELL),
    Row("funding:spend_imports", expect=expect(404, auditor=200)),
    Row("funding:spend_import", target="spend_import", expect=expect(404, auditor=200)),
    Row("funding:spend_import_progress", target="spend_import", expect=expect(404, auditor=200)),
    Row("funding:spend_import_errors", target="spend_import", expect=expect(404, auditor=200)),
    # --- Monitoring, background jobs -------------------------------------------------------------------------------
    Row("monitoring:index", expect=expect(404, bureau=200, team_lead=200)),
    Row("monitoring:print", expect=expect(404, bureau=200, team_lead=200)),
    Row("monitoring:areas", expect=expect(404, bureau=200, team_lead=200)),
    Row("monitoring:export", "POST", expect=expect(404, bureau=302, team_lead=302), kwargs={"fmt": "csv"}),
    Row("monitoring:refresh", "POST", expect=expect(404, bureau=302)),
    # Precision reviews: the bureau writes them, team leads read those of their municipalities; no personal data.
    Row("monitoring:reviews", expect=expect(404, bureau=200, team_lead=200)),
    Row("monitoring:review_create", expect=expect(404, bureau=200)),
    Row("monitoring:review_compare", expect=expect(404, bureau=302, team_lead=302)),
    Row("monitoring:review", expect=expect(404), kwargs={"uuid": NIL_UUID}),
    Row("monitoring:review_edit", expect=expect(404), kwargs={"uuid": NIL_UUID}),
    Row("jobs:probe", expect=expect(403, administrator=200)),
    # The team lead reads who joined or left their teams and who made the change (issue #12); no client data.
    Row("organisations:membership-changes", expect=expect(404, team_lead=200)),
    # The team lead's settings of the teams they lead (who pays actions from a stream); no client data.
    Row("organisations:team-settings", expect=expect(404, team_lead=200)),
    Row(
        "organisations:team-settings",
        "POST",
        expect=expect(404, team_lead=302),
        data=lambda t: {
            "team": str(t.case.team.uuid),
            f"team-{t.case.team.uuid}-allocated_by": "professional",
            f"team-{t.case.team.uuid}-shown": "professional",
        },
    ),
    # --- The privacy officer ------------------------------------------------------------------------------------------
    Row("privacy:log", expect=only("privacy_officer"), log="read"),
    Row("privacy:requests", expect=only("privacy_officer"), log="read"),
    Row("privacy:retention", expect=only("privacy_officer"), log="read"),
    Row("privacy:register", expect=only("privacy_officer"), log="read"),
    Row("privacy:register-export", expect=only("privacy_officer"), log="read", kwargs={"fmt": "csv"}),
    Row(
        "privacy:logboek",
        "POST",
        target="person",
        expect=only("privacy_officer"),
        log="export",
        data=lambda t: {"person": t.person.uuid, "received_on": "01-06-2025", "confirm": "on"},
    ),
    Row(
        "privacy:export",
        "POST",
        expect=only("privacy_officer", 302),  # JSON of a released letter: a background export, then "Mijn exports"
        log="export",
        data=lambda t: {"request": DataSubjectRequest.objects.get().uuid},
    ),
    Row("privacy:home", expect=only("privacy_officer"), log="read"),
    Row(
        "privacy:access-open",
        "POST",
        expect=only("privacy_officer", 302),  # registered for review, then the review page
        log="create",
        data=lambda t: {"person": t.person.uuid, "received_on": "01-06-2025", "confirm": "on"},
    ),
    Row("privacy:access-review", target="access_request", expect=only("privacy_officer"), log="read"),
    Row("privacy:access-reads", target="access_request", expect=only("privacy_officer"), log="read"),
    # In review: the letter page sends the officer to the review first (a released letter logs a print).
    Row("privacy:access-letter", target="access_request", expect=only("privacy_officer", 302), log="read"),
    Row(
        "privacy:access-release",
        "POST",
        target="access_request",
        expect=only("privacy_officer", 302),
        log="export",
    ),
    # --- Mijn exports: every user their own jobs; another's (or an unknown) job is not found ---------------------
    Row("exports:list", expect=expect(200)),
    Row("exports:download", expect=expect(404), kwargs={"uuid": NIL_UUID}),
    # --- Meldingen: every user their own notifications; another's (or an unknown) one is not found ----------------
    Row("notifications:inbox", expect=expect(200)),
    Row("notifications:settings", "POST", expect=expect(302), data=lambda t: {"digest": "daily"}),
    # --- The agenda: tasks and appointments are case data; the feed is opened by its secret only -------------------
    Row("agenda:task-create", target="case", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    Row("agenda:appointment-create", target="case", expect=casework(team_lead=LEAD_ASKS), log="read", asks_first=True),
    # Ticking off shows nothing of the household: back to it (302), a closed case's task stays as it was.
    Row(
        "agenda:task-done",
        "POST",
        target="task",
        expect=casework(relation(own=302, involved=302, closed=302)),
        log="update",
    ),
    Row(
        "agenda:appointment-cancel",
        "POST",
        target="appointment",
        expect=casework(relation(own=302, involved=302, closed=302)),
        log="update",
    ),
    Row("agenda:calendar", expect=casework(200), log="read"),
    Row("agenda:calendar", "POST", expect=casework(302), log="read"),
    Row("agenda:feed", expect=expect(404, anonymous=404), kwargs={"token": "no-such-token"}),
    Row("notifications:count", expect=expect(200)),
    Row("notifications:mark_all_read", method="POST", expect=expect(302)),
    Row("notifications:mark_read", method="POST", expect=expect(404), kwargs={"uuid": NIL_UUID}),
    Row("privacy:anonymise", expect=only("privacy_officer", 302), log="read"),
    # --- The API (JSON: refused visitors get 403, not a login redirect) ----------------------------------------------
    Row("api:api-root", expect=expect(200, anonymous=API_NO_AUTH)),
    # The API's description is public (it holds no data), like the code it describes.
    Row("api:schema", expect=expect(200, anonymous=200)),
    Row("api:docs", expect=expect(200, anonymous=200)),
    *[
        Row(f"api:{basename}-list", expect=expect(200, anonymous=API_NO_AUTH), log="read")
        for basename in (
            "household",
            "person",
            "case",
            "involvement",
            "plan",
            "goal",
            "action",
            "contact",
            "case-conference",
            "measurement",
            "consent",
        )
    ],
    Row("api:household-detail", target="household", expect=casework(anonymous=API_NO_AUTH), log="read"),
    Row("api:person-detail", target="person", expect=casework(anonymous=API_NO_AUTH), log="read"),
    Row("api:case-detail", target="case", expect=casework(anonymous=API_NO_AUTH), log="read"),
    Row("api:involvement-detail", target="involvement", expect=casework(anonymous=API_NO_AUTH), log="read"),
    Row("api:plan-detail", target="case", expect=casework(anonymous=API_NO_AUTH), log="read"),
    Row("api:goal-detail", target="goal", expect=casework(anonymous=API_NO_AUTH), log="read"),
    Row("api:action-detail", target="action", expect=casework(anonymous=API_NO_AUTH), log="read"),
    Row("api:contact-detail", target="contact", expect=casework(anonymous=API_NO_AUTH), log="read"),
    Row("api:case-conference-detail", target="conference", expect=casework(anonymous=API_NO_AUTH), log="read"),
    Row("api:measurement-detail", target="measurement", expect=casework(anonymous=API_NO_AUTH), log="read"),
    Row("api:consent-detail", target="consent", expect=casework(anonymous=API_NO_AUTH), log="read"),
    # An empty body: the case is found (and the attempt logged), the body refused.
    Row("api:case-coordinator", "POST", target="case", expect=casework(BAD_BODY, anonymous=API_NO_AUTH), log="update"),
    Row("api:case-transition", "POST", target="case", expect=casework(BAD_BODY, anonymous=API_NO_AUTH), log="update"),
    Row("api:action-correct", "POST", target="action", expect=casework(BAD_BODY, anonymous=API_NO_AUTH), log="update"),
    Row(
        "api:involvement-end",
        "POST",
        target="involvement",
        expect=casework(relation(closed=400), anonymous=API_NO_AUTH),  # a closed case's involvements stay as they were
        log="update",
    ),
    Row("api:consent-revoke", "POST", target="consent", expect=casework(anonymous=API_NO_AUTH), log="update"),
    *[
        Row(f"api:{basename}-{kind}", expect=expect(200, anonymous=API_NO_AUTH), kwargs=kwargs)
        for basename, lookup in (
            ("organisation", "uuid"),
            ("team", "uuid"),
            ("area", "code"),
            ("theme", "code"),
            ("instrument", "code"),
            ("silo", "code"),
        )
        for kind, kwargs in (("list", {}), ("detail", {lookup: "CONFIG"}))
    ],
    # Funding and reports (branch api). An unknown UUID stands in where the scene has no such object.
    Row("api:funding-stream-list", expect=expect(200, anonymous=API_NO_AUTH)),
    Row("api:funding-stream-detail", expect=expect(404, anonymous=API_NO_AUTH), kwargs={"uuid": NIL_UUID}),
    Row("api:allocation-list", expect=expect(200, anonymous=API_NO_AUTH), log="read"),
    # Paying an action: only who may act on its case gets past the 404; the scene's action fits no stream (400).
    Row(
        "api:allocation-list",
        "POST",
        target="action",
        expect=casework(relation(own=400, involved=400, closed=400), anonymous=API_NO_AUTH),
        log="create",
        data=lambda t: {
            "action": str(t.action.uuid),
            "stream": "FS-NONE",
            "amount": "100.00",
            "period_start": "2025-03-01",
            "period_end": "2025-03-31",
        },
    ),
    Row("api:allocation-detail", expect=expect(404, anonymous=API_NO_AUTH), log="read", kwargs={"uuid": NIL_UUID}),
    Row("api:blockage-list", expect=expect(200, anonymous=API_NO_AUTH), log="read"),
    Row(
        "api:blockage-detail",
        target="blockage",
        expect=casework(bureau=200, auditor=200, anonymous=API_NO_AUTH),
        log="read",
    ),
    Row(
        "api:blockage-escalate",
        "POST",
        target="blockage",
        # A new blockage is escalated by the team lead of its team; the professional is refused.
        expect=casework(
            relation(own=403, involved=403, closed=403),
            team_lead=relation(own=200, involved=403, closed=200),
            bureau=403,
            auditor=403,
            anonymous=API_NO_AUTH,
        ),
        log="update",
    ),
    Row(
        "api:blockage-resolve",
        "POST",
        target="blockage",
        # Resolving an open blockage is a step beyond the team: refused to every role at this level.
        expect=casework(relation(own=403, involved=403, closed=403), bureau=403, auditor=403, anonymous=API_NO_AUTH),
        log="update",
    ),
    Row("api:spend-import-list", expect=expect(200, anonymous=API_NO_AUTH)),
    Row("api:spend-import-detail", target="spend_import", expect=expect(404, auditor=200, anonymous=API_NO_AUTH)),
    Row(
        "api:report-funding-flows-list",
        expect=expect(404, bureau=200, auditor=200, anonymous=API_NO_AUTH),
        query="year=2025",
    ),
    Row("api:report-programme-list", expect=expect(404, bureau=200, team_lead=200, anonymous=API_NO_AUTH)),
    # --- Personal API tokens: every role manages its own; another's (or an unknown) token is not found ------------
    Row("api_tokens", expect=expect(200)),
    # My profile: every role keeps its own work phone number.
    Row("profile", expect=expect(200)),
    Row("profile", "POST", expect=expect(302), data=lambda t: {"phone": "030 123 45 67"}),
    Row("api_token_revoke", "POST", expect=expect(404), kwargs={"uuid": NIL_UUID}),
    # --- Django's admin: the site's own pages; every model's pages come from ADMIN_MODELS below --------------------
    Row("admin:index", expect=expect(302, administrator=200)),
    Row("admin:login", expect=expect(403, anonymous=302)),  # one login page for the whole site
    Row("admin:logout", "POST", expect=expect(302, anonymous=302)),
    Row("admin:password_change", expect=expect(302, administrator=200)),
    Row("admin:password_change_done", expect=expect(302, administrator=200)),
    Row("admin:autocomplete", expect=expect(302, administrator=403)),
    Row("admin:jsi18n", expect=expect(302, administrator=200)),
    Row("admin:view_on_site", expect=expect(302, administrator=404), kwargs={"content_type_id": 0, "object_id": 0}),
    Row("", key="admin catch-all", expect=expect(302, administrator=404)),
    Row("admin:app_list", expect=expect(302, administrator=200), kwargs={"app_label": "organisations"}),
    Row("admin:auth_user_password_change", target="admin/organisations.user", expect=expect(302, administrator=200)),
]

# Every model in the admin, by what the functional administrator may do with it:
# "configure" (view and change), "read-only" (view, no add), "none" (no permission: 403),
# "scoped" (personal data scoped by the access policy: empty lists, objects not found).
ADMIN_MODELS = {
    "auth.group": "none",
    "otp_totp.totpdevice": "none",
    "axes.accessattempt": "none",
    "axes.accesslog": "none",
    "axes.accessfailurelog": "none",
    "organisations.municipality": "configure",
    "organisations.area": "configure",
    "organisations.organisationkind": "configure",
    "organisations.organisation": "configure",
    "organisations.team": "configure",
    "organisations.teammembership": "configure",
    "organisations.user": "configure",
    "themes.theme": "configure",
    "themes.subtheme": "configure",
    "themes.instrument": "configure",
    "themes.instrumentdomain": "configure",
    "funding.silo": "configure",
    "funding.fundingstream": "configure",
    "funding.allocation": "scoped",
    "funding.spend": "scoped",
    "funding.spendimport": "configure",
    "funding.blockage": "scoped",
    "funding.blockageevent": "scoped",
    "funding.flowcell": "none",
    "funding.flowtaakveldcell": "none",
    "funding.productcategory": "configure",
    "cases.household": "hidden",
    "cases.person": "hidden",
    "cases.householdmembership": "hidden",
    "cases.case": "hidden",
    "cases.casestatuschange": "hidden",
    "cases.involvement": "hidden",
    "cases.plan": "hidden",
    "cases.planversion": "hidden",
    "cases.goal": "hidden",
    "cases.action": "hidden",
    "cases.contact": "hidden",
    "cases.caseconference": "hidden",
    "cases.measurement": "hidden",
    "cases.measurementscore": "hidden",
    "cases.consent": "hidden",
    "cases.keyfigure": "hidden",
    "privacy.accesslogentry": "hidden",
    "privacy.accessloganchor": "none",
    "privacy.retentionrule": "configure",
    "privacy.datasubjectrequest": "none",
    "privacy.disclosuredecision": "none",
    "privacy.officervisit": "none",
    "jobs.outboxmessage": "none",
    "jobs.taskexecution": "none",
    "jobs.probe": "none",
    "accounts.identityproviderdevice": "none",
    "accounts.apitoken": "none",
    "cases.reminder": "hidden",
    "cases.document": "hidden",
    "cases.documentcontent": "hidden",
    "cases.duplicatedecision": "hidden",
    "cases.merge": "hidden",
    "cases.meldcodestep": "hidden",
    "cases.casetransfer": "hidden",
    "cases.networkperson": "hidden",
    "monitoring.summaryrun": "none",
    "monitoring.casemonthsummary": "none",
    "monitoring.goalmonthsummary": "none",
    "monitoring.instrumentmonthsummary": "none",
    "monitoring.coordinationmonthsummary": "none",
    "monitoring.casetiming": "none",
    "monitoring.fundingmonthsummary": "none",
    "monitoring.blockagefact": "none",
    "monitoring.blockagecell": "none",
    "monitoring.precisionreview": "none",
    "exports.exportjob": "none",
}

# The administrator's status per admin page of a model, by kind.
# Admin pages of a model with personal data pass the privacy door (privacy/admin_door.py): the list logs a
# search, an object's page (change, history, delete) a read; without the model's permission a logged 403,
# an object the admin's queryset (the access policy, for casework) does not give a logged 404.
ADMIN_PAGES = {
    #              changelist add  change history delete object shortcut
    "configure": (200, 200, 200, 200, 200, 302),
    "scoped": (200, 200, 404, 404, 404, 302),
    "none": (403, 403, 403, 403, 403, 302),
    # Casework: no permission, and the access policy hides every object from the administrator.
    "hidden": (403, 403, 403, 403, 403, 302),
}
# Django's history page of a model without personal data looks the object up before the permission: 403 when
# the scene has an object of the model, else "not found" (302).
HISTORY = 0
ADMIN_LOGGED_PAGES = {"changelist": "search", "change": "read", "history": "read", "delete": "read"}


def admin_rows() -> Iterator[Row]:
    for label, kind in ADMIN_MODELS.items():
        app_label, model_name = label.split(".")
        statuses = ADMIN_PAGES[kind]
        prefix = f"admin:{app_label}_{model_name}"
        for page, status in zip(("changelist", "add", "change", "history", "delete"), statuses, strict=False):
            name = f"{prefix}_{page}"
            target = f"admin/{label}" if page in {"change", "history", "delete"} else ""
            log = ADMIN_LOGGED_PAGES.get(page, "") if label in PERSONAL_DATA else ""
            if page == "history" and kind == "none" and label not in PERSONAL_DATA:
                status = HISTORY
            yield Row(name, target=target, expect=expect(302, administrator=status), log=log)
        yield Row(
            "", key=f"admin object {label}", target=f"admin/{label}", expect=expect(302, administrator=statuses[5])
        )
    for page in ("config", "qrcode"):
        yield Row(
            f"admin:otp_totp_totpdevice_{page}",
            target="admin/otp_totp.totpdevice",
            expect=expect(302, administrator=403),
        )


ALL_ROWS = MATRIX + list(admin_rows())


# --- Every URL pattern has a row ---------------------------------------------------------------------------


def pattern_keys(patterns: list[Any] | None = None, namespace: str = "", route: str = "") -> Iterator[str]:
    """The key of every URL pattern: its full name, or for the admin's unnamed patterns a description."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        here = route + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from pattern_keys(pattern.url_patterns, inner, here)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name
        elif here.endswith("<path:object_id>/"):
            app_label, model_name = here.split("/")[1:3]
            yield f"admin object {app_label}.{model_name}"
        else:
            yield "admin catch-all" if namespace == "admin:" else f"unnamed {here}"


def test_every_url_pattern_has_a_row() -> None:
    keys = set(pattern_keys())
    rows = {row.key or row.name for row in ALL_ROWS}
    assert sorted(keys - rows) == [], "URL patterns without a row in the permission matrix"
    assert sorted(rows - keys) == [], "rows for URL patterns that no longer exist"


def test_every_admin_model_has_a_kind() -> None:
    assert sorted(model._meta.label_lower for model in admin.site._registry) == sorted(ADMIN_MODELS)


# --- The scene: one case per relation ---------------------------------------------------------------------------


@dataclass
class Target:
    """The objects of one relation: a case and what hangs under it."""

    case: Case
    person: Any
    action: Any
    involvement: Involvement
    consent: Any
    goal: Any
    contact: Contact
    conference: Any
    measurement: Any
    blockage: Blockage
    network: Any
    document: Any
    task: Any
    appointment: Any

    @property
    def household(self) -> Any:
        return self.case.household


def a_target(personas: Personas, *, team: Any, coordinator: User, closed: bool = False) -> Target:
    with transaction.atomic():
        case = CaseFactory(team=team, coordinator=coordinator, closed=closed)
    member = MembershipFactory(household=case.household)
    # A colleague's involvement (not the coordinator's), for the screens that end one.
    involvement = InvolvementFactory(case=case, professional=TeamMembershipFactory(team=team).user)
    case.plan.version = 1
    case.plan.save()
    version = PlanVersionFactory(plan=case.plan, number=1, created_by=coordinator)
    action = ActionFactory(case=case, beneficiary=member.person, created_by=coordinator)
    consent = ConsentFactory(case=case, person=member.person, recorded_by=coordinator)
    return Target(
        case=case,
        person=member.person,
        action=action,
        involvement=involvement,
        consent=consent,
        goal=GoalFactory(plan_version=version),
        contact=ContactFactory(case=case, author=coordinator),
        conference=ConferenceFactory(case=case, created_by=coordinator),
        measurement=MeasurementFactory(case=case, person=member.person, measured_by=coordinator),
        blockage=BlockageFactory(action=action, opened_by=coordinator),
        network=NetworkPerson.objects.create(
            household=case.household,
            name="Oma",
            related_to=member.person,
            relation="grandparent",
            created_by=coordinator,
        ),
        document=DocumentFactory(case=case, author=coordinator),
        task=TaskFactory(case=case, owner=coordinator),
        appointment=AppointmentFactory(case=case, owner=coordinator),
    )


@dataclass
class Scene:
    personas: Personas
    targets: dict[str, Target]
    spend_import: Any
    access_request: Any
    key_figure: Any


def build_scene(personas: Personas) -> Scene:
    from organisations.seed import _grant_administrator_permissions

    _grant_administrator_permissions([personas.administrator])
    for user in (personas.bureau, personas.auditor):  # the funding roles oversee the teams' municipality
        user.organisation.municipality = personas.team_a.municipality
        user.organisation.save()
    prof, lead = personas.professional, personas.team_lead
    targets = {
        "own": a_target(personas, team=personas.team_a, coordinator=prof),
        "other": a_target(personas, team=personas.team_b, coordinator=personas.professional_b),
        "involved": a_target(personas, team=personas.team_b, coordinator=personas.professional_b),
        "ended": a_target(personas, team=personas.team_b, coordinator=personas.professional_b),
        "closed": a_target(personas, team=personas.team_a, coordinator=prof, closed=True),
    }
    for user in (prof, lead):
        InvolvementFactory(case=targets["involved"].case, professional=user)
        InvolvementFactory(case=targets["ended"].case, professional=user, end_date=datetime.date(2025, 3, 1))
    from tests.funding.factories import SpendImportFactory, StreamFactory

    StreamFactory(municipality=personas.team_a.municipality)

    from privacy.subject_access import subject_access_open

    access_request = subject_access_open(
        person=targets["own"].person, received_on=datetime.date(2025, 6, 1), by=personas.privacy_officer
    )
    spend_import = SpendImportFactory(uploaded_by=personas.auditor, municipality=personas.team_a.municipality)
    buurt = NeighbourhoodFactory(parent__municipality=personas.team_a.municipality)
    personas.team_a.areas.add(buurt)
    key_figure = KeyFigureFactory(team=personas.team_a, area=buurt)
    return Scene(personas, targets, spend_import, access_request, key_figure)


# --- Calling a row --------------------------------------------------------------------------------------------------


URL_OBJECTS = {"case": "case", "case_uuid": "case", "action": "action", "action_uuid": "action"}
URL_OBJECTS |= {"involvement": "involvement", "person": "person", "consent": "consent"}
URL_OBJECTS |= {"entry": "network"}


def admin_object(label: str) -> Any:
    from django.apps import apps

    model = apps.get_model(label)
    return model._default_manager.order_by("pk").first()


def url_for(row: Row, scene: Scene, target: Target | None) -> str:
    if row.key == "admin catch-all":
        return "/beheer/geen-pagina/"
    if row.key.startswith("admin object "):
        label = row.key.removeprefix("admin object ")
        obj = admin_object(label)
        app_label, model_name = label.split(".")
        return f"/beheer/{app_label}/{model_name}/{obj.pk if obj else 0}/"
    kwargs = dict(row.kwargs)
    for name in _kwarg_names(row.name) - set(kwargs):
        if name in {"object_id", "pk", "id"}:
            obj = admin_object(row.target.removeprefix("admin/"))
            kwargs[name] = obj.pk if obj else 0
        elif name in URL_OBJECTS:
            assert target is not None
            kwargs[name] = getattr(target, URL_OBJECTS[name]).uuid
        elif row.target == "spend_import":
            kwargs[name] = scene.spend_import.uuid
        elif row.target == "access_request":
            kwargs[name] = scene.access_request.uuid
        elif row.target == "key_figure":
            kwargs[name] = scene.key_figure.uuid
        else:
            assert target is not None, row
            kwargs[name] = getattr(target, row.target).uuid
    for name, value in kwargs.items():
        if value == "CONFIG":
            kwargs[name] = config_lookup(row.name)
    return reverse(row.name, kwargs=kwargs) + (f"?{row.query}" if row.query else "")


def _kwarg_names(name: str) -> set[str]:
    return {param for params in _reverse_possibilities(name) for param in params}


def _reverse_possibilities(name: str) -> list[list[str]]:
    resolver = get_resolver()
    *namespaces, view = name.split(":")
    for namespace in namespaces:
        resolver = resolver.namespace_dict[namespace][1]
    return [params for possibilities, *_ in resolver.reverse_dict.getlist(view) for _text, params in possibilities]


def config_lookup(name: str) -> str:
    from organisations.models import Area, Organisation, Team
    from themes.models import Instrument, Theme

    basename = name.removeprefix("api:").removesuffix("-detail")
    if basename in {"organisation", "team"}:
        model = Organisation if basename == "organisation" else Team
        return str(model.objects.order_by("pk").first().uuid)  # type: ignore[union-attr]
    from funding.models import Silo

    model = {"area": Area, "theme": Theme, "instrument": Instrument, "silo": Silo}[basename]
    return str(model.objects.order_by("pk").first().code)  # type: ignore[union-attr]


def expected_status(row: Row, role: str, relation: str | None) -> int:
    status = row.expect[role]
    if status == HISTORY:
        return 403 if admin_object(row.target.removeprefix("admin/")) else 302
    if isinstance(status, dict):
        assert relation is not None
        return status[relation]
    return status


def call(client: Client, row: Row, url: str, target: Target | None) -> Any:
    if row.method == "POST":
        data = row.data(target) if row.data else {}
        return (
            client.post(url, data, content_type="application/json")
            if url.startswith("/api/")
            else client.post(url, data)
        )
    return client.get(url)


def log_problems(
    row: Row, role: str, status: int, rows: list[AccessLogEntry], target: Target | None, scene: Scene
) -> list[str]:
    """What is wrong with the access-log rows one call wrote."""
    if not row.log or role == "anonymous":
        return [f"wrote {len(rows)} log rows, expected none"] if rows and not row.log else []
    if (row.asks_first and status == 302) or (row.refusals_only and status == 200):
        return [f"wrote {len(rows)} log rows, expected none"] if rows else []
    if row.target and target is not None and row.target != "spend_import":
        outcome = "allowed" if status in (200, 201, 302, 400) else "refused"
        ids = {
            ("household", target.case.household_id),
            ("case", target.case.pk),
            ("person", target.person.pk),
        }
        problems = []
        if len(rows) != 1 and not (row.several and rows and outcome == "allowed"):
            problems.append(f"wrote {len(rows)} log rows, expected one")
        for entry in rows:
            got = {("household", entry.household_id), ("case", entry.case_id), ("person", entry.person_id)}
            if (entry.action, entry.outcome) != (row.log, outcome) or not ids & got:
                problems.append(
                    f"log row {entry.action}/{entry.outcome} h={entry.household_id} c={entry.case_id} "
                    f"p={entry.person_id}, expected {row.log}/{outcome} on the {row.target}"
                )
        return problems
    if status in (403, 404):
        refused = [entry for entry in rows if (entry.action, entry.outcome) == (row.log, "refused")]
        return [] if len(rows) == 1 and refused else [f"wrote {len(rows)} log rows, expected one refused"]
    # A list: only allowed rows, never a case the user may not see.
    hidden = (
        {scene.targets[name].case.pk for name in ("other", "ended")} if role in ("professional", "team_lead") else set()
    )
    return [
        f"list log row {entry.action}/{entry.outcome} case={entry.case_id}"
        for entry in rows
        if (entry.action, entry.outcome) != (row.log, "allowed") or entry.case_id in hidden
    ]


LOGGING_OUT = {"logout", "admin:logout"}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_matrix_says_and_leaves_its_log_rows(
    client: Client, log_in, personas: Personas, time_machine, role: str
) -> None:
    time_machine.move_to(datetime.datetime(2025, 6, 2, 10, 0, tzinfo=datetime.UTC), tick=False)
    scene = build_scene(personas)
    if role != "anonymous":
        client = log_in(getattr(personas, role))
    if role == "team_lead":
        # The API asks a lead outside their own work for the reason on every request (privacy/api.py).
        client.defaults["HTTP_X_WIJKTEAM_REASON"] = "review"
    problems: list[str] = []
    for row in ALL_ROWS:
        relations: list[str | None] = list(RELATIONS) if row.target and row.target in TARGET_NAMES else [None]
        for relation in relations:
            target = scene.targets[relation] if relation else scene.targets["own"]
            url = url_for(row, scene, target)
            # By id: a row has its seq only once the sequencer chained it.
            before = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
            response = call(client, row, url, target)
            written = list(AccessLogEntry.objects.filter(id__gt=before).order_by("id"))
            if row.name in LOGGING_OUT and role != "anonymous":
                client = log_in(getattr(personas, role))
                if role == "team_lead":
                    client.defaults["HTTP_X_WIJKTEAM_REASON"] = "review"
            expected = expected_status(row, role, relation)
            where = f"{row.method} {row.key or row.name} [{relation or '-'}] as {role}"
            if response.status_code != expected:
                problems.append(f"{where}: {response.status_code}, expected {expected} {response.get('Location', '')}")
            problems += [
                f"{where}: {problem}"
                for problem in log_problems(
                    row, role, response.status_code, written, target if relation else None, scene
                )
            ]
    assert not problems, "\n".join(problems)


TARGET_NAMES = {"household", "case", "action", "involvement", "person", "consent", "goal", "contact"}
TARGET_NAMES |= {"conference", "measurement", "blockage", "document", "task", "appointment"}

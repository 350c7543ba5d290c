"""A purpose on every read (#13 item 2): every door to personal data writes rows with a processing activity.

The admin site (/beheer/) is walked too, from its registry: the list and the change page of every
registered model with personal data (``privacy/admin_door.py``).

The walk has two halves. The first makes every URL of the project choose: it is a door to personal data
(in ``DOORS``, with how to knock), or it says why it is not (``NOT_A_DOOR``); a new URL in neither fails.
The second knocks on every door as the persona who uses it and reads the rows it wrote: each names an
activity of the processing register, and a door to one household's data, opened by a team lead who does
not work on that household, carries the reason the lead gave (on the screens once per household and
session, on the API in the ``X-Wijkteam-Reason`` header).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from agenda.models import CalendarFeed
from cases.models import Case, Household, HouseholdMembership, Reminder
from funding.tasks import refresh_flow_summary
from privacy import register
from privacy.exports import SUBJECT_ACCESS
from privacy.models import AccessLogEntry
from privacy.personal_data import PERSONAL_DATA
from privacy.purpose import REASON_HEADER
from privacy.subject_access import subject_access_open, subject_access_release
from tests.agenda.factories import AppointmentFactory, TaskFactory
from tests.cases.factories import (
    ActionFactory,
    CaseFactory,
    ConferenceFactory,
    ConsentFactory,
    ContactFactory,
    DocumentFactory,
    GoalFactory,
    MeasurementFactory,
    MembershipFactory,
    PlanVersionFactory,
)
from tests.conftest import Personas
from tests.exports.factories import ExportJobFactory
from tests.funding.factories import AllocationFactory, BlockageFactory, StreamFactory

pytestmark = pytest.mark.django_db


@dataclass
class World:
    personas: Personas
    case: Case
    household: Household
    membership: HouseholdMembership
    objects: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.objects[name]
        except KeyError as error:
            raise AttributeError(name) from error


@dataclass(frozen=True)
class Door:
    """How to knock: who, how, where; ``household_bound`` doors are knocked on by a team lead outside purpose."""

    persona: str
    url: Callable[[World], str]
    method: str = "get"
    data: Callable[[World], dict[str, Any]] = lambda world: {}
    household_bound: bool = False


def _case(name: str, *extra: Callable[[World], Any]) -> Callable[[World], str]:
    return lambda w: reverse(name, kwargs={"case": w.case.uuid, **{k: v(w) for k, v in (extra or ())}})


def _api(basename: str, obj: Callable[[World], Any] | None = None, key: str = "uuid") -> Callable[[World], str]:
    if obj is None:
        return lambda w: reverse(f"api:{basename}-list")
    return lambda w: reverse(
        f"api:{basename}-detail", kwargs={key: getattr(obj(w), key if key != "case_uuid" else "uuid")}
    )


def _officer_subject(w: World) -> dict[str, Any]:
    return {"person": str(w.membership.person.uuid), "received_on": "2026-11-20", "confirm": "on"}


def _inbox_with_a_referral(w: World) -> str:
    """The team's inbox, with a referral of team A waiting in it."""
    referral = CaseFactory(team=w.personas.team_a, status="aanmelding")
    referral.involvements.all().delete()
    return reverse("cases:inbox")


def _transfer_to_team_a(name: str) -> Callable[[World], str]:
    """A transfer of a team B case waiting for team A's lead."""

    def url(w: World) -> str:
        from cases.models import CaseTransfer

        case = CaseFactory(team=w.personas.team_b)
        transfer = CaseTransfer.objects.create(
            case=case, kind="transfer", from_team=case.team, to_team=w.personas.team_a, note="Verhuisd",
            requested_by=w.personas.professional_b,
        )  # fmt: skip
        return reverse(name, args=[transfer.uuid])

    return url


def _network(name: str) -> Callable[[World], str]:
    def url(w: World) -> str:
        from cases.models import NetworkPerson

        entry = NetworkPerson.objects.create(
            household=w.household, name="Oma", related_to=w.membership.person, relation="grandparent",
            created_by=w.personas.professional,
        )  # fmt: skip
        return reverse(name, args=[w.household.uuid, entry.uuid])

    return url


DOORS: dict[str, Door] = {
    # The household's own screens: a team lead who does not work on it gives a reason first.
    "cases:household": Door(
        "team_lead", lambda w: reverse("cases:household", args=[w.household.uuid]), household_bound=True
    ),
    "cases:household-history": Door(
        "team_lead", lambda w: reverse("cases:household-history", args=[w.household.uuid]), household_bound=True
    ),
    "cases:contact-list": Door(
        "team_lead", lambda w: reverse("cases:contact-list", args=[w.case.uuid]), household_bound=True
    ),
    "cases:contact-create": Door(
        "team_lead", lambda w: reverse("cases:contact-create", args=[w.case.uuid]), household_bound=True
    ),
    "funding:household": Door(
        "team_lead", lambda w: reverse("funding:household", args=[w.household.uuid]), household_bound=True
    ),
    # The case's forms.
    "cases:plan-edit": Door("team_lead", _case("cases:plan-edit"), household_bound=True),
    "cases:plan-versions": Door("team_lead", _case("cases:plan-versions"), household_bound=True),
    "cases:plan-version": Door("team_lead", _case("cases:plan-version", ("number", lambda w: 1)), household_bound=True),
    "cases:action-create": Door("team_lead", _case("cases:action-create"), household_bound=True),
    "cases:action-status": Door(
        "team_lead", _case("cases:action-status", ("action", lambda w: w.action.uuid)), household_bound=True
    ),
    "cases:action-correct": Door(
        "team_lead", _case("cases:action-correct", ("action", lambda w: w.action.uuid)), household_bound=True
    ),
    "cases:measurement-create": Door("team_lead", _case("cases:measurement-create"), household_bound=True),
    "cases:plan-print": Door("team_lead", _case("cases:plan-print"), household_bound=True),
    "cases:document-list": Door("team_lead", _case("cases:document-list"), household_bound=True),
    "cases:document-download": Door(
        "team_lead", _case("cases:document-download", ("document", lambda w: w.document.uuid)), household_bound=True
    ),
    # The author corrects a note; the meldcode is for involved professionals: no lead outside purpose gets in.
    "cases:contact-correct": Door(
        "professional", _case("cases:contact-correct", ("contact", lambda w: w.contact.uuid))
    ),
    "cases:meldcode": Door("professional", _case("cases:meldcode")),
    "cases:conference-create": Door("team_lead", _case("cases:conference-create"), household_bound=True),
    "cases:coordinator-assign": Door("team_lead", _case("cases:coordinator-assign"), household_bound=True),
    "cases:case-transition": Door("team_lead", _case("cases:case-transition"), household_bound=True),
    "cases:involvement-create": Door("team_lead", _case("cases:involvement-create"), household_bound=True),
    "cases:involvement-end": Door(
        "team_lead",
        _case("cases:involvement-end", ("involvement", lambda w: w.case.involvements.get().uuid)),
        household_bound=True,
    ),
    "cases:member-create": Door("team_lead", _case("cases:member-create"), household_bound=True),
    "cases:member-end": Door(
        "team_lead", _case("cases:member-end", ("person", lambda w: w.membership.person.uuid)), household_bound=True
    ),
    "cases:consent-create": Door("team_lead", _case("cases:consent-create"), household_bound=True),
    "cases:consent-revoke": Door(
        "team_lead", _case("cases:consent-revoke", ("consent", lambda w: w.consent.uuid)), household_bound=True
    ),
    # The inbox, transfers, a new case for a known household and the network around it (cases/inbox.py, network.py).
    "cases:transfer-request": Door("team_lead", _case("cases:transfer-request"), household_bound=True),
    "cases:household-new-case": Door(
        "team_lead", lambda w: reverse("cases:household-new-case", args=[w.household.uuid]), household_bound=True
    ),
    "cases:network-create": Door(
        "team_lead", lambda w: reverse("cases:network-create", args=[w.household.uuid]), household_bound=True
    ),
    "cases:network-edit": Door("team_lead", _network("cases:network-edit"), household_bound=True),
    "cases:network-end": Door("team_lead", _network("cases:network-end"), household_bound=True),
    # The API's doors to one household's data: the reason travels in a header.
    "api:household-list": Door("team_lead", _api("household"), household_bound=True),
    "api:household-detail": Door("team_lead", _api("household", lambda w: w.household), household_bound=True),
    "api:person-list": Door("team_lead", _api("person"), household_bound=True),
    "api:person-detail": Door("team_lead", _api("person", lambda w: w.membership.person), household_bound=True),
    "api:case-list": Door("team_lead", _api("case"), household_bound=True),
    "api:case-detail": Door("team_lead", _api("case", lambda w: w.case), household_bound=True),
    "api:involvement-list": Door("team_lead", _api("involvement"), household_bound=True),
    "api:involvement-detail": Door(
        "team_lead", _api("involvement", lambda w: w.case.involvements.get()), household_bound=True
    ),
    "api:plan-list": Door("team_lead", _api("plan"), household_bound=True),
    "api:plan-detail": Door(
        "team_lead", lambda w: reverse("api:plan-detail", kwargs={"case_uuid": w.case.uuid}), household_bound=True
    ),
    "api:goal-list": Door("team_lead", _api("goal"), household_bound=True),
    "api:goal-detail": Door("team_lead", _api("goal", lambda w: w.goal), household_bound=True),
    "api:action-list": Door("team_lead", _api("action"), household_bound=True),
    "api:action-detail": Door("team_lead", _api("action", lambda w: w.action), household_bound=True),
    "api:contact-list": Door("team_lead", _api("contact"), household_bound=True),
    "api:contact-detail": Door("team_lead", _api("contact", lambda w: w.contact), household_bound=True),
    "api:case-conference-list": Door("team_lead", _api("case-conference"), household_bound=True),
    "api:case-conference-detail": Door(
        "team_lead", _api("case-conference", lambda w: w.conference), household_bound=True
    ),
    "api:measurement-list": Door("team_lead", _api("measurement"), household_bound=True),
    "api:measurement-detail": Door("team_lead", _api("measurement", lambda w: w.measurement), household_bound=True),
    "api:consent-list": Door("team_lead", _api("consent"), household_bound=True),
    "api:consent-detail": Door("team_lead", _api("consent", lambda w: w.consent), household_bound=True),
    # The agenda's forms of a case.
    "agenda:task-create": Door("team_lead", _case("agenda:task-create"), household_bound=True),
    "agenda:appointment-create": Door("team_lead", _case("agenda:appointment-create"), household_bound=True),
    # Doors whose purpose is the reader's own work: an activity, no reason.
    "home": Door("professional", lambda w: reverse("home")),
    "agenda:task-done": Door("professional", lambda w: reverse("agenda:task-done", args=[w.task.uuid]), "post"),
    "agenda:appointment-cancel": Door(
        "professional", lambda w: reverse("agenda:appointment-cancel", args=[w.appointment.uuid]), "post"
    ),
    "agenda:feed": Door("professional", lambda w: reverse("agenda:feed", args=[w.feed.token])),
    "cases:caseload": Door("professional", lambda w: reverse("cases:caseload")),
    "cases:inbox": Door("professional", _inbox_with_a_referral),
    # A lead's triage of a referral: the triage is the reason, no purpose is asked first.
    "cases:referral-accept": Door("team_lead", _case("cases:referral-accept")),
    "cases:referral-reject": Door("team_lead", _case("cases:referral-reject")),
    "cases:referral-forward": Door("team_lead", _case("cases:referral-forward")),
    "cases:transfer-accept": Door("team_lead", _transfer_to_team_a("cases:transfer-accept")),
    "cases:transfer-decline": Door("team_lead", _transfer_to_team_a("cases:transfer-decline")),
    "cases:reminders": Door("professional", lambda w: reverse("cases:reminders")),
    "cases:search": Door(
        "professional", lambda w: reverse("cases:search"), "post", lambda w: {"bsn": w.membership.person.bsn}
    ),
    "cases:household-viewers": Door(
        "professional", lambda w: reverse("cases:household-viewers", args=[w.household.uuid])
    ),
    "funding:team_blockages": Door("professional", lambda w: reverse("funding:team_blockages")),
    "funding:blockage": Door("professional", lambda w: reverse("funding:blockage", args=[w.blockage.uuid])),
    "funding:blockage_register": Door(
        "professional", lambda w: reverse("funding:blockage_register", args=[w.action.uuid])
    ),
    "funding:action_pay": Door("professional", lambda w: reverse("funding:action_pay", args=[w.action.uuid])),
    "funding:register": Door("bureau", lambda w: reverse("funding:register")),
    "funding:audit_cell": Door(
        "auditor",
        lambda w: (
            reverse("funding:audit_cell")
            + f"?year=2025&level=wijk&granularity=quarter&silo={w.allocation.stream.silo.code}&area=&period=2025-01-01"
        ),
    ),
    "api:allocation-list": Door("professional", _api("allocation")),
    "api:allocation-detail": Door("professional", _api("allocation", lambda w: w.allocation)),
    "api:blockage-list": Door("professional", _api("blockage")),
    "api:blockage-detail": Door("professional", _api("blockage", lambda w: w.blockage)),
    "exports:download": Door("privacy_officer", lambda w: reverse("exports:download", args=[w.export.uuid])),
    # The privacy officer's doors: reading a person's file for a request is its own activity.
    "privacy:home": Door("privacy_officer", lambda w: reverse("privacy:home")),
    "privacy:log": Door("privacy_officer", lambda w: reverse("privacy:log"), "post", lambda w: {"username": "prof-a"}),
    "privacy:requests": Door(
        "privacy_officer", lambda w: reverse("privacy:requests"), "post", lambda w: {"bsn": w.membership.person.bsn}
    ),
    "privacy:access-review": Door(
        "privacy_officer", lambda w: reverse("privacy:access-review", args=[w.request_in_review.uuid])
    ),
    "privacy:access-letter": Door(
        "privacy_officer", lambda w: reverse("privacy:access-letter", args=[w.released.uuid])
    ),
    "privacy:access-reads": Door("privacy_officer", lambda w: reverse("privacy:access-reads", args=[w.released.uuid])),
    "privacy:anonymise": Door("privacy_officer", lambda w: reverse("privacy:anonymise"), "post", _officer_subject),
    "privacy:logboek": Door("privacy_officer", lambda w: reverse("privacy:logboek"), "post", _officer_subject),
}

# What the officer's request-bound doors write: the activity of handling a request, and that request as reason.
OFFICER_FILE_DOORS = {
    "privacy:access-review",
    "privacy:access-letter",
    "privacy:access-reads",
    "privacy:anonymise",
    "privacy:logboek",
    "privacy:requests",
}

NOT_A_DOOR: dict[str, str] = {
    "cases:household-purpose": "asks the reason and shows nothing of the household (a refused attempt is logged)",
    "agenda:calendar": "the user's own calendar address",
    "notifications:settings": "the user's own digest choice",
    "login": "logging in",
    "login_verify": "logging in",
    "login_enrol": "logging in",
    "oidc_authentication_init": "logging in",
    "oidc_authentication_callback": "logging in",
    "logout": "logging out",
    "api_tokens": "the user's own API tokens",
    "profile": "the user's own contact details",
    "api_token_revoke": "the user's own API tokens",
    "set_language": "a language choice",
    "cases:area": "the team's area: its buurten and key figures (professionals and places it works with, no residents)",
    "cases:key-figure-create": "key figures: professionals and places a team works with, no residents",
    "cases:key-figure-edit": "key figures: professionals and places a team works with, no residents",
    "cases:key-figure-end": "key figures: professionals and places a team works with, no residents",
    # The duplicate review logs every person and household it shows itself (tests/cases/test_duplicates.py);
    # it needs a pair of likely duplicates, which this walk's world does not hold.
    "cases:duplicate-queue": "a team lead's review of likely duplicates: each shown person is logged by the screen",
    "cases:person-merge": "a team lead's comparison of two persons: both logged by get_visible_or_404",
    "cases:household-merge": "a team lead's comparison of two households: both logged by get_visible_or_404",
    "cases:merge-undo": "undoing a recorded merge: the merged records are logged by get_visible_or_404",
    "session_keep_alive": "the session's clock",
    "session_resume": "the user's own form, kept through the login (never another user's)",
    "drafts:save": "writes the user's own unsaved text, behind the case's access policy (404 otherwise)",
    "drafts:restore": "the user's own unsaved text, behind the case's access policy (404 otherwise); logged",
    "drafts:throw-away": "removes the user's own unsaved text",
    "healthz": "health check",
    "readyz": "health check",
    "api:schema": "the API's description",
    "api:docs": "the API's description",
    "api:api-root": "the API's index",
    "api:organisation-list": "configuration",
    "api:organisation-detail": "configuration",
    "api:team-list": "configuration",
    "api:team-detail": "configuration",
    "api:area-list": "reference data",
    "api:area-detail": "reference data",
    "api:theme-list": "reference data",
    "api:theme-detail": "reference data",
    "api:instrument-list": "reference data",
    "api:instrument-detail": "reference data",
    "api:silo-list": "reference data",
    "api:silo-detail": "reference data",
    "api:funding-stream-list": "configuration",
    "api:funding-stream-detail": "configuration",
    "api:report-funding-flows-list": "suppressed aggregates",
    "api:report-programme-list": "suppressed aggregates",
    "api:blockage-escalate": "a write; its read is the blockage detail's door",
    "api:blockage-resolve": "a write; its read is the blockage detail's door",
    "api:case-coordinator": "a write through the case detail's door (get_object)",
    "api:case-transition": "a write through the case detail's door (get_object)",
    "api:involvement-end": "a write through the involvement detail's door (get_object)",
    "api:action-correct": "a write through the action detail's door (get_object)",
    "api:consent-revoke": "a write through the consent detail's door (get_object)",
    "api:spend-import-list": "file bookkeeping: counts and errors by row number, no residents",
    "api:spend-import-detail": "file bookkeeping: counts and errors by row number, no residents",
    "funding:spend_imports": "file bookkeeping: counts and errors by row number, no residents",
    "funding:spend_import": "file bookkeeping: counts and errors by row number, no residents",
    "funding:spend_import_progress": "file bookkeeping: counts and errors by row number, no residents",
    "funding:spend_import_errors": "file bookkeeping: counts and errors by row number, no residents",
    "funding:blockage_step": "a write through the blockage's door (logged with its outcome)",
    "funding:audit": "suppressed aggregates; pseudonymous references only below in the cell door",
    "funding:audit_export": "a background export: the export task logs what it reads",
    "funding:register_export": "a background export: the export task logs what it reads",
    "cases:referral-create": "a new referral: the create is logged by the service's caller",
    "privacy:access-open": "registers a request; the review is the door that reads the file",
    "privacy:access-release": "a write; logged as an export of the request's letter",
    "privacy:export": "a background export: the export task logs what it reads",
    "privacy:retention": "counts and case references due, no personal data",
    "privacy:register": "the processing register: configuration",
    "privacy:register-export": "the processing register: configuration",
    "exports:list": "the user's own export jobs",
    "notifications:inbox": "the user's own notifications (case references at most)",
    "notifications:count": "the user's own notifications",
    "notifications:mark_all_read": "the user's own notifications",
    "notifications:mark_read": "the user's own notifications",
    "jobs:probe": "a test job",
    "organisations:membership-changes": "team configuration",
    "organisations:team-settings": "team configuration",
    "monitoring:index": "suppressed aggregates",
    "monitoring:print": "suppressed aggregates",
    "monitoring:areas": "suppressed aggregates",
    "monitoring:export": "suppressed aggregates",
    "monitoring:refresh": "a refresh of aggregates",
    "monitoring:reviews": "reviews of aggregates",
    "monitoring:review_create": "reviews of aggregates",
    "monitoring:review_compare": "reviews of aggregates",
    "monitoring:review": "reviews of aggregates",
    "monitoring:review_edit": "reviews of aggregates",
}


def _url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue  # the admin site: walked from its registry below (ADMIN_DOORS)
                inner = (
                    f"{namespace}:{pattern.namespace}"
                    if namespace and pattern.namespace
                    else (pattern.namespace or namespace)
                )
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_is_a_door_to_personal_data_or_says_why_not() -> None:
    names = _url_names()
    undecided = sorted(names - set(DOORS) - set(NOT_A_DOOR))
    assert undecided == [], "URLs nobody decided on: a door to personal data (DOORS) or not (NOT_A_DOOR)"
    assert sorted((set(DOORS) | set(NOT_A_DOOR)) - names) == [], "doors that are gone"
    assert set(DOORS) & set(NOT_A_DOOR) == set()


@pytest.fixture
def world(personas: Personas) -> World:
    # Team A's case, coordinated by the professional; the team lead supports it but does not work on it.
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    membership = MembershipFactory(
        household=case.household, start_date=datetime.date(2020, 1, 1), person__bsn="111222333"
    )
    Reminder.objects.create(case=case, kind=Reminder.Kind.values[0], since=datetime.date(2026, 11, 1))
    action = ActionFactory(case=case, created_by=personas.professional)
    version = PlanVersionFactory(plan=case.plan, created_by=personas.professional)
    case.plan.version = version.number
    case.plan.save()
    stream = StreamFactory(municipality=personas.team_a.municipality)
    objects = {
        "action": action,
        "goal": GoalFactory(plan_version=version),
        "contact": ContactFactory(case=case, author=personas.professional),
        "conference": ConferenceFactory(case=case, created_by=personas.professional),
        "measurement": MeasurementFactory(case=case, person=membership.person, measured_by=personas.professional),
        "consent": ConsentFactory(case=case, person=membership.person, recorded_by=personas.professional),
        "blockage": BlockageFactory(action=action, opened_by=personas.professional),
        "allocation": AllocationFactory(action=action, stream=stream),
        "task": TaskFactory(case=case, owner=personas.professional, due_on=timezone.localdate()),
        "appointment": AppointmentFactory(case=case, owner=personas.professional, starts_at=timezone.now()),
        "feed": CalendarFeed.objects.create(user=personas.professional),
        "document": DocumentFactory(case=case),
    }
    refresh_flow_summary()  # the audit cell's drill-down reads the funding-flow summary
    officer = personas.privacy_officer
    objects["request_in_review"] = subject_access_open(
        person=membership.person, received_on=datetime.date(2026, 11, 20), by=officer
    )
    objects["released"] = subject_access_release(
        request=subject_access_open(person=membership.person, received_on=datetime.date(2026, 11, 21), by=officer),
        by=officer,
    )
    objects["export"] = ExportJobFactory(
        done=True, requested_by=officer, kind=SUBJECT_ACCESS, format="json", person=membership.person
    )
    return World(personas=personas, case=case, household=case.household, membership=membership, objects=objects)


def _knock(client: Client, door: Door, world: World, **headers: str) -> Any:
    method = getattr(client, door.method)
    return method(door.url(world), door.data(world), headers=headers)


@pytest.mark.parametrize("name", sorted(DOORS))
def test_every_door_writes_rows_with_an_activity_and_where_out_of_purpose_the_reason(
    name: str, world: World, log_in
) -> None:
    door = DOORS[name]
    client = log_in(getattr(world.personas, door.persona))
    headers: dict[str, str] = {}
    if door.household_bound:
        if name.startswith("api:"):
            headers[REASON_HEADER] = "review"
        else:
            answer = client.post(reverse("cases:household-purpose", args=[world.household.uuid]), {"reason": "review"})
            assert answer.status_code == 302
    before = AccessLogEntry.objects.count()
    response = _knock(client, door, world, **headers)
    assert response.status_code < 400, f"{name}: {response.status_code}"
    rows = list(AccessLogEntry.objects.order_by("seq", "id")[before:])
    assert rows, f"{name}: no access-log row"
    assert all(row.activity in register.CODES for row in rows), [(row.detail, row.activity) for row in rows]
    if door.household_bound:
        mine = [
            row
            for row in rows
            if world.household.pk == row.household_id
            or world.case.pk == row.case_id
            or world.membership.person.pk == row.person_id
        ]
        assert mine, f"{name}: no row names the household or its case"
        assert {(row.activity, row.reason) for row in mine} == {("team-supervision", "review")}, name
    if name in OFFICER_FILE_DOORS:
        file_rows = [row for row in rows if row.person_id == world.membership.person.pk]
        assert file_rows and {row.activity for row in file_rows} == {"subject-rights"}, name
        assert all(row.reason.startswith("subject_request") for row in file_rows), name


def test_a_household_door_asks_the_team_lead_first_and_shows_nothing(world: World, log_in) -> None:
    client = log_in(world.personas.team_lead)
    for name, door in DOORS.items():
        if not door.household_bound:
            continue
        before = AccessLogEntry.objects.filter(outcome="allowed").count()
        response = _knock(client, door, world)
        if name.startswith("api:"):
            assert response.status_code == 403, name
            assert response.json()["code"] == "reason_required", name
        else:
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("cases:household-purpose", args=[world.household.uuid]))
        assert AccessLogEntry.objects.filter(outcome="allowed").count() == before, name


# --- The admin site: every registered model with personal data ------------------------------------------------

ADMIN_DOORS = sorted(
    model._meta.label_lower for model in admin.site._registry if model._meta.label_lower in PERSONAL_DATA
)


def _admin_url(label: str, page: str, *args: Any) -> str:
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{page}", args=args)


def _admin_world(world: World) -> None:
    """An object of every model the admin shows with personal data, beyond what the screens' world has."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from accounts.models import ApiToken, IdentityProviderDevice
    from cases.models import (
        CaseStatusChange,
        CaseTransfer,
        DuplicateDecision,
        KeyFigure,
        MeldcodeStep,
        Merge,
        NetworkPerson,
    )
    from funding.models import BlockageEvent
    from monitoring.services import summaries_refresh
    from privacy.models import DisclosureDecision, OfficerVisit
    from tests.cases.factories import PersonFactory, ScoreFactory
    from tests.funding.factories import SpendFactory

    personas = world.personas
    AccessAttempt.objects.create(username="prof-a", ip_address="10.0.0.1", user_agent="x", failures_since_start=1)
    AccessFailureLog.objects.create(username="prof-a", ip_address="10.0.0.1", user_agent="x")
    AccessLog.objects.create(username="prof-a", ip_address="10.0.0.1", user_agent="x")
    ApiToken.objects.create(
        user=personas.professional,
        name="laptop",
        prefix="abcd1234",
        secret_hash="0" * 64,
        expires_at=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC),
    )
    IdentityProviderDevice.objects.create(user=personas.professional, name="idp", confirmed=True)
    DisclosureDecision.objects.create(
        request=world.request_in_review,
        item="case",
        withhold=True,
        reason="third party",
        decided_by=personas.privacy_officer,
    )
    OfficerVisit.objects.create(
        user=personas.privacy_officer, seen_until=datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    )
    KeyFigure.objects.create(
        area=world.household.neighbourhood, team=personas.team_a, name="Imam Yilmaz", description="imam"
    )
    SpendFactory(allocation=world.allocation)
    ScoreFactory(measurement=world.measurement, domain=world.measurement.instrument.domains.order_by("pk").first())
    BlockageEvent.objects.create(
        blockage=world.blockage,
        kind=BlockageEvent.Kind.values[0],
        to_status=world.blockage.status,
        level=world.blockage.level,
        by=personas.professional,
    )
    CaseStatusChange.objects.create(
        case=world.case, from_status="", to_status=world.case.status, changed_by=personas.professional
    )
    member = world.membership.person
    NetworkPerson.objects.create(
        household=world.household, name="Oma", related_to=member, relation="grandparent",
        created_by=personas.professional,
    )  # fmt: skip
    CaseTransfer.objects.create(
        case=world.case, kind="transfer", from_team=world.case.team, to_team=personas.team_b,
        note="Verhuisd", requested_by=personas.professional,
    )  # fmt: skip
    MeldcodeStep.objects.create(
        case=world.case, organisation=personas.professional.organisation, step=1,
        done_on=datetime.date(2026, 11, 2), outcome="Signalen", recorded_by=personas.professional,
    )  # fmt: skip
    other = PersonFactory(first_name=member.first_name, last_name=member.last_name)
    DuplicateDecision.objects.create(
        person=member, outcome="dismissed", other_ids=[other.pk], decided_by=personas.professional
    )
    Merge.objects.create(kind="person", survivor_person=member, absorbed_person=other, merged_by=personas.professional)
    summaries_refresh(full=True)


def test_every_admin_page_with_personal_data_logs_what_it_shows_with_an_activity(world: World, log_in) -> None:
    """A superuser who coordinates the case: each list and change page is a logged read with an activity."""
    _admin_world(world)
    for persona in ("professional", "privacy_officer"):
        reader = getattr(world.personas, persona)
        reader.is_staff = reader.is_superuser = True
        reader.save()
    # The access log's admin shows it to the privacy officer only (its queryset), superuser or not.
    readers = [
        (label, "privacy_officer" if label == "privacy.accesslogentry" else "professional") for label in ADMIN_DOORS
    ]
    problems: list[str] = []
    current, client = "", None
    for label, persona in sorted(readers, key=lambda pair: pair[1] != "professional"):  # the log fills first
        if persona != current:  # one test client: log the next reader in on it
            current, client = persona, log_in(getattr(world.personas, persona))
        assert client is not None
        model = apps.get_model(label)
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            problems.append(f"{label}: no object to open")
            continue
        for page, url in (("list", _admin_url(label, "changelist")), ("change", _admin_url(label, "change", obj.pk))):
            before = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
            response = client.get(url)
            rows = list(AccessLogEntry.objects.filter(id__gt=before).order_by("id"))
            if response.status_code != 200:
                problems.append(f"{label} {page}: {response.status_code}")
            elif not rows:
                problems.append(f"{label} {page}: no access-log row")
            elif any(row.outcome != "allowed" or row.activity not in register.CODES for row in rows):
                problems.append(f"{label} {page}: {[(row.outcome, row.activity) for row in rows]}")
            elif page == "change" and hasattr(obj, "case_id") and not any(row.case_id == obj.case_id for row in rows):
                problems.append(f"{label} {page}: the row names no case")
    assert problems == [], "\n".join(problems)


def test_an_admin_page_of_an_object_the_policy_hides_is_a_logged_404(world: World, log_in) -> None:
    """The administrator may view casework in the admin by permission, but the access policy gives them none."""
    from django.contrib.auth.models import Permission

    _admin_world(world)
    administrator = world.personas.administrator
    administrator.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client = log_in(administrator)
    hidden = [
        label
        for label in ADMIN_DOORS
        if any(
            base.__name__ == "PolicyScopedAdmin" for base in type(admin.site._registry[apps.get_model(label)]).__mro__
        )
    ]
    assert {"cases.household", "cases.case", "cases.contact", "funding.allocation"} <= set(hidden)
    for label in hidden:
        obj = apps.get_model(label)._default_manager.order_by("pk").first()
        assert obj is not None, label
        for page in ("change", "history", "delete"):
            before = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
            response = client.get(_admin_url(label, page, obj.pk))
            assert response.status_code in (403, 404), (label, page, response.status_code)
            rows = list(AccessLogEntry.objects.filter(id__gt=before))
            assert [(row.outcome, row.activity) for row in rows] == [("refused", "security")], (label, page)
        listed = client.get(_admin_url(label, "changelist"))
        assert listed.status_code == 200 and list(listed.context["cl"].result_list) == [], label

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from cases.models import Case, CaseStatus, Contact, Goal, Involvement, MeasurementScore, Person
from funding.models import Blockage, BlockageEvent
from privacy.models import AccessLogEntry, DataSubjectRequest
from privacy.retention import expired_case_ids, retention_apply, retention_duty_for_person
from tests.cases.factories import (
    ActionFactory,
    CaseFactory,
    ContactFactory,
    GoalFactory,
    MeasurementFactory,
    MembershipFactory,
    PlanVersionFactory,
    ScoreFactory,
)
from tests.conftest import Personas
from tests.exports.factories import export_through_screen
from tests.funding.factories import BlockageFactory
from themes.models import InstrumentDomain

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 28)


def closed_case(personas: Personas, closed_on: datetime.date, legal_basis: str = "wmo") -> Case:
    case = CaseFactory(team=personas.team_a, status=CaseStatus.CLOSED, closed_on=closed_on)
    Involvement.objects.filter(case=case).update(legal_basis=legal_basis)
    MembershipFactory(household=case.household, person__bsn="111222333" if not Person.objects.exists() else None)
    ContactFactory(case=case, note="Moeder vertelt over de schulden.")
    return case


def test_a_jeugdwet_case_is_kept_twenty_years_and_a_wmo_case_fifteen(personas: Personas) -> None:
    jeugd = closed_case(personas, datetime.date(2008, 6, 1), legal_basis="jeugdwet")
    wmo = closed_case(personas, datetime.date(2008, 6, 1), legal_basis="wmo")
    assert expired_case_ids(on=TODAY) == [wmo.pk]
    assert expired_case_ids(on=datetime.date(2028, 6, 1)) == sorted([jeugd.pk, wmo.pk])


def test_the_longest_silo_rule_of_a_case_wins(personas: Personas) -> None:
    case = closed_case(personas, datetime.date(2008, 6, 1), legal_basis="wmo")
    other = Involvement.objects.get(case=case)
    # A second professional (one open involvement per professional per case) on another basis.
    Involvement.objects.create(
        case=case, professional=personas.team_lead, organisation=other.organisation, legal_basis="jeugdwet",
        start_date=other.start_date,
    )  # fmt: skip
    assert expired_case_ids(on=TODAY) == []


def test_the_dry_run_lists_and_changes_nothing(personas: Personas) -> None:
    case = closed_case(personas, datetime.date(2005, 1, 1))
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", "--on", TODAY.isoformat(), stdout=out)
    assert "would anonymise 1 case" in out.getvalue() and case.reference in out.getvalue()
    case.refresh_from_db()
    assert case.anonymised_at is None and Contact.objects.get(case=case).note


def test_the_run_anonymises_content_keeps_aggregates_and_the_log(personas: Personas) -> None:
    case = closed_case(personas, datetime.date(2005, 1, 1))
    AccessLogEntry.objects.create(action="read", outcome="allowed", channel="screen", case_id=case.pk)
    contact = Contact.objects.get(case=case)
    assert retention_apply(on=TODAY) == [case.pk]
    case.refresh_from_db()
    contact.refresh_from_db()
    person = Person.objects.get(memberships__household=case.household)
    assert case.anonymised_at is not None and case.referral_reason == "[geanonimiseerd]"
    assert contact.note == "" and contact.minutes == 45 and contact.themes == ["welzijn"]
    assert (person.last_name, person.bsn, person.date_of_birth) == ("", None, None)
    assert case.household.postcode == "" or Case.objects.get(pk=case.pk).household.postcode == ""
    assert not Person.history.filter(id=person.pk, last_name="Jansen").exists()
    assert AccessLogEntry.objects.filter(case_id=case.pk, action="read").exists()
    assert AccessLogEntry.objects.filter(case_id=case.pk, action="delete", channel="task").exists()
    # Running again does nothing more.
    assert retention_apply(on=TODAY) == []


def test_the_run_also_removes_goal_texts_and_score_reasons_from_the_write_history(personas: Personas) -> None:
    case = closed_case(personas, datetime.date(2005, 1, 1))
    goal = GoalFactory(plan_version=PlanVersionFactory(plan=case.plan, number=1), text="Van de schulden af")
    measurement = MeasurementFactory(case=case, person=Person.objects.get(memberships__household=case.household))
    score = ScoreFactory(measurement=measurement, domain=InstrumentDomain.objects.get(code="financien"), reason="Brief")
    assert retention_apply(on=TODAY) == [case.pk]
    assert set(Goal.history.filter(id=goal.pk).values_list("text", flat=True)) == {"[geanonimiseerd]"}
    assert set(MeasurementScore.history.filter(id=score.pk).values_list("reason", flat=True)) == {"[geanonimiseerd]"}


def test_the_run_removes_what_a_blockage_cost_the_household_but_keeps_its_register_figures(
    personas: Personas,
) -> None:
    case = closed_case(personas, datetime.date(2005, 1, 1))
    blockage = BlockageFactory(action=ActionFactory(case=case), opened_by=personas.professional)
    BlockageEvent.objects.create(
        blockage=blockage,
        kind="escalated",
        to_status="escalated",
        level="team_lead",
        note="Moeder ziek",
        by=personas.team_lead,
    )
    assert retention_apply(on=TODAY) == [case.pk]
    blockage.refresh_from_db()
    assert blockage.household_impact == "" and blockage.euros_stuck == Decimal("450.00") and blockage.rule
    assert set(Blockage.history.filter(id=blockage.pk).values_list("household_impact", flat=True)) == {""}
    assert not BlockageEvent.objects.filter(blockage=blockage).exclude(note="").exists()


def test_a_person_still_needed_by_a_live_case_elsewhere_keeps_their_name(personas: Personas) -> None:
    old = closed_case(personas, datetime.date(2005, 1, 1))
    person = Person.objects.get(memberships__household=old.household)
    live = CaseFactory(team=personas.team_a)
    MembershipFactory(household=live.household, person=person)  # co-parenting: also in another household
    retention_apply(on=TODAY)
    person.refresh_from_db()
    assert person.last_name == "Jansen"


def test_a_retention_duty_blocks_erasure(personas: Personas) -> None:
    case = closed_case(personas, datetime.date(2020, 1, 1), legal_basis="jeugdwet")
    person = Person.objects.get(memberships__household=case.household)
    duty = retention_duty_for_person(person, on=TODAY)
    assert duty is not None and duty.kept_until == datetime.date(2040, 1, 1)


@pytest.fixture
def officer(log_in, personas: Personas) -> Client:
    return log_in(personas.privacy_officer)


def test_only_the_privacy_officer_reaches_the_privacy_screens(log_in, personas: Personas) -> None:
    for persona in ["professional", "team_lead", "bureau", "auditor", "administrator"]:
        client = log_in(getattr(personas, persona))
        assert client.get("/privacy/toegangslog/").status_code == 404
        assert client.get("/privacy/verzoeken/").status_code == 404
    client = log_in(personas.privacy_officer)
    assert client.get("/privacy/toegangslog/").status_code == 200


def test_the_officer_searches_the_log_by_bsn_and_the_search_is_logged(officer: Client, personas: Personas) -> None:
    case = closed_case(personas, datetime.date(2024, 1, 1))
    AccessLogEntry.objects.create(
        action="read", outcome="allowed", channel="screen", household_id=case.household_id, username="prof-a"
    )
    response = officer.post("/privacy/toegangslog/", {"bsn": "111222333"})
    assert response.status_code == 200
    assert "prof-a" in response.content.decode()
    assert AccessLogEntry.objects.filter(username="privacy", action="search").exists()


def test_a_log_search_with_a_bad_bsn_says_so_next_to_the_field(officer: Client) -> None:
    html = officer.post("/privacy/toegangslog/", {"bsn": "123456789"}).content.decode()
    assert 'aria-invalid="true"' in html and 'id="id_bsn_error"' in html and 'value="123456789"' in html


def test_the_officer_releases_an_access_request_and_collects_its_json(
    officer: Client, personas: Personas, django_capture_on_commit_callbacks
) -> None:
    case = closed_case(personas, datetime.date(2024, 1, 1))
    person = Person.objects.get(memberships__household=case.household)
    officer.post("/privacy/verzoeken/inzage/", {"person": person.uuid, "received_on": "2026-11-01", "confirm": "on"})
    handled = DataSubjectRequest.objects.get()
    officer.post(f"/privacy/verzoeken/{handled.uuid}/vrijgeven/")
    job, response = export_through_screen(
        officer, "/privacy/verzoeken/inzage.json", {"request": handled.uuid}, django_capture_on_commit_callbacks
    )
    data = json.loads(response.content)
    assert data["person"]["bsn"] == "*****2333"
    texts = {f["code"]: f["text"] for s in data["sections"] if s["code"] == "cases" for f in s["items"][0]["fields"]}
    assert texts["reference"] == case.reference
    assert "Moeder vertelt over de schulden." in json.dumps(data)
    assert DataSubjectRequest.objects.get().outcome == "exported"
    # Asked for on the screen, built by the task on the officer's behalf, downloaded on the screen.
    rows = AccessLogEntry.objects.filter(action="export", person_id=person.pk).order_by("seq", "id")
    assert [(row.channel, row.detail) for row in rows] == [
        ("screen", "access request released"),
        ("screen", "export requested"),
        ("task", "background export"),
        ("screen", "export download"),
    ]
    assert {row.user_id for row in rows} == {job.requested_by_id}


def test_erasure_is_refused_while_a_duty_applies_and_done_when_none(officer: Client, personas: Personas) -> None:
    case = closed_case(personas, datetime.date(2024, 1, 1), legal_basis="jeugdwet")
    person = Person.objects.get(memberships__household=case.household)
    payload = {"person": person.uuid, "received_on": "2026-11-01", "confirm": "on", "typed": case.reference}
    officer.post("/privacy/verzoeken/anonimiseren/", payload)
    person.refresh_from_db()
    assert person.last_name == "Jansen"
    assert DataSubjectRequest.objects.get().outcome == "refused"
    Case.objects.filter(pk=case.pk).update(closed_on=datetime.date(1990, 1, 1))
    officer.post("/privacy/verzoeken/anonimiseren/", payload)
    person.refresh_from_db()
    assert person.last_name == "" and person.bsn is None


def test_an_access_request_without_identity_check_is_refused(officer: Client, personas: Personas) -> None:
    case = closed_case(personas, datetime.date(2024, 1, 1))
    person = Person.objects.get(memberships__household=case.household)
    response = officer.post("/privacy/verzoeken/inzage/", {"person": person.uuid, "received_on": "2026-11-01"})
    assert response.status_code == 302 and not DataSubjectRequest.objects.exists()

"""The access request (AVG art. 15): only the person's data, a review step, a B1 letter with its JSON, and erasure
as its own deliberate step."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseStatus, Contact, HouseholdMembership, Person
from privacy.models import AccessLogEntry, DataSubjectRequest, DisclosureDecision
from privacy.subject_access import items_of, person_disclosure
from tests.cases.factories import (
    ActionFactory,
    CaseFactory,
    ContactFactory,
    InvolvementFactory,
    MembershipFactory,
    PersonFactory,
)
from tests.conftest import Personas
from tests.exports.factories import export_through_screen

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 6)


@dataclass
class LateJoiner:
    teen: Person
    mother: Person
    old_case: Case
    open_case: Case
    before: Contact  # the mother's confidential note, before the teen joined
    after: Contact  # a note of the open case after the teen joined
    secret_after: Contact  # a confidential note after the teen joined


@pytest.fixture
def late_joiner(personas: Personas) -> LateJoiner:
    """A 17-year-old who joined a household today; the household had a case closed in 2024 and has an open one."""
    old_case = CaseFactory(
        team=personas.team_a,
        status=CaseStatus.CLOSED,
        referred_on=datetime.date(2023, 1, 10),
        closed_on=datetime.date(2024, 3, 1),
        referral_reason="Schulden van moeder",
    )
    household = old_case.household
    mother = MembershipFactory(household=household, start_date=datetime.date(2015, 1, 1)).person
    ContactFactory(case=old_case, occurred_on=datetime.date(2023, 5, 1), note="Oude notitie over moeder")
    open_case = CaseFactory(team=personas.team_a, household=household, referred_on=datetime.date(2026, 6, 1))
    InvolvementFactory(case=open_case, professional=personas.professional, start_date=datetime.date(2026, 6, 1))
    before = ContactFactory(
        case=open_case,
        occurred_on=datetime.date(2026, 9, 1),
        note="Moeder vertelt over haar therapie",
        confidentiality=Contact.Confidentiality.OWN_ORGANISATION,
        author=personas.professional,
    )
    ActionFactory(case=open_case, beneficiary=mother, description="Traject voor moeder")
    teen = MembershipFactory(
        household=household,
        person=PersonFactory(first_name="Sanne", last_name="Bakker", date_of_birth=datetime.date(2009, 3, 2)),
        role=HouseholdMembership.Role.CHILD,
        start_date=TODAY,
    ).person
    after = ContactFactory(
        case=open_case, occurred_on=TODAY, note="Kennismaking met Sanne", author=personas.professional
    )
    secret_after = ContactFactory(
        case=open_case,
        occurred_on=TODAY,
        note="Zorg over de vader van Sanne",
        confidentiality=Contact.Confidentiality.OWN_ORGANISATION,
        author=personas.professional,
    )
    return LateJoiner(teen, mother, old_case, open_case, before, after, secret_after)


def _texts(disclosure: dict, section: str) -> list[dict[str, str]]:
    [found] = [s for s in disclosure["sections"] if s["code"] == section]
    return [{f["code"]: f["text"] for f in item["fields"]} for item in found["items"]]


def test_a_late_joiner_gets_only_the_cases_and_records_of_their_membership(late_joiner: LateJoiner) -> None:
    disclosure = person_disclosure(late_joiner.teen, on=TODAY)
    # The case closed in 2024, before they joined, is not theirs; the open case is.
    assert [c["reference"] for c in _texts(disclosure, "cases")] == [late_joiner.open_case.reference]
    notes = [c["note"] for c in _texts(disclosure, "contacts")]
    assert sorted(notes) == sorted(["Kennismaking met Sanne", "Zorg over de vader van Sanne"])
    assert "Moeder vertelt over haar therapie" not in json.dumps(disclosure)
    assert "Oude notitie over moeder" not in json.dumps(disclosure)
    # An action for another member is withheld (art. 15(4)).
    assert "Traject voor moeder" not in json.dumps(disclosure)
    # The confidential note after joining is flagged for the officer's decision.
    items = items_of(disclosure)
    assert items[f"contact:{late_joiner.secret_after.uuid}"]["confidential"] is True
    assert items[f"contact:{late_joiner.after.uuid}"]["confidential"] is False


def test_the_mother_sees_her_own_case_history(late_joiner: LateJoiner) -> None:
    disclosure = person_disclosure(late_joiner.mother, on=TODAY)
    assert {c["reference"] for c in _texts(disclosure, "cases")} == {
        late_joiner.old_case.reference,
        late_joiner.open_case.reference,
    }
    assert "Traject voor moeder" in json.dumps(disclosure)


@pytest.fixture
def officer(log_in, personas: Personas) -> Client:
    return log_in(personas.privacy_officer)


def _open(officer: Client, person: Person) -> DataSubjectRequest:
    response = officer.post(
        reverse("privacy:access-open"), {"person": person.uuid, "received_on": "01-12-2026", "confirm": "on"}
    )
    handled = DataSubjectRequest.objects.get(person_id=person.pk)
    assert response.status_code == 302 and response["Location"] == reverse("privacy:access-review", args=[handled.uuid])
    return handled


def test_nothing_is_released_before_review_and_a_confidential_note_needs_a_decision(
    officer: Client, late_joiner: LateJoiner
) -> None:
    handled = _open(officer, late_joiner.teen)
    assert handled.outcome == "in_review" and handled.disclosure is None
    html = officer.get(reverse("privacy:access-review", args=[handled.uuid])).content.decode()
    assert "Zorg over de vader van Sanne" in html and "vertrouwelijke notitie" in html
    # The letter is not there yet.
    assert officer.get(reverse("privacy:access-letter", args=[handled.uuid])).status_code == 302
    response = officer.post(reverse("privacy:access-release", args=[handled.uuid]), follow=True)
    assert "Beslis over elke vertrouwelijke notitie" in response.content.decode()
    handled.refresh_from_db()
    assert handled.outcome == "in_review" and handled.disclosure is None


def test_the_officer_withholds_with_a_reason_then_releases(officer: Client, late_joiner: LateJoiner) -> None:
    handled = _open(officer, late_joiner.teen)
    review = reverse("privacy:access-review", args=[handled.uuid])
    item = f"contact:{late_joiner.secret_after.uuid}"
    # Without a reason: refused, next to the field, what was chosen kept.
    html = officer.post(review, {"item": item, "decision": "withhold", "reason": ""}).content.decode()
    assert "Geef de reden" in html and 'aria-invalid="true"' in html
    assert not DisclosureDecision.objects.exists()
    officer.post(review, {"item": item, "decision": "withhold", "reason": "Gaat over de vader (art. 15 lid 4)"})
    decision = DisclosureDecision.objects.get()
    assert (
        decision.withhold and decision.reason.startswith("Gaat over") and decision.decided_by.role == "privacy_officer"
    )
    officer.post(reverse("privacy:access-release", args=[handled.uuid]))
    handled.refresh_from_db()
    assert handled.outcome == "exported" and handled.released_at is not None
    released = json.dumps(handled.disclosure)
    assert "Kennismaking met Sanne" in released and "Zorg over de vader" not in released
    assert handled.disclosure["withheld_count"] == 1 and "contact:" not in released
    assert AccessLogEntry.objects.filter(
        person_id=late_joiner.teen.pk, action="export", detail="access request released"
    ).exists()


def test_a_confidential_note_is_released_only_by_an_explicit_decision(officer: Client, late_joiner: LateJoiner) -> None:
    handled = _open(officer, late_joiner.teen)
    review = reverse("privacy:access-review", args=[handled.uuid])
    officer.post(review, {"item": f"contact:{late_joiner.secret_after.uuid}", "decision": "release", "reason": ""})
    officer.post(reverse("privacy:access-release", args=[handled.uuid]))
    handled.refresh_from_db()
    assert "Zorg over de vader van Sanne" in json.dumps(handled.disclosure)


def _released(officer: Client, person: Person) -> DataSubjectRequest:
    handled = _open(officer, person)
    for key, item in items_of(person_disclosure(person)).items():
        if item["confidential"]:
            officer.post(
                reverse("privacy:access-review", args=[handled.uuid]),
                {"item": key, "decision": "withhold", "reason": "Vertrouwelijk"},
            )
    officer.post(reverse("privacy:access-release", args=[handled.uuid]))
    handled.refresh_from_db()
    assert handled.outcome == "exported"
    return handled


def test_the_letter_is_dutch_with_local_dates_and_no_technical_keys(
    officer: Client, late_joiner: LateJoiner, personas: Personas
) -> None:
    # A read late in the evening, Dutch time: 23:30 UTC on 1 December is 00:30 on 2 December in Amsterdam.
    AccessLogEntry.objects.create(
        action="read",
        outcome="allowed",
        channel="screen",
        person_id=late_joiner.teen.pk,
        role="professional",
        organisation_name="Jeugdzorg Noord",
        occurred_at=datetime.datetime(2026, 12, 1, 23, 30, tzinfo=datetime.UTC),
    )
    handled = _released(officer, late_joiner.teen)
    html = officer.get(reverse("privacy:access-letter", args=[handled.uuid])).content.decode()
    assert "Uw gegevens bij het wijkteam" in html and "Beste Sanne Bakker," in html
    for heading in [
        "Wie heeft uw gegevens",
        "Waarom hebben wij uw gegevens",
        "Wie kreeg uw gegevens",
        "Hoe lang bewaren wij uw gegevens",
        "Wie keek naar uw gegevens",
        "Uw rechten",
        "Bent u het niet eens?",
    ]:
        assert heading in html, heading
    assert "2 december 2026, 00:30" in html and "Jeugdzorg Noord" in html
    assert "hulp bij zelfstandig wonen en meedoen (Wmo 2015)" in html  # the involvement's legal basis, in words
    for technical in ["first_name", "Involvedprofessionals", "True", "['welzijn'", "contact:", "UTC"]:
        assert technical not in html, technical
    assert AccessLogEntry.objects.filter(person_id=late_joiner.teen.pk, action="print").exists()


def test_the_json_beside_the_letter_is_the_same_content(
    officer: Client, late_joiner: LateJoiner, django_capture_on_commit_callbacks
) -> None:
    handled = _released(officer, late_joiner.teen)
    _job, response = export_through_screen(
        officer, reverse("privacy:export"), {"request": handled.uuid}, django_capture_on_commit_callbacks
    )
    assert json.loads(response.content) == handled.disclosure
    dates = {
        f["value"]
        for s in handled.disclosure["sections"]
        for i in s["items"]
        for f in i["fields"]
        if f["code"] == "date"
    }
    assert TODAY.isoformat() in dates  # machine values: ISO dates


def test_a_request_in_review_has_no_json(officer: Client, late_joiner: LateJoiner) -> None:
    handled = _open(officer, late_joiner.teen)
    response = officer.post(reverse("privacy:export"), {"request": handled.uuid}, follow=True)
    assert "geen vrijgegeven brief" in response.content.decode()


def test_erasure_is_a_separate_page_that_asks_for_the_initials(officer: Client, late_joiner: LateJoiner) -> None:
    Case.objects.filter(household=late_joiner.open_case.household).update(
        status=CaseStatus.CLOSED, closed_on=datetime.date(1990, 1, 1)
    )
    payload = {"person": late_joiner.teen.uuid, "received_on": "01-12-2026", "confirm": "on"}
    page = officer.post(reverse("privacy:anonymise"), payload)
    assert page.status_code == 200 and "Dit kan niet ongedaan worden gemaakt" in page.content.decode()
    wrong = officer.post(reverse("privacy:anonymise"), {**payload, "typed": "XY"})
    assert wrong.status_code == 200 and 'aria-invalid="true"' in wrong.content.decode()
    late_joiner.teen.refresh_from_db()
    assert late_joiner.teen.last_name == "Bakker" and not DataSubjectRequest.objects.exists()
    done = officer.post(reverse("privacy:anonymise"), {**payload, "typed": "s.b."})
    assert done.status_code == 302
    late_joiner.teen.refresh_from_db()
    assert late_joiner.teen.last_name == "" and DataSubjectRequest.objects.get().outcome == "anonymised"


def test_a_case_reference_also_confirms_the_erasure(officer: Client, late_joiner: LateJoiner) -> None:
    payload = {"person": late_joiner.teen.uuid, "received_on": "01-12-2026", "confirm": "on"}
    officer.post(reverse("privacy:anonymise"), {**payload, "typed": late_joiner.open_case.reference.lower()})
    # A retention duty applies (the case is open): registered as refused, nothing removed.
    assert DataSubjectRequest.objects.get().outcome == "refused"


def test_the_requests_page_has_no_primary_anonymise_button(officer: Client, late_joiner: LateJoiner) -> None:
    html = officer.post(
        reverse("privacy:requests"), {"case_reference": late_joiner.open_case.reference}
    ).content.decode()
    assert "Sanne Bakker" in html
    primary = [part for part in html.split("<button")[1:] if "primary-action" in part.split(">")[0]]
    assert primary and all("anonimiseren" not in part.split("</button>")[0].lower() for part in primary)


def test_the_review_page_has_a_constant_number_of_queries(
    officer: Client, late_joiner: LateJoiner, personas: Personas, django_assert_max_num_queries
) -> None:
    handled = _open(officer, late_joiner.teen)
    url = reverse("privacy:access-review", args=[handled.uuid])
    officer.get(url)
    with django_assert_max_num_queries(40) as small:
        officer.get(url)
    for day in range(30):
        ContactFactory(
            case=late_joiner.open_case, occurred_on=TODAY, note=f"Notitie {day}", author=personas.professional
        )
        ActionFactory(case=late_joiner.open_case, beneficiary=late_joiner.teen)
    with django_assert_max_num_queries(len(small.captured_queries)):
        officer.get(url)


def test_a_timestamp_is_shown_in_dutch_time() -> None:
    from privacy.subject_access import _moment

    with timezone.override("Europe/Amsterdam"):
        assert _moment(datetime.datetime(2026, 7, 1, 22, 15, tzinfo=datetime.UTC)).endswith("00:15")

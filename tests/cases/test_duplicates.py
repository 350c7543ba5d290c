"""Issue 16, item 1: likely duplicates shown before saving, the team lead's review queue, merge and its undo."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import duplicates, merging, services
from cases.models import (
    Action,
    Case,
    Consent,
    DuplicateDecision,
    Household,
    HouseholdMembership,
    Measurement,
    Merge,
    Person,
)
from funding.models import Allocation
from organisations.models import Role
from privacy.models import AccessLogEntry
from tests.cases.factories import (
    ActionFactory,
    CaseFactory,
    ConsentFactory,
    HouseholdFactory,
    MeasurementFactory,
    MembershipFactory,
)
from tests.cases.screens import field_error, input_value
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory
from tests.organisations.factories import NeighbourhoodFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db

BORN = datetime.date(1990, 3, 3)
NOTE = "a team lead will review it"  # the neutral sentence, the same on every registration form


def lead_of(team: Any) -> Any:
    return TeamMembershipFactory(team=team, user__role=Role.TEAM_LEAD).user


def member_of(case: Case, **person: Any) -> Person:
    return MembershipFactory(household=case.household, person__date_of_birth=BORN, **person).person


def member_post(**overrides: str) -> dict[str, str]:
    data = {
        "first_name": "Julia",
        "surname_prefix": "van",
        "last_name": "Dijk",
        "date_of_birth": "03-03-1990",
        "bsn": "",
        "role": "parent",
        "start_date": "01-03-2025",
    }
    return data | overrides


# --- Shown before saving -------------------------------------------------------------------------------------


def test_the_same_person_without_bsn_added_to_a_second_household_is_offered_and_linked(
    log_in, personas: Personas
) -> None:
    first = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    julia = member_of(first, person__first_name="Julia", person__surname_prefix="van", person__last_name="Dijk")
    second = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    client = log_in(personas.professional)
    url = reverse("cases:member-create", args=[second.uuid])

    page = client.post(url, member_post()).content.decode()
    assert "Possible matches" in page or "Mogelijke overeenkomsten" in page
    assert str(julia.uuid) in page and first.household.street in page
    assert Person.objects.count() == 1 and not second.household.memberships.exists()  # nothing saved yet

    response = client.post(url, member_post() | {"match-0-seen": "1", "match-0-match": str(julia.uuid)})
    assert response.status_code == 302
    assert second.household.memberships.get().person == julia
    decision = DuplicateDecision.objects.get()
    assert (decision.outcome, decision.person, decision.decided_by) == ("linked", julia, personas.professional)
    assert AccessLogEntry.objects.filter(person_id=julia.pk, detail="duplicate check").exists()


def test_a_new_person_despite_a_match_needs_a_reason_and_keeps_what_was_typed(log_in, personas: Personas) -> None:
    first = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    julia = member_of(first, person__first_name="Julia", person__surname_prefix="van", person__last_name="Dijk")
    second = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    client = log_in(personas.professional)
    url = reverse("cases:member-create", args=[second.uuid])

    chosen = member_post() | {"match-0-seen": "1", "match-0-match": "new", "match-0-new_reason": ""}
    page = client.post(url, chosen).content.decode()
    assert field_error(page, "id_match-0-new_reason")
    assert input_value(page, "id_first_name") == "Julia"
    assert not second.household.memberships.exists()

    response = client.post(url, chosen | {"match-0-new_reason": "Een nicht met dezelfde naam."})
    assert response.status_code == 302
    new = second.household.memberships.get().person
    assert new != julia
    decision = DuplicateDecision.objects.get()
    assert (decision.outcome, decision.other_ids, decision.reason) == (
        "new",
        [julia.pk],
        "Een nicht met dezelfde naam.",
    )
    assert duplicates.person_pairs(lead_of(personas.team_a)) == []  # decided: not in the review queue


def test_a_referral_at_an_address_with_an_open_case_warns_first(log_in, personas: Personas) -> None:
    buurt = NeighbourhoodFactory()
    personas.team_a.areas.add(buurt)
    known = CaseFactory(
        team=personas.team_a, household=HouseholdFactory(postcode="1234AB", house_number=12, street="Lindelaan")
    )
    client = log_in(personas.professional)
    data = {
        "team": str(personas.team_a.uuid),
        "street": "Lindelaan",
        "house_number": "12",
        "house_number_suffix": "",
        "postcode": "1234 ab",
        "city": "Teststad",
        "neighbourhood": buurt.code,
        "referral_source": "school",
        "referral_reason": "Veel schoolverzuim.",
        "referred_on": "01-03-2025",
        "legal_basis": "jeugdwet",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "20",
        "members-0-first_name": "Noor",
        "members-0-surname_prefix": "",
        "members-0-last_name": "Smit",
        "members-0-date_of_birth": "",
        "members-0-bsn": "",
        "members-0-role": "parent",
    }
    url = reverse("cases:referral-create")
    page = client.post(url, data).content.decode()
    assert str(known.household.uuid) in page
    assert Household.objects.count() == 1  # nothing saved
    page = client.post(url, data | {"address-seen": "1"}).content.decode()
    assert field_error(page, "id_address-confirmed")
    assert input_value(page, "id_members-0-first_name") == "Noor"
    response = client.post(url, data | {"address-seen": "1", "address-confirmed": "on"})
    assert response.status_code == 302
    assert Household.objects.count() == 2


JULIA = {"first_name": "Julia", "surname_prefix": "van", "last_name": "Dijk"}
PIETER = {"first_name": "Pieter", "surname_prefix": "de", "last_name": "Vries"}


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ({"first_name": "Ayşe", "last_name": "Öztürk"}, {"first_name": "Ayse", "last_name": "Ozturk"}),
        ({"first_name": "Ayse", "last_name": "Ozturk"}, {"first_name": "Ayşe", "last_name": "Öztürk"}),
        (JULIA, {"first_name": "Julia", "last_name": "Dijk"}),
        (JULIA, {"first_name": "Julia", "last_name": "van Dijk"}),
        ({"first_name": "Julia", "last_name": "Dijk"}, JULIA),
        (PIETER, {"first_name": "Piet", "last_name": "de Vries"}),
    ],
    ids=["accent typed without", "accent typed with", "prefix left out", "prefix in surname", "prefix added", "short"],
)  # fmt: skip
def test_accent_and_prefix_variants_match(personas: Personas, stored: dict[str, str], typed: dict[str, str]) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    stored_as = {f"person__{key}": value for key, value in stored.items()}
    person = MembershipFactory(household=case.household, person__date_of_birth=BORN, **stored_as).person
    found = duplicates.person_matches(by=personas.professional, date_of_birth=BORN, bsn=None, **typed)
    assert [match.person for match in found] == [person]
    assert found[0].same_birth_and_name


def test_another_birthday_or_another_name_is_no_match(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    member_of(case, person__first_name="Julia", person__last_name="Dijk")
    ask = {"by": personas.professional, "bsn": None}
    assert (
        duplicates.person_matches(first_name="Julia", last_name="Dijk", date_of_birth=BORN.replace(day=4), **ask) == []
    )
    assert duplicates.person_matches(first_name="Mohammed", last_name="Amrani", date_of_birth=BORN, **ask) == []
    # Twins share a birthday and a surname: their first names keep them apart.
    member_of(case, person__first_name="Jan", person__last_name="Jansen")
    assert duplicates.person_matches(first_name="Piet", last_name="Jansen", date_of_birth=BORN, **ask) == []


def test_the_review_queue_costs_the_same_queries_for_one_pair_or_many(
    log_in, personas: Personas, django_assert_max_num_queries: Any
) -> None:
    lead = lead_of(personas.team_a)
    client = log_in(lead)

    def pair(name: str) -> None:
        for _ in range(2):
            member_of(CaseFactory(team=personas.team_a), person__first_name=name, person__last_name="Dijk")

    pair("Julia")
    url = reverse("cases:duplicate-queue")
    client.get(url)  # warm up the session and the caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    pair("Mohammed")
    pair("Ayşe")
    with django_assert_max_num_queries(len(one)):
        page = client.get(url).content.decode()
    assert page.count("/duplicaten/personen/") == 3


def test_a_match_in_another_team_is_never_revealed_and_waits_in_both_leads_queues(log_in, personas: Personas) -> None:
    theirs = CaseFactory(team=personas.team_b, household=HouseholdFactory(street="Kastanjelaan"))
    anna = member_of(theirs, person__first_name="Anna", person__last_name="Öztürk")
    ours = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    client = log_in(personas.professional)
    url = reverse("cases:member-create", args=[ours.uuid])
    assert NOTE in client.get(url).content.decode() or "teamleider beoordeelt" in client.get(url).content.decode()

    response = client.post(url, member_post(first_name="Anna", surname_prefix="", last_name="Ozturk"))
    assert response.status_code == 302  # straight through: nothing about Anna is shown or hinted
    new = ours.household.memberships.get().person
    assert new != anna
    assert not AccessLogEntry.objects.filter(person_id=anna.pk).exists()

    lead_a, lead_b = lead_of(personas.team_a), lead_of(personas.team_b)
    assert [(pair.mine, pair.other) for pair in duplicates.person_pairs(lead_a)] == [(new.pk, anna.pk)]
    assert [(pair.mine, pair.other) for pair in duplicates.person_pairs(lead_b)] == [(anna.pk, new.pk)]
    page = log_in(lead_a).get(reverse("cases:duplicate-queue")).content.decode()
    assert str(new.uuid) not in page or "Kastanjelaan" not in page
    assert "Kastanjelaan" not in page and ours.household.street in page
    assert "person-merge" not in page and "/duplicaten/personen/" not in page  # no one merges what they cannot see


def test_a_shared_bsn_is_a_pair_in_the_review_queue(personas: Personas) -> None:
    theirs = CaseFactory(team=personas.team_b)
    anna = member_of(theirs, person__bsn="111222333", person__first_name="Anna")
    ours = CaseFactory(team=personas.team_a)
    other = MembershipFactory(household=ours.household, person__bsn="111222333", person__first_name="X").person
    [pair] = duplicates.person_pairs(lead_of(personas.team_a))
    assert (pair.mine, pair.other, pair.same_bsn) == (other.pk, anna.pk, True)


# --- Merge and undo ------------------------------------------------------------------------------------------


def foreign_keys_to(model: type[models.Model]) -> set[str]:
    """Every foreign key to ``model`` in the project, found the other way round from ``merging.relations_to``."""
    return {
        f"{other._meta.label_lower}.{field.name}"
        for other in apps.get_models()
        for field in other._meta.get_fields()
        if field.concrete and field.is_relation and field.related_model is model
    }


@pytest.mark.parametrize("model", [Person, Household])
def test_a_merge_moves_every_foreign_key_but_the_history_and_its_own_record(model: type[models.Model]) -> None:
    moved = {f"{field.model._meta.label_lower}.{field.name}" for field in merging.relations_to(model)}
    kept = {label for label in foreign_keys_to(model) if label.split(".")[1].startswith("historical")}
    kept |= {label for label in foreign_keys_to(model) if label.startswith("cases.merge.")}
    assert moved == foreign_keys_to(model) - kept
    assert moved >= (
        {
            "cases.householdmembership.person",
            "cases.action.beneficiary",
            "cases.consent.person",
            "cases.measurement.person",
            "exports.exportjob.person",
        }
        if model is Person
        else {"cases.householdmembership.household", "cases.case.household", "funding.allocation.household"}
    )


def relations_of(obj: models.Model) -> dict[str, list[int]]:
    return {
        f"{field.model._meta.label_lower}.{field.name}": sorted(
            field.model._base_manager.filter(**{field.name: obj}).values_list("pk", flat=True)
        )
        for field in merging.relations_to(type(obj))
    }


def test_a_person_merge_moves_everything_keeps_the_history_and_is_undone_to_the_state_before(
    personas: Personas,
) -> None:
    lead = lead_of(personas.team_a)
    first, second = CaseFactory(team=personas.team_a), CaseFactory(team=personas.team_a)
    kept = member_of(first, person__first_name="Julia", person__last_name="Dijk")
    merged = member_of(second, person__first_name="Julia", person__last_name="van Dijk", person__bsn="111222333")
    # The duplicate also lives in the first household: a second open membership there is set aside.
    twice = MembershipFactory(household=first.household, person=merged)
    ActionFactory(case=second, beneficiary=merged)
    ConsentFactory(case=second, person=merged)
    MeasurementFactory(case=second, person=merged, measured_by=lead)
    before = {"kept": relations_of(kept), "merged": relations_of(merged)}
    history_before = Person.history.filter(id=merged.pk).count()  # type: ignore[attr-defined]

    merge = merging.person_merge(survivor=kept, absorbed=merged, by=lead, reason="Dubbel ingeschreven.")

    assert all(pks == [] for pks in relations_of(merged).values())
    assert HouseholdMembership.objects.filter(person=kept).count() == 2  # one per household, the doubled one aside
    assert not HouseholdMembership.objects.filter(pk=twice.pk).exists()
    assert Action.objects.get(case=second).beneficiary == kept
    assert Consent.objects.get(case=second).person == kept and Measurement.objects.get(case=second).person == kept
    assert Person.objects.get(pk=kept.pk).bsn == "111222333"
    assert Person.history.filter(id=merged.pk).count() == history_before  # type: ignore[attr-defined]
    assert Action.history.filter(beneficiary=kept, history_user=lead).exists()  # type: ignore[attr-defined]
    assert (merge.kind, merge.merged_by, merge.reason) == ("person", lead, "Dubbel ingeschreven.")

    merging.merge_undo(merge=merge, by=lead)

    assert {"kept": relations_of(kept), "merged": relations_of(merged)} == before
    assert Person.objects.get(pk=kept.pk).bsn is None
    assert Merge.objects.get().undone_by == lead
    with pytest.raises(ValidationError):
        merging.merge_undo(merge=merge, by=lead)


def test_a_household_merge_moves_cases_members_and_allocations_and_is_undone(personas: Personas) -> None:
    lead = lead_of(personas.team_a)
    first = CaseFactory(team=personas.team_a, household=HouseholdFactory(postcode="1234AB", house_number=5))
    second = CaseFactory(team=personas.team_a, household=HouseholdFactory(postcode="1234AB", house_number=5))
    both = member_of(first)
    MembershipFactory(household=second.household, person=both)
    MembershipFactory(household=second.household)
    AllocationFactory(action=ActionFactory(case=second))
    pairs = duplicates.household_pairs(lead)
    assert [(pair.mine, pair.other) for pair in pairs] == [(first.household_id, second.household_id)]
    before = {"first": relations_of(first.household), "second": relations_of(second.household)}

    merge = merging.household_merge(survivor=first.household, absorbed=second.household, by=lead)

    assert set(Case.objects.filter(household=first.household)) == {first, second}
    assert Allocation.objects.get().household == first.household
    assert first.household.memberships.filter(end_date__isnull=True).count() == 2
    assert all(pks == [] for pks in relations_of(second.household).values())
    assert duplicates.household_pairs(lead) == []

    merging.merge_undo(merge=merge, by=lead)
    assert {"first": relations_of(first.household), "second": relations_of(second.household)} == before


def test_only_a_lead_of_both_sides_merges(personas: Personas) -> None:
    ours, theirs = CaseFactory(team=personas.team_a), CaseFactory(team=personas.team_b)
    mine, other = member_of(ours), member_of(theirs)
    from django.core.exceptions import PermissionDenied

    for user in (lead_of(personas.team_a), personas.professional):
        with pytest.raises(PermissionDenied):
            merging.person_merge(survivor=mine, absorbed=other, by=user)
    assert not Merge.objects.exists()


def test_the_lead_merges_and_undoes_on_the_screens(log_in, personas: Personas) -> None:
    lead = lead_of(personas.team_a)
    first, second = CaseFactory(team=personas.team_a), CaseFactory(team=personas.team_a)
    kept = member_of(first, person__first_name="Julia", person__last_name="Dijk")
    merged = member_of(second, person__first_name="Julia", person__surname_prefix="van", person__last_name="Dijk")
    client = log_in(lead)
    queue = client.get(reverse("cases:duplicate-queue")).content.decode()
    url = reverse("cases:person-merge", args=[kept.uuid, merged.uuid])
    assert url in queue
    page = client.post(url, {"decision": "different", "reason": ""}).content.decode()
    assert field_error(page, "id_reason")
    assert client.post(url, {"decision": "first", "reason": "Dubbel."}).status_code == 302
    merge = Merge.objects.get()
    assert merge.absorbed_person == merged
    assert AccessLogEntry.objects.filter(person_id=merged.pk, action="update", detail="duplicate merge").exists()
    stale = client.post(url, {"decision": "second", "reason": ""}, follow=True).content.decode()
    assert "Nothing has been changed" in stale or "Er is niets veranderd" in stale
    undo = reverse("cases:merge-undo", args=[merge.uuid])
    assert undo in client.get(reverse("cases:duplicate-queue")).content.decode()
    assert client.post(undo).status_code == 302
    assert second.household.memberships.get().person == merged
    assert log_in(personas.professional).get(reverse("cases:duplicate-queue")).status_code == 404


def test_a_pair_set_aside_leaves_the_queue(personas: Personas) -> None:
    lead = lead_of(personas.team_a)
    first, second = CaseFactory(team=personas.team_a), CaseFactory(team=personas.team_a)
    a = member_of(first, person__first_name="Julia", person__last_name="Dijk")
    b = member_of(second, person__first_name="Julia", person__last_name="Dijk")
    assert len(duplicates.person_pairs(lead)) == 1
    merging.pair_dismiss(kind="person", mine=a.pk, other=b.pk, by=lead, reason="Tweeling? Nee: nicht.")
    assert duplicates.person_pairs(lead) == []


@pytest.mark.django_db(transaction=True)
def test_two_merges_of_the_same_person_at_once_one_wins_the_other_is_told() -> None:
    from tests.organisations.factories import TeamFactory

    team = TeamFactory()
    leads = [lead_of(team) for _ in range(2)]
    with transaction.atomic():
        cases = [CaseFactory(team=team) for _ in range(3)]
    persons = [member_of(case, person__first_name="Julia", person__last_name="Dijk") for case in cases]
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def merge(lead: Any, survivor: Person) -> None:
        try:
            barrier.wait()
            outcomes.append(merging.person_merge(survivor=survivor, absorbed=persons[1], by=lead))
        except BaseException as error:  # collected and asserted below
            outcomes.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=merge, args=(leads[0], persons[0])),
        threading.Thread(target=merge, args=(leads[1], persons[2])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [outcome for outcome in outcomes if isinstance(outcome, Merge)]
    lost = [outcome for outcome in outcomes if not isinstance(outcome, Merge)]
    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], ValidationError)
    told = " ".join(lost[0].messages)
    assert "Er is niets veranderd" in told or "Nothing has been changed" in told
    assert Merge.objects.count() == 1
    assert not HouseholdMembership.objects.filter(person=persons[1]).exists()


def test_the_referral_service_records_a_link_to_an_existing_person(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    julia = member_of(case)
    buurt = NeighbourhoodFactory()
    personas.team_a.areas.add(buurt)
    member = services.PersonInput(
        first_name="J", last_name="D", role="parent", existing=julia, shown_matches=(julia.pk,)
    )
    new_case = services.referral_create(
        by=personas.professional, team=personas.team_a, street="Kade", house_number=1, postcode="1234AB",
        city="Teststad", neighbourhood=buurt, members=[member], referral_source="self",
        referral_reason="Hulpvraag.", legal_basis="consent",
    )  # fmt: skip
    assert new_case.household.memberships.get().person == julia
    assert DuplicateDecision.objects.get().outcome == "linked"


def test_the_lead_compares_two_households_at_one_address_and_merges_them(log_in, personas: Personas) -> None:
    lead = lead_of(personas.team_a)
    first = CaseFactory(team=personas.team_a, household=HouseholdFactory(postcode="1234AB", house_number=9))
    second = CaseFactory(team=personas.team_a, household=HouseholdFactory(postcode="1234AB", house_number=9))
    client = log_in(lead)
    url = reverse("cases:household-merge", args=[first.household.uuid, second.household.uuid])
    assert url in client.get(reverse("cases:duplicate-queue")).content.decode()
    page = client.get(url).content.decode()
    assert page.count("1234AB") >= 2
    assert AccessLogEntry.objects.filter(household_id=second.household_id, detail="duplicate review").exists()
    assert client.post(url, {"decision": "first", "reason": "Eén gezin."}).status_code == 302
    assert set(first.household.cases.all()) == {first, second}

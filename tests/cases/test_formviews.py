"""The form screens of casework: happy path, error path (message next to the field, values kept, nothing
saved), who may open them (one table), and constant query counts."""

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from cases import services
from cases.models import (
    Action,
    Case,
    CaseConference,
    CaseStatus,
    Consent,
    Goal,
    Household,
    HouseholdMembership,
    Involvement,
    Measurement,
    MeasurementScore,
    Person,
    PlanVersion,
)
from organisations.models import Role
from tests.cases.conftest import Scene
from tests.cases.factories import ActionFactory, CaseFactory, InvolvementFactory, MembershipFactory
from tests.cases.screens import (
    field_error,
    get_html,
    household_url,
    input_tag,
    input_value,
    is_marked_invalid,
    management,
)
from tests.conftest import Personas
from tests.organisations.factories import NeighbourhoodFactory, OrganisationFactory, TeamMembershipFactory
from themes.models import Instrument, Theme

pytestmark = pytest.mark.django_db

VALID_BSN = "111222333"
REQUIRED = "Dit veld is vereist."  # Django's own Dutch


def theme(code: str) -> Theme:
    return Theme.objects.get(code=code)


def url(name: str, scene: Scene, *more: object) -> str:
    return reverse(f"cases:{name}", args=[scene.case.uuid, *more])


# --- Referral --------------------------------------------------------------------------------


@pytest.fixture
def buurt(personas: Personas):
    area = NeighbourhoodFactory(name="Oude Noorden")
    personas.team_a.areas.add(area)
    return area


def referral_data(personas: Personas, buurt, **overrides: str) -> dict[str, str]:
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
        "referred_on": "2025-03-01",
        "legal_basis": "jeugdwet",
        **management("members", 2, min_num=1),
        "members-0-first_name": "Fatima",
        "members-0-surname_prefix": "",
        "members-0-last_name": "Bakker",
        "members-0-date_of_birth": "1985-05-17",
        "members-0-bsn": VALID_BSN,
        "members-0-role": "parent",
        "members-1-first_name": "Sem",
        "members-1-surname_prefix": "van",
        "members-1-last_name": "Bakker",
        "members-1-date_of_birth": "17-05-2015",
        "members-1-bsn": "",
        "members-1-role": "child",
    }
    data.update(overrides)
    return data


def test_a_referral_with_two_members_creates_household_and_case_in_the_inbox(log_in, personas: Personas, buurt) -> None:
    client = log_in(personas.professional)
    response = client.post(reverse("cases:referral-create"), referral_data(personas, buurt))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == household_url(case)
    assert case.household.postcode == "1234AB" and case.household.neighbourhood == buurt
    assert sorted(case.household.memberships.values_list("person__first_name", "role")) == [
        ("Fatima", "parent"),
        ("Sem", "child"),
    ]
    assert Person.objects.get(first_name="Sem").date_of_birth == datetime.date(2015, 5, 17)
    assert not case.involvements.exists() and case.referral_legal_basis == "jeugdwet"
    page = client.get(response["Location"]).content.decode()
    assert case.reference in page and "wacht in het postvak van het team" in page


def test_a_referral_with_errors_saves_nothing_and_keeps_every_value_next_to_its_message(
    log_in, personas: Personas, buurt
) -> None:
    client = log_in(personas.professional)
    data = referral_data(personas, buurt, postcode="12345", **{"members-0-bsn": "123456789", "members-1-role": ""})
    response = client.post(reverse("cases:referral-create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert field_error(page, "id_postcode") == "Vul een Nederlandse postcode in, zoals 1234AB."
    assert "geen geldig BSN" in field_error(page, "id_members-0-bsn")
    assert field_error(page, "id_members-1-role") == REQUIRED
    assert is_marked_invalid(page, "id_postcode") and is_marked_invalid(page, "id_members-0-bsn")
    assert input_value(page, "id_street") == "Lindelaan"
    assert input_value(page, "id_postcode") == "12345"
    assert input_value(page, "id_members-0-bsn") == "123456789"
    assert input_value(page, "id_members-1-first_name") == "Sem"
    assert input_value(page, "id_members-1-date_of_birth") == "17-05-2015"
    assert input_value(page, "id_referral_reason") == "Veel schoolverzuim."
    assert input_value(page, "id_neighbourhood") == buurt.code
    assert "Er is nog niets opgeslagen" in page
    assert not Household.objects.exists() and not Person.objects.exists() and not Case.objects.exists()


def test_a_neighbourhood_outside_the_chosen_team_is_refused_next_to_the_field(
    log_in, personas: Personas, buurt
) -> None:
    other = NeighbourhoodFactory(name="Zuidpunt")
    personas.team_b.areas.add(other)
    TeamMembershipFactory(team=personas.team_b, user=personas.professional)
    client = log_in(personas.professional)
    page = client.get(reverse("cases:referral-create")).content.decode()
    assert "<optgroup" in page and "Zuidpunt" in page  # both teams' neighbourhoods, grouped per team
    response = client.post(reverse("cases:referral-create"), referral_data(personas, buurt, neighbourhood=other.code))
    page = response.content.decode()
    assert field_error(page, "id_neighbourhood") == "Deze buurt ligt niet in het werkgebied van het team."
    assert not Household.objects.exists()


def test_a_bsn_of_someone_in_another_teams_case_makes_a_new_person_and_names_nobody(
    log_in, personas: Personas, buurt
) -> None:
    theirs = CaseFactory(team=personas.team_b)
    anna = MembershipFactory(household=theirs.household, person__first_name="Anna", person__bsn=VALID_BSN).person
    client = log_in(personas.professional)
    response = client.post(reverse("cases:referral-create"), referral_data(personas, buurt), follow=True)
    assert "Anna" not in response.content.decode()
    ours = Household.objects.exclude(pk=theirs.household_id).get()
    assert ours.memberships.get(person__bsn=VALID_BSN).person.first_name == "Fatima"
    assert anna.memberships.count() == 1


def test_the_same_bsn_for_two_members_is_marked_on_the_second(log_in, personas: Personas, buurt) -> None:
    client = log_in(personas.professional)
    response = client.post(
        reverse("cases:referral-create"), referral_data(personas, buurt, **{"members-1-bsn": VALID_BSN})
    )
    page = response.content.decode()
    assert field_error(page, "id_members-1-bsn") == "Hetzelfde BSN is opgegeven voor twee leden."
    assert field_error(page, "id_members-0-bsn") == ""
    assert not Household.objects.exists()


def test_add_member_adds_a_row_and_keeps_what_was_typed_without_judging_it(log_in, personas: Personas, buurt) -> None:
    client = log_in(personas.professional)
    data = referral_data(personas, buurt, postcode="", **{"members-row": "add"})
    response = client.post(reverse("cases:referral-create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="members-2"' in page and 'name="members-TOTAL_FORMS" value="3"' in page
    assert "autofocus" in input_tag(page, "id_members-2-first_name")
    assert input_value(page, "id_street") == "Lindelaan"
    assert input_value(page, "id_members-1-first_name") == "Sem"
    assert input_value(page, "id_members-1-role") == "child"
    assert input_value(page, "id_members-2-first_name") == ""
    assert "_error" not in page and "Er is nog niets opgeslagen" not in page  # nothing judged yet
    assert not Household.objects.exists()


def test_remove_member_drops_only_that_row(log_in, personas: Personas, buurt) -> None:
    client = log_in(personas.professional)
    response = client.post(
        reverse("cases:referral-create"), referral_data(personas, buurt, **{"members-row": "remove-0"})
    )
    page = response.content.decode()
    assert 'name="members-TOTAL_FORMS" value="1"' in page
    assert input_value(page, "id_members-0-first_name") == "Sem"
    assert not Household.objects.exists()


# --- The plan ------------------------------------------------------------------------------------


def plan_data(based_on: int, **overrides: str) -> dict[str, str]:
    data = {
        "based_on_version": str(based_on),
        "author": "household",
        "summary": "Ons eigen plan",
        "agreed_on": "2025-03-01",
        "evaluate_on": "2025-09-01",
        **management("goals", 2, min_num=1, max_num=30),
        "goals-0-theme": theme("werk").code,
        "goals-0-text": "We willen van de schulden af",
        "goals-0-in_own_words": "on",
        "goals-0-status": "open",
        "goals-1-theme": theme("onderwijs").code,
        "goals-1-text": "Sem gaat elke dag naar school",
        "goals-1-status": "open",
    }
    data.update(overrides)
    return data


def test_saving_the_plan_makes_version_one_with_its_goals(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    page = get_html(client, url("plan-edit", scene))
    assert input_value(page, "id_based_on_version") == "0"
    response = client.post(url("plan-edit", scene), plan_data(0))
    assert response.status_code == 302 and response["Location"] == household_url(scene.case)
    version = PlanVersion.objects.get(plan__case=scene.case)
    assert (version.number, version.author, version.agreed_on) == (1, "household", datetime.date(2025, 3, 1))
    goals = list(version.goals.values_list("text", "in_own_words"))
    assert goals == [("We willen van de schulden af", True), ("Sem gaat elke dag naar school", False)]
    assert "versie 1" in client.get(response["Location"]).content.decode()


def test_the_plan_form_starts_from_the_current_version(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    client.post(url("plan-edit", scene), plan_data(0))
    page = get_html(client, url("plan-edit", scene))
    assert input_value(page, "id_based_on_version") == "1"
    assert input_value(page, "id_summary") == "Ons eigen plan"
    assert input_value(page, "id_goals-1-text") == "Sem gaat elke dag naar school"
    assert input_value(page, "id_goals-1-theme") == theme("onderwijs").code
    assert "checked" not in input_tag(page, "id_goals-1-in_own_words")


def test_a_plan_with_errors_saves_nothing_and_keeps_the_text(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    data = plan_data(0, **{"goals-0-text": "", "evaluate_on": "1-1-2025"})
    page = client.post(url("plan-edit", scene), data).content.decode()
    assert field_error(page, "id_goals-0-text") == REQUIRED
    assert input_value(page, "id_summary") == "Ons eigen plan"
    assert input_value(page, "id_goals-1-text") == "Sem gaat elke dag naar school"
    assert not PlanVersion.objects.exists()
    # The service's rule comes back next to its field too.
    page = client.post(url("plan-edit", scene), plan_data(0, evaluate_on="2025-01-01")).content.decode()
    assert field_error(page, "id_evaluate_on") == "De evaluatiedatum moet na de datum van de afspraak liggen."
    assert not PlanVersion.objects.exists()


def test_the_second_of_two_editors_gets_the_conflict_and_loses_nothing(
    log_in, personas: Personas, scene: Scene
) -> None:
    # Both open version 0.
    first = log_in(personas.professional)
    assert input_value(get_html(first, url("plan-edit", scene)), "id_based_on_version") == "0"
    second = log_in(personas.team_lead)
    give_reason(second, scene)  # the lead does not work on the household: the reason first
    assert input_value(get_html(second, url("plan-edit", scene)), "id_based_on_version") == "0"
    # The team lead saves first.
    second.post(url("plan-edit", scene), plan_data(0, summary="Versie van de teamleider"))
    # The professional saves the same version 0 later.
    first = log_in(personas.professional)
    mine = plan_data(0, summary="Mijn versie", **{"goals-0-text": "Mijn eigen doel"})
    response = first.post(url("plan-edit", scene), mine)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page and f"{personas.team_lead} heeft versie 1 van het plan opgeslagen" in page
    assert input_value(page, "id_summary") == "Mijn versie"  # nothing lost
    assert input_value(page, "id_goals-0-text") == "Mijn eigen doel"
    assert "Versie van de teamleider" in page  # the other version next to it
    assert input_value(page, "id_based_on_version") == "1"
    assert list(PlanVersion.objects.values_list("summary", flat=True)) == ["Versie van de teamleider"]
    # Saving again, after merging by hand, builds on version 1.
    response = first.post(url("plan-edit", scene), {**mine, "based_on_version": "1"})
    assert response.status_code == 302
    assert list(PlanVersion.objects.order_by("number").values_list("summary", flat=True)) == [
        "Versie van de teamleider",
        "Mijn versie",
    ]


def test_add_goal_keeps_the_plan_typed_so_far(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    page = client.post(url("plan-edit", scene), plan_data(0, **{"goals-row": "add"})).content.decode()
    assert 'id="goals-2"' in page and input_value(page, "id_goals-1-text") == "Sem gaat elke dag naar school"
    assert input_value(page, "id_summary") == "Ons eigen plan"
    assert not PlanVersion.objects.exists()


def save_plan(scene: Scene, by, based_on: int, goals: list[tuple[str, str, str]], **fields: object) -> PlanVersion:
    return services.plan_save(
        case=scene.case,
        by=by,
        based_on_version=based_on,
        author=fields.pop("author", "team"),
        summary=fields.pop("summary", ""),
        goals=[services.GoalInput(theme=theme(code), text=text, status=status) for code, text, status in goals],
        **fields,
    )


def test_earlier_versions_are_listed_viewable_and_compared(log_in, personas: Personas, scene: Scene) -> None:
    save_plan(
        scene, personas.professional, 0, [("werk", "Schulden in beeld", "open"), ("wonen", "Huur betalen", "open")]
    )
    save_plan(scene, personas.professional, 1, [("werk", "Schulden in beeld", "achieved"), ("welzijn", "Rust", "open")])
    client = log_in(personas.professional)
    page = get_html(client, url("plan-versions", scene))
    assert url("plan-version", scene, 1) in page and url("plan-version", scene, 2) in page
    assert "Huur betalen" in get_html(client, url("plan-version", scene, 1))
    assert client.get(url("plan-version", scene, 9)).status_code == 404
    page = get_html(client, url("plan-versions", scene) + "?van=1&met=2")
    assert "Versie 1 vergeleken met versie 2" in page
    rows = {label: page.count(f'class="utrecht-table__row {label}"') for label in ("added", "removed", "changed")}
    assert rows == {"added": 1, "removed": 1, "changed": 1}


# --- Actions --------------------------------------------------------------------------------------


def action_data(scene: Scene, **overrides: str) -> dict[str, str]:
    data = {
        "theme": theme("werk").code,
        "description": "Budgetcoaching",
        "delivering_organisation": str(scene.colleague.organisation.uuid),
        "beneficiary": str(scene.parent.person.uuid),
        "planned_cost": "1.250,50",
        "status": "approved",
        "start_date": "2025-03-01",
        "end_date": "2025-09-01",
        "product_code": "02A08",
    }
    data.update(overrides)
    return data


def test_an_action_takes_a_dutch_amount_and_a_member_as_beneficiary(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    response = client.post(url("action-create", scene), action_data(scene))
    assert response.status_code == 302 and response["Location"] == household_url(scene.case)
    action = Action.objects.get(description="Budgetcoaching", product_code="02A08")
    assert action.planned_cost == Decimal("1250.50")
    assert action.beneficiary == scene.parent.person and action.status == "approved"


def test_an_action_for_the_whole_household_without_cost(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    client.post(url("action-create", scene), action_data(scene, beneficiary="", planned_cost="", description="Gezin"))
    action = Action.objects.get(description="Gezin")
    assert action.beneficiary is None and action.planned_cost == Decimal("0")


def test_an_action_with_errors_saves_nothing_and_keeps_the_values(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    stranger = MembershipFactory().person  # lives elsewhere
    data = action_data(scene, planned_cost="12,34,5", end_date="2025-01-01", beneficiary=str(stranger.uuid))
    page = client.post(url("action-create", scene), data).content.decode()
    assert field_error(page, "id_planned_cost") == "Vul een bedrag in, zoals 1.250,50."
    assert field_error(page, "id_end_date") == "Het einde kan niet vóór het begin liggen."
    assert "Selecteer een geldige keuze" in field_error(page, "id_beneficiary")
    assert input_value(page, "id_planned_cost") == "12,34,5"
    assert input_value(page, "id_description") == "Budgetcoaching"
    assert not Action.objects.filter(description="Budgetcoaching", product_code="02A08").exists()


def test_a_negative_amount_is_refused(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    page = client.post(url("action-create", scene), action_data(scene, planned_cost="-5,00")).content.decode()
    assert "minstens 0" in field_error(page, "id_planned_cost")


def test_the_status_of_an_action_changes(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    page = get_html(client, url("action-create", scene))
    assert url("action-status", scene, scene.action.uuid) in page
    response = client.post(url("action-status", scene, scene.action.uuid), {"status": "done", "version": "1"})
    assert response.status_code == 302
    scene.action.refresh_from_db()
    assert scene.action.status == "done"


def test_an_action_of_another_case_is_not_found_through_this_case(log_in, personas: Personas, scene: Scene) -> None:
    other = ActionFactory(case=CaseFactory(team=personas.team_a))
    client = log_in(personas.professional)
    assert client.post(url("action-status", scene, other.uuid), {"status": "done"}).status_code == 404
    other.refresh_from_db()
    assert other.status == "proposed"


def test_a_closed_case_refuses_new_actions_with_a_message(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, closed=True)
    client = log_in(personas.team_lead)
    client.post(reverse("cases:household-purpose", args=[case.household.uuid]), {"reason": "review"})
    organisation = OrganisationFactory()
    data = {
        "theme": theme("werk").code,
        "description": "Budgetcoaching",
        "delivering_organisation": str(organisation.uuid),
        "status": "proposed",
    }
    page = client.post(reverse("cases:action-create", args=[case.uuid]), data).content.decode()
    assert "Deze casus is afgesloten" in page
    assert not Action.objects.filter(case=case).exists()


# --- Measurements -----------------------------------------------------------------------------------


def measurement_data(scene: Scene, **overrides: str) -> dict[str, str]:
    data = {
        "instrument": "zrm",
        "person": str(scene.parent.person.uuid),
        "measured_on": "2025-03-01",
        "scored-financien": "on",
        "score-financien": "2",
        "reason-financien": "Schulden, aanmaningen",
        "score-huisvesting": "4",  # chosen, but the domain is not ticked: not saved
    }
    data.update(overrides)
    return data


def test_a_measurement_saves_only_the_ticked_domains_with_their_reason(
    log_in, personas: Personas, scene: Scene
) -> None:
    client = log_in(personas.professional)
    page = get_html(client, url("measurement-create", scene))
    assert "Autoriteit Persoonsgegevens" in page  # the page says why scoring is partial
    assert "1 acute problematiek" in page and "5 volledig zelfredzaam" in page
    response = client.post(url("measurement-create", scene), measurement_data(scene))
    assert response.status_code == 302
    measurement = Measurement.objects.get()
    assert measurement.instrument.code == "zrm" and measurement.person == scene.parent.person
    assert list(measurement.scores.values_list("domain__code", "score", "reason")) == [
        ("financien", 2, "Schulden, aanmaningen")
    ]


def test_a_ticked_domain_without_reason_saves_nothing_and_keeps_the_score(
    log_in, personas: Personas, scene: Scene
) -> None:
    client = log_in(personas.professional)
    page = client.post(url("measurement-create", scene), measurement_data(scene, **{"reason-financien": " "}))
    page = page.content.decode()
    assert field_error(page, "id_reason-financien") == "Zeg waarom dit domein gescoord wordt."
    assert "checked" in input_tag(page, "id_score-financien_1")  # the 2 stays chosen
    assert "checked" in input_tag(page, "id_scored-financien")
    assert not Measurement.objects.exists() and not MeasurementScore.objects.exists()


def test_a_measurement_without_any_domain_says_so(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    data = measurement_data(scene)
    del data["scored-financien"]
    page = client.post(url("measurement-create", scene), data).content.decode()
    assert "Scoor minstens één domein." in page
    assert not Measurement.objects.exists()


def test_positive_health_is_scored_from_zero_to_ten(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    page = get_html(client, url("measurement-create", scene) + "?instrument=positieve-gezondheid")
    assert 'name="score-zingeving" value="0"' in page and 'name="score-zingeving" value="10"' in page
    assert "gespreksinstrument" in page
    data = {
        "instrument": "positieve-gezondheid",
        "person": str(scene.child.person.uuid),
        "measured_on": "2025-03-01",
        "scored-zingeving": "on",
        "score-zingeving": "7",
        "reason-zingeving": "Gesprek over school",
    }
    assert client.post(url("measurement-create", scene), data).status_code == 302
    assert Measurement.objects.get().instrument == Instrument.objects.get(code="positieve-gezondheid")


# --- Case conference --------------------------------------------------------------------------------


def conference_data(scene: Scene, personas: Personas, **overrides: str) -> dict[str, str]:
    data = {
        "held_on": "2025-03-01",
        "participants": [str(personas.professional.uuid), str(scene.colleague.uuid)],
        "other_participants": "Moeder, leerkracht",
        "household_present": "on",
        "decisions": "Schuldhulp inzetten.",
        **management("items", 2, max_num=20),
        "items-0-theme": theme("werk").code,
        "items-0-description": "Aanmelden schuldhulp",
        "items-0-delivering_organisation": str(scene.colleague.organisation.uuid),
        "items-0-beneficiary": "",
        "items-0-planned_cost": "300",
        # items-1 left empty: skipped
        "items-1-theme": "",
        "items-1-description": "",
        "items-1-delivering_organisation": "",
        "items-1-beneficiary": "",
        "items-1-planned_cost": "",
    }
    data.update(overrides)
    return data


def test_a_case_conference_turns_its_action_items_into_actions(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    page = get_html(client, url("conference-create", scene))
    assert "Karin Smit" in page  # the involved professionals to tick
    response = client.post(url("conference-create", scene), conference_data(scene, personas))
    assert response.status_code == 302
    conference = CaseConference.objects.get()
    assert set(conference.participants.all()) == {personas.professional, scene.colleague}
    assert list(conference.actions.values_list("description", "planned_cost")) == [
        ("Aanmelden schuldhulp", Decimal("300"))
    ]


def test_a_case_conference_without_participants_saves_nothing_and_keeps_the_items(
    log_in, personas: Personas, scene: Scene
) -> None:
    client = log_in(personas.professional)
    data = conference_data(scene, personas, participants=[])
    page = client.post(url("conference-create", scene), data).content.decode()
    assert field_error(page, "id_participants") == "Kies wie er meededen."
    assert input_value(page, "id_items-0-description") == "Aanmelden schuldhulp"
    assert input_value(page, "id_decisions") == "Schuldhulp inzetten."
    assert not CaseConference.objects.exists()
    assert not Action.objects.filter(description="Aanmelden schuldhulp").exists()


# --- The coordinator and the status --------------------------------------------------------------------


def test_the_team_lead_assigns_another_coordinator(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.team_lead)
    give_reason(client, scene)  # not involved in the household: the reason first, as on its page
    response = client.post(url("coordinator-assign", scene), {"professional": str(scene.colleague.uuid)})
    assert response.status_code == 302
    active = Involvement.objects.filter(case=scene.case, is_coordinator=True, end_date__isnull=True)
    assert [involvement.professional for involvement in active] == [scene.colleague]


def test_a_new_coordinator_who_is_not_involved_needs_a_legal_basis(log_in, personas: Personas, scene: Scene) -> None:
    newcomer = TeamMembershipFactory(team=personas.team_a).user
    client = log_in(personas.team_lead)
    give_reason(client, scene)
    page = client.post(url("coordinator-assign", scene), {"professional": str(newcomer.uuid)}).content.decode()
    assert field_error(page, "id_legal_basis") == "Geef de grondslag voor de betrokkenheid van de nieuwe regisseur."
    assert input_value(page, "id_professional") == str(newcomer.uuid)
    assert Involvement.objects.get(case=scene.case, is_coordinator=True).professional == personas.professional


def test_only_the_team_lead_sees_the_coordinator_link(log_in, personas: Personas, scene: Scene) -> None:
    link = url("coordinator-assign", scene)
    lead = log_in(personas.team_lead)
    # Not involved in the household: the team lead says why once (privacy/purpose.py), then sees the page.
    lead.post(reverse("cases:household-purpose", args=[scene.case.household.uuid]), {"reason": "review"})
    assert link in get_html(lead, household_url(scene.case))
    assert link not in get_html(log_in(personas.professional), household_url(scene.case))


def test_the_status_form_offers_only_the_next_steps_of_the_table(log_in, personas: Personas, scene: Scene) -> None:
    page = get_html(log_in(personas.professional), url("case-transition", scene))
    offered = sorted(set(re.findall(r'name="to_status" value="(\w+)"', page)))
    assert offered == sorted([CaseStatus.PLAN, CaseStatus.CLOSED])


def test_the_coordinator_moves_the_case_on_and_closing_needs_a_reason(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    page = client.post(url("case-transition", scene), {"to_status": "afgesloten", "reason": ""}).content.decode()
    assert field_error(page, "id_reason") == "Zeg waarom de casus wordt afgesloten."
    assert "checked" in input_tag(page, "id_to_status_1")
    scene.case.refresh_from_db()
    assert scene.case.status == CaseStatus.INTAKE
    response = client.post(url("case-transition", scene), {"to_status": "plan", "reason": ""})
    assert response.status_code == 302
    scene.case.refresh_from_db()
    assert scene.case.status == CaseStatus.PLAN


def test_a_team_member_who_does_not_coordinate_reads_why_they_cannot_change_the_status(
    log_in, personas: Personas, scene: Scene
) -> None:
    page = get_html(log_in(scene.colleague), url("case-transition", scene))
    assert 'name="to_status"' not in page and "regisseur" in page


# --- Involvements, members, consent --------------------------------------------------------------------------


def test_a_professional_is_involved_on_a_legal_basis(log_in, personas: Personas, scene: Scene) -> None:
    police = TeamMembershipFactory(team=personas.team_b, user__first_name="Wijkagent").user
    client = log_in(personas.professional)
    data = {"professional": str(police.uuid), "role": "adviser", "legal_basis": "", "start_date": "2025-03-01"}
    page = client.post(url("involvement-create", scene), data).content.decode()
    assert field_error(page, "id_legal_basis") == REQUIRED
    assert input_value(page, "id_role") == "adviser"
    assert not Involvement.objects.filter(professional=police).exists()
    response = client.post(url("involvement-create", scene), {**data, "legal_basis": "police"})
    assert response.status_code == 302
    involvement = Involvement.objects.get(professional=police)
    assert (involvement.legal_basis, involvement.organisation) == ("police", police.organisation)


def test_an_involvement_ends_and_the_coordinators_cannot(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    page = get_html(client, url("involvement-create", scene))
    assert url("involvement-end", scene, scene.involvement.uuid) in page
    coordinator = Involvement.objects.get(case=scene.case, is_coordinator=True)
    assert url("involvement-end", scene, coordinator.uuid) not in page
    page = client.post(url("involvement-end", scene, coordinator.uuid), {"end_date": "2025-03-01"}).content.decode()
    assert "Wijs eerst een andere regisseur aan" in page
    response = client.post(url("involvement-end", scene, scene.involvement.uuid), {"end_date": "2025-03-01"})
    assert response.status_code == 302
    scene.involvement.refresh_from_db()
    assert scene.involvement.end_date == datetime.date(2025, 3, 1)


def test_an_involvement_cannot_end_before_it_began(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    page = client.post(url("involvement-end", scene, scene.involvement.uuid), {"end_date": "2020-01-01"})
    assert field_error(page.content.decode(), "id_end_date") == "De datum kan niet vóór 10-1-2025 liggen."
    scene.involvement.refresh_from_db()
    assert scene.involvement.end_date is None


def test_a_person_joins_the_household(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    data = {
        "first_name": "Noor",
        "surname_prefix": "",
        "last_name": "Bakker",
        "date_of_birth": "2024-02-02",
        "bsn": "123456789",
        "role": "child",
        "start_date": "2025-03-01",
    }
    page = client.post(url("member-create", scene), data).content.decode()
    assert "geen geldig BSN" in field_error(page, "id_bsn")
    assert input_value(page, "id_first_name") == "Noor" and input_value(page, "id_role") == "child"
    assert not Person.objects.filter(first_name="Noor").exists()
    response = client.post(url("member-create", scene), {**data, "bsn": "1112 22 333"})
    assert response.status_code == 302
    joined = HouseholdMembership.objects.get(person__first_name="Noor")
    assert joined.household == scene.case.household and joined.person.bsn == VALID_BSN


def test_a_member_leaves_and_the_history_is_kept(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    assert url("member-end", scene, scene.child.person.uuid) in get_html(client, url("member-create", scene))
    response = client.post(url("member-end", scene, scene.child.person.uuid), {"end_date": "2025-06-30"})
    assert response.status_code == 302
    scene.child.refresh_from_db()
    assert scene.child.end_date == datetime.date(2025, 6, 30)
    page = get_html(client, url("member-create", scene))
    assert "Sem Bakker" in page and "30 juni 2025" in page  # still listed, with the end of the period
    assert client.get(url("member-end", scene, scene.child.person.uuid)).status_code == 404  # already left


def test_consent_is_recorded_and_revoked(log_in, personas: Personas, scene: Scene) -> None:
    client = log_in(personas.professional)
    data = {
        "person": str(scene.parent.person.uuid),
        "purpose": "Gegevens delen met schuldhulp",
        "organisations": [str(scene.colleague.organisation.uuid)],
        "given_on": "2025-03-01",
        "expires_on": "2025-02-01",
    }
    page = client.post(url("consent-create", scene), data).content.decode()
    assert field_error(page, "id_expires_on") == "De toestemming kan niet verlopen voordat die is gegeven."
    assert input_value(page, "id_purpose") == "Gegevens delen met schuldhulp"
    assert re.search(rf'value="{scene.colleague.organisation.uuid}"[^>]*\bchecked', page)
    assert not Consent.objects.filter(purpose="Gegevens delen met schuldhulp").exists()
    assert client.post(url("consent-create", scene), {**data, "expires_on": ""}).status_code == 302
    consent = Consent.objects.get(purpose="Gegevens delen met schuldhulp")
    assert list(consent.organisations.all()) == [scene.colleague.organisation]
    response = client.post(url("consent-revoke", scene, consent.uuid), {"end_date": "2025-04-01"})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_on == datetime.date(2025, 4, 1)


# --- Who may submit what: the matrix (tests/test_permission_matrix.py) has every GET and role; this table
# adds what it does not: an empty POST to every form screen, and a colleague who is not the coordinator.


CASE_SCREENS = [
    "plan-edit",
    "plan-versions",
    "plan-version",
    "action-create",
    "action-status",
    "measurement-create",
    "conference-create",
    "coordinator-assign",
    "case-transition",
    "involvement-create",
    "involvement-end",
    "member-create",
    "member-end",
    "consent-create",
    "consent-revoke",
]
OTHER_SCREENS = ["referral-create", "search"]
OUTSIDERS = ["professional_b", "bureau", "auditor", "privacy_officer", "administrator", "outsider"]

# (screen, who) → status of GET and of POST, where it differs from "200 for the team, 404 for everyone else".
EXCEPTIONS = {
    ("coordinator-assign", "professional"): (403, 403),
    ("coordinator-assign", "colleague"): (403, 403),
    ("case-transition", "colleague"): (200, 403),
    ("referral-create", "outsider"): (403, 403),  # a professional in no team has nowhere to refer to
    ("search", "outsider"): (200, 200),  # may search, finds nothing
    ("referral-create", "professional_b"): (200, 200),  # refers into their own team
    ("search", "professional_b"): (200, 200),  # searches their own team's households
}


def screen_url(name: str, scene: Scene) -> str:
    more = {
        "plan-version": [1],
        "action-status": [scene.action.uuid],
        "involvement-end": [scene.involvement.uuid],
        "member-end": [scene.child.person.uuid],
        "consent-revoke": [scene.consent.uuid],
    }
    if name in OTHER_SCREENS:
        return reverse(f"cases:{name}")
    return url(name, scene, *more.get(name, []))


READ_ONLY = {"plan-versions", "plan-version"}


def expected(name: str, who: str) -> tuple[int, int]:
    if (name, who) in EXCEPTIONS:
        return EXCEPTIONS[(name, who)]
    if who in OUTSIDERS:
        return (404, 404)
    return (200, 405 if name in READ_ONLY else 200)


ROWS = [
    (name, who)
    for name in CASE_SCREENS + OTHER_SCREENS
    for who in ["professional", "team_lead", "colleague", *OUTSIDERS]
]


def give_reason(client: Client, scene: Scene) -> None:
    """A team lead who does not work on the household gives the reason once per session."""
    answer = client.post(reverse("cases:household-purpose", args=[scene.case.household.uuid]), {"reason": "review"})
    assert answer.status_code == 302


def test_a_team_lead_outside_the_household_is_asked_the_reason_before_a_form(
    log_in, personas: Personas, scene: Scene
) -> None:
    client = log_in(personas.team_lead)
    target = screen_url("action-create", scene)
    asked = client.get(target)
    assert asked.status_code == 302 and "/doel/" in asked["Location"]
    assert client.post(target, {"description": "Schuldhulp"}).status_code == 302  # nothing saved half-way
    give_reason(client, scene)
    assert client.get(target).status_code == 200


@pytest.mark.parametrize("name, who", ROWS)
def test_who_may_open_and_submit_each_screen(log_in, personas: Personas, scene: Scene, name: str, who: str) -> None:
    save_plan(scene, personas.professional, 0, [("werk", "Doel", "open")])
    user = scene.colleague if who == "colleague" else getattr(personas, who)
    client = log_in(user)
    if who == "team_lead":
        give_reason(client, scene)  # the lead does not work on the household: asked once (#13 item 2)
    target = screen_url(name, scene)
    get_status, post_status = expected(name, who)
    assert client.get(target).status_code == get_status
    # An empty POST: a screen the user may use answers with its form again (200), never a write.
    response = client.post(target, {})
    assert response.status_code == post_status
    assert PlanVersion.objects.count() == 1 and Household.objects.count() == 1


# --- Constant number of queries ------------------------------------------------------------------------


def grow(scene: Scene, personas: Personas) -> None:
    """Many members, involvements, actions, consents and plan versions on the same case."""
    for _ in range(12):
        person = MembershipFactory(household=scene.case.household).person
        colleague = TeamMembershipFactory(team=personas.team_a).user
        InvolvementFactory(case=scene.case, professional=colleague)
        ActionFactory(case=scene.case, beneficiary=person)
        consent = Consent.objects.create(
            case=scene.case, person=person, purpose="Delen", given_on=scene.case.referred_on, recorded_by=colleague
        )
        consent.organisations.set([OrganisationFactory(), OrganisationFactory()])
    goals = [("werk", f"Doel {n}", "open") for n in range(10)]
    scene.case.plan.refresh_from_db()
    for number in range(scene.case.plan.version, scene.case.plan.version + 4):
        save_plan(scene, personas.professional, number, goals)


# Every request of a logged-in user loads its verified second-factor device once (django-otp),
# and every screen of a case logs the access: the actor's organisation, then one INSERT.
DEVICE = 1 + 2
# A team lead's screen of a case first looks up the lead's own involvements: is the read within their purpose?
PURPOSE = 1

# Measured with small and large data (see grow); the same number both times, plus the device.
QUERIES = {
    "plan-edit": 6,
    "plan-versions": 4,
    "plan-version": 5,
    "action-create": 7,
    "action-status": 4,
    "measurement-create": 6,
    "conference-create": 8,  # the team, for who follows an action item up (issue 15)
    "coordinator-assign": 6,
    "case-transition": 4,
    "involvement-create": 5,
    "involvement-end": 4,
    "member-create": 4,
    "member-end": 4,
    "consent-create": 7,
    "consent-revoke": 4,
    "referral-create": 4,
    "search": 2,
}


@pytest.mark.parametrize("name", CASE_SCREENS + OTHER_SCREENS)
def test_each_screen_uses_a_constant_number_of_queries(
    log_in, personas: Personas, scene: Scene, name: str, django_assert_max_num_queries
) -> None:
    save_plan(scene, personas.professional, 0, [("werk", "Doel", "open")])
    client = log_in(personas.team_lead)
    give_reason(client, scene)
    target = screen_url(name, scene)
    budget = QUERIES[name] + DEVICE + (PURPOSE if name in CASE_SCREENS else 0)
    with django_assert_max_num_queries(budget):
        assert client.get(target).status_code == 200
    grow(scene, personas)
    with django_assert_max_num_queries(budget):
        assert client.get(target).status_code == 200


def test_the_plan_comparison_uses_a_constant_number_of_queries(
    log_in, personas: Personas, scene: Scene, django_assert_max_num_queries
) -> None:
    grow(scene, personas)
    client = log_in(personas.professional)
    with django_assert_max_num_queries(6 + DEVICE):
        assert client.get(url("plan-versions", scene) + "?van=1&met=4").status_code == 200


def test_a_submitted_formset_of_many_rows_uses_a_constant_number_of_queries(
    log_in, personas: Personas, scene: Scene, django_assert_max_num_queries
) -> None:
    client = log_in(personas.professional)
    rows = {}
    for n in range(20):
        rows |= {f"goals-{n}-theme": theme("werk").code, f"goals-{n}-text": "", f"goals-{n}-status": "open"}
    data = {**plan_data(0), **management("goals", 20, min_num=1, max_num=30), **rows}
    with django_assert_max_num_queries(10 + DEVICE):
        page = client.post(url("plan-edit", scene), data).content.decode()
    assert field_error(page, "id_goals-19-text") == REQUIRED
    assert not Goal.objects.exists()


def test_roles_without_casework_cannot_reach_the_referral_form(log_in, personas: Personas) -> None:
    lead_of_nothing = TeamMembershipFactory(user__role=Role.PROGRAMME_BUREAU).user
    assert log_in(lead_of_nothing).get(reverse("cases:referral-create")).status_code == 404

"""The household page's audit panels: who viewed the household, and the history of its case data."""

import datetime

import pytest
from django.urls import reverse

from cases import services
from cases.models import Action, Case, CaseStatus, Contact, Plan
from funding import services as funding_services
from funding.models import Silo
from organisations.models import Role
from privacy import access_log
from privacy.actor import acting_as
from privacy.models import AccessLogEntry
from tests.cases.factories import ActionFactory, CaseFactory, InvolvementFactory, MembershipFactory
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, BlockageFactory
from tests.organisations.factories import OrganisationFactory, TeamMembershipFactory, UserFactory
from themes.models import Instrument, Theme

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 2)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime.datetime(2025, 6, 2, 10, 0, tzinfo=datetime.UTC), tick=False)


def a_case(personas: Personas) -> Case:
    return CaseFactory(team=personas.team_a, coordinator=personas.professional, status=CaseStatus.EXECUTION)


def household_url(case: Case) -> str:
    return reverse("cases:household", args=[case.household.uuid])


def viewers_url(case: Case) -> str:
    return reverse("cases:household-viewers", args=[case.household.uuid])


def history_url(case: Case) -> str:
    return reverse("cases:household-history", args=[case.household.uuid])


def reads(case: Case, user, count: int = 1, channel: str | None = None) -> None:  # type: ignore[no-untyped-def]
    for _ in range(count):
        access_log.record(
            user=user, action="read", subject=access_log.subject_for(case.household), channel=channel or "screen"
        )


def section(html: str, anchor: str) -> str:
    return html.split(f'id="{anchor}"')[1].split("</section>")[0]


# --- Wie bekeek dit huishouden ------------------------------------------------------------------


def test_the_coordinator_sees_who_read_the_household_with_role_organisation_time_and_channel(
    log_in, personas: Personas
) -> None:
    case = a_case(personas)
    colleague = TeamMembershipFactory(
        team=personas.team_a,
        user__first_name="Ayla",
        user__last_name="Demir",
        user__organisation=OrganisationFactory(name="Schuldhulp Noord"),
    ).user
    reads(case, colleague, channel="api")
    html = log_in(personas.professional).get(household_url(case)).content.decode()
    panel = section(html, "inzage")
    assert "Wie bekeek dit huishouden" in panel
    row = panel.split("Ayla Demir")[1].split("</tr>")[0]
    assert "wijkteamprofessional" in row and "Schuldhulp Noord" in row and "API" in row
    assert "2 jun 2025" in panel.split("Ayla Demir")[0].split("<tr")[-1]
    assert 'href="#inzage"' in html


def give_reason(client, case) -> None:  # type: ignore[no-untyped-def]
    """A team lead who works on none of the household's cases says why, once (privacy/purpose.py)."""
    response = client.post(reverse("cases:household-purpose", args=[case.household.uuid]), {"reason": "review"})
    assert response.status_code == 302


def test_the_team_lead_of_the_owning_team_sees_the_panel(log_in, personas: Personas) -> None:
    case = a_case(personas)
    reads(case, personas.professional)
    client = log_in(personas.team_lead)
    give_reason(client, case)
    html = client.get(household_url(case)).content.decode()
    assert 'id="inzage"' in html
    assert client.get(viewers_url(case)).status_code == 200


def test_other_professionals_do_not_see_who_read_the_household(log_in, personas: Personas) -> None:
    case = a_case(personas)
    reads(case, personas.professional, count=3)
    colleague = TeamMembershipFactory(team=personas.team_a).user
    involved_elsewhere = personas.professional_b
    InvolvementFactory(case=case, professional=involved_elsewhere)
    lead_of_other_team = TeamMembershipFactory(team=personas.team_b, user__role=Role.TEAM_LEAD).user
    InvolvementFactory(case=case, professional=lead_of_other_team)
    for user in (colleague, involved_elsewhere, lead_of_other_team):
        client = log_in(user)
        response = client.get(household_url(case))
        assert response.status_code == 200
        assert 'id="inzage"' not in response.content.decode()
        assert client.get(viewers_url(case)).status_code == 404
    # A refused attempt at the list is logged like any unseen object.
    refused = AccessLogEntry.objects.filter(household_id=case.household_id, outcome="refused")
    assert refused.count() == 3


def test_the_viewers_list_answers_404_to_those_who_may_not_see_the_household(log_in, personas: Personas) -> None:
    case = a_case(personas)
    for user in (personas.professional_b, personas.outsider, personas.privacy_officer):
        assert log_in(user).get(viewers_url(case)).status_code == 404


def test_reading_who_viewed_is_itself_logged_and_shown(log_in, personas: Personas) -> None:
    case = a_case(personas)
    client = log_in(personas.professional)
    client.get(household_url(case))
    logged = AccessLogEntry.objects.filter(household_id=case.household_id, detail="who viewed this household")
    assert logged.count() == 1 and logged.get().user_id == personas.professional.pk
    html = client.get(household_url(case)).content.decode()
    assert "(wie dit huishouden bekeek)" in section(html, "inzage")
    # Someone who does not see the panel reads nothing from the log, so nothing of that is logged.
    log_in(TeamMembershipFactory(team=personas.team_a).user).get(household_url(case))
    assert logged.count() == 2


def test_the_panel_shows_the_latest_ten_and_links_to_every_read_page_by_page(log_in, personas: Personas) -> None:
    case = a_case(personas)
    reader = TeamMembershipFactory(team=personas.team_a, user__first_name="Lees", user__last_name="Ster").user
    reads(case, reader, count=60)
    client = log_in(personas.professional)
    panel = section(client.get(household_url(case)).content.decode(), "inzage")
    assert panel.count("Lees Ster") == 10
    assert f'href="{viewers_url(case)}"' in panel
    first = client.get(viewers_url(case)).content.decode()
    # Newest first: the coordinator's own looks (this list, and the household page with its panel), then the reads.
    assert first.count("<h1") == 1 and first.count("Lees Ster") == 47 and "?pagina=2" in first
    second = client.get(viewers_url(case) + "?pagina=2").content.decode()
    # Opening page 2 logs a read on top too, so the list shifts by one: the last read of page 1 shows again.
    assert second.count("Lees Ster") == 60 - 47 + 1 and "?pagina=3" not in second


@pytest.mark.parametrize("count", [1, 200], ids=["small", "large"])
def test_the_household_page_with_the_panel_uses_a_constant_number_of_queries(
    log_in, personas: Personas, django_assert_max_num_queries, count: int
) -> None:
    case = a_case(personas)
    reads(case, TeamMembershipFactory(team=personas.team_a).user, count=count)
    # The coordinator: the page knows they coordinate, so the panel adds the reads, the log row and its actor.
    client = log_in(personas.professional)
    with django_assert_max_num_queries(28):
        response = client.get(household_url(case))
    assert response.status_code == 200 and 'id="inzage"' in response.content.decode()
    # The team lead: one more, to ask the policy (their reason for looking was given once before).
    client = log_in(personas.team_lead)
    give_reason(client, case)
    with django_assert_max_num_queries(34):
        response = client.get(household_url(case))
    assert response.status_code == 200 and 'id="inzage"' in response.content.decode()


# --- Geschiedenis --------------------------------------------------------------------------------


def test_the_history_shows_who_changed_which_field_from_old_to_new_in_dutch(
    log_in, personas: Personas, time_machine
) -> None:
    case = a_case(personas)
    action = ActionFactory(case=case, description="Budgetcoaching", status=Action.Status.PROPOSED)
    time_machine.move_to(datetime.datetime(2025, 6, 2, 11, 0, tzinfo=datetime.UTC), tick=False)
    services.action_set_status(action=action, status=Action.Status.APPROVED, by=personas.team_lead)
    html = log_in(personas.professional).get(history_url(case)).content.decode()
    assert html.count("<h1") == 1
    entry = html.split('class="history-list__item"')[1].split("</li>")[0]  # newest first
    assert str(personas.team_lead) in entry and "Actie “Budgetcoaching” gewijzigd" in entry
    row = entry.split('scope="row">Status</th>')[1].split("</tr>")[0]
    assert "voorgesteld" in row and "goedgekeurd" in row and row.index("voorgesteld") < row.index("goedgekeurd")
    # The creation further down names its fields with their Dutch labels.
    assert 'scope="row">Wat er gebeurt</th>' in html


def test_the_history_covers_members_plan_versions_and_the_case(log_in, personas: Personas) -> None:
    case = a_case(personas)
    MembershipFactory(household=case.household, person__first_name="Noor", person__last_name="Bakker")
    services.case_transition(case=case, to_status=CaseStatus.AFTERCARE, by=personas.professional)
    from tests.cases.factories import PlanVersionFactory

    PlanVersionFactory(plan=case.plan, number=1, created_by=personas.professional, summary="Rust in huis")
    html = log_in(personas.professional).get(history_url(case)).content.decode()
    assert "Noor Bakker" in html and "Lidmaatschap van het huishouden" in html.replace("lidmaatschap", "Lidmaatschap")
    assert "Rust in huis" in html
    assert "nazorg" in html


def test_another_organisations_confidential_contact_stays_out_of_the_history(log_in, personas: Personas) -> None:
    case = a_case(personas)
    other = TeamMembershipFactory(team=personas.team_a, user__organisation=OrganisationFactory()).user
    services.contact_log(
        case=case, by=other, occurred_on=TODAY, kind="phone", themes=["werk"], minutes=15,
        note="Vertrouwelijk: schuld bij familie", confidentiality=Contact.Confidentiality.OWN_ORGANISATION,
    )  # fmt: skip
    services.contact_log(
        case=case, by=personas.professional, occurred_on=TODAY, kind="home_visit", themes=["werk"], minutes=30,
        note="Samen de post doorgenomen",
    )  # fmt: skip
    mine = log_in(personas.professional).get(history_url(case)).content.decode()
    assert "huisbezoek" in mine and "telefoongesprek" not in mine
    # Notes are never repeated in the history, not even one's own.
    assert "Samen de post" not in mine and "Vertrouwelijk" not in mine
    theirs = log_in(other).get(history_url(case)).content.decode()
    assert "telefoongesprek" in theirs and "Vertrouwelijk" not in theirs


def test_the_history_leaves_out_cases_the_user_may_not_see(log_in, personas: Personas) -> None:
    case = a_case(personas)
    hidden = CaseFactory(household=case.household, team=personas.team_b, coordinator=personas.professional_b)
    ActionFactory(case=hidden, description="Geheime actie")
    ActionFactory(case=case, description="Zichtbare actie")
    mine = log_in(personas.professional).get(history_url(case)).content.decode()
    assert "Zichtbare actie" in mine and "Geheime actie" not in mine and hidden.reference not in mine


def a_plan_with_a_goal(case: Case, by, text: str) -> None:  # type: ignore[no-untyped-def]
    services.plan_save(
        case=case, by=by, based_on_version=Plan.objects.get(case=case).version, author="household", summary="",
        goals=[services.GoalInput(theme=Theme.objects.get(code="werk"), text=text)],
    )  # fmt: skip


def a_measurement(case: Case, by, reason: str) -> None:  # type: ignore[no-untyped-def]
    zrm = Instrument.objects.get(code="zrm")
    services.measurement_record(
        case=case, person=MembershipFactory(household=case.household).person, instrument=zrm,
        measured_on=datetime.date(2025, 5, 12), by=by,
        scores=[services.ScoreInput(zrm.domains.get(code="financien"), 2, reason)],
    )  # fmt: skip


def test_the_history_shows_goals_in_the_households_own_words_with_theme_and_version(log_in, personas: Personas) -> None:
    case = a_case(personas)
    a_plan_with_a_goal(case, personas.professional, "Wij willen van de schulden af")
    html = log_in(personas.professional).get(history_url(case)).content.decode()
    assert "Doel “Werk &amp; inkomen, versie 1” aangemaakt" in html
    assert "Wij willen van de schulden af" in html and 'scope="row">In de eigen woorden van het huishouden</th>' in html


def test_the_history_shows_scores_with_domain_reason_and_the_measurements_date(log_in, personas: Personas) -> None:
    case = a_case(personas)
    a_measurement(case, personas.professional, "Aanmaningen van de energieleverancier")
    html = log_in(personas.professional).get(history_url(case)).content.decode()
    assert "Score “Financiën in de meting Zelfredzaamheid-Matrix 2017, 12 mei 2025” aangemaakt" in html
    assert "Aanmaningen van de energieleverancier" in html and 'scope="row">Score</th>' in html


def test_the_history_shows_organisations_added_to_and_removed_from_a_consent_in_dutch(
    log_in, personas: Personas, time_machine
) -> None:
    case = a_case(personas)
    ggd, school, police = (OrganisationFactory(name=name) for name in ("GGD Oost", "Brede School", "Politie Oost"))
    consent = services.consent_record(
        case=case, person=MembershipFactory(household=case.household).person, purpose="Delen over de kinderen",
        organisations=[ggd, school], given_on=TODAY, expires_on=None, by=personas.professional,
    )  # fmt: skip
    time_machine.move_to(datetime.datetime(2025, 6, 2, 11, 0, tzinfo=datetime.UTC), tick=False)
    with acting_as(personas.team_lead):
        consent.organisations.add(police)
    time_machine.move_to(datetime.datetime(2025, 6, 2, 12, 0, tzinfo=datetime.UTC), tick=False)
    with acting_as(personas.team_lead):
        consent.organisations.remove(school)
    html = log_in(personas.professional).get(history_url(case)).content.decode()
    items = html.split('class="history-list__item"')[1:]
    removed, added = items[:2]
    [created] = [item for item in items if "Toestemming “Delen over de kinderen” aangemaakt" in item]
    assert str(personas.team_lead) in removed and "Toestemming “Delen over de kinderen” gewijzigd" in removed
    row = removed.split('scope="row">Gedeeld met</th>')[1].split("</tr>")[0]
    assert "Brede School, GGD Oost, Politie Oost" in row and "GGD Oost, Politie Oost (weggehaald: Brede School)" in row
    assert "(toegevoegd: Politie Oost)" in added
    assert "Brede School, GGD Oost</td>" in created


def test_the_history_shows_who_took_part_in_a_conference(log_in, personas: Personas, time_machine) -> None:
    case = a_case(personas)
    conference = services.conference_record(
        case=case, by=personas.professional, held_on=TODAY, participants=[personas.professional],
        decisions="Schuldhulp inzetten.",
    )  # fmt: skip
    time_machine.move_to(datetime.datetime(2025, 6, 2, 11, 0, tzinfo=datetime.UTC), tick=False)
    with acting_as(personas.professional):
        conference.participants.add(personas.team_lead)
    html = log_in(personas.professional).get(history_url(case)).content.decode()
    newest = html.split('class="history-list__item"')[1].split("</li>")[0]
    assert 'scope="row">Deelnemers</th>' in newest and f"(toegevoegd: {personas.team_lead})" in newest


def test_the_history_shows_a_blockage_step_and_an_allocation_of_the_cases_actions(
    log_in, personas: Personas, time_machine
) -> None:
    case = a_case(personas)
    action = ActionFactory(case=case, description="Budgetcoaching")
    blockage = BlockageFactory(action=action, opened_by=personas.professional)
    AllocationFactory(action=action, reference="AL-000000042", stream__name="Wmo begeleiding")
    time_machine.move_to(datetime.datetime(2025, 6, 2, 11, 0, tzinfo=datetime.UTC), tick=False)
    funding_services.blockage_escalate(blockage=blockage, by=personas.professional, note="Naar de teamleider")
    html = log_in(personas.professional).get(history_url(case)).content.decode()
    newest = html.split('class="history-list__item"')[1].split("</li>")[0]
    assert (
        str(personas.professional) in newest and "Knelpunt “een andere regel (met de hand gemeld)” gewijzigd" in newest
    )
    assert "open" in newest.split('scope="row">Status</th>')[1].split("</tr>")[0]
    assert "Toewijzing “AL-000000042” aangemaakt" in html and "Wmo begeleiding" in html and "Budgetcoaching" in html


def test_goals_scores_and_funding_of_a_case_the_user_may_not_see_stay_out_of_the_history(
    log_in, personas: Personas
) -> None:
    case = a_case(personas)
    hidden = CaseFactory(household=case.household, team=personas.team_b, coordinator=personas.professional_b)
    a_plan_with_a_goal(hidden, personas.professional_b, "Geheim doel")
    a_measurement(hidden, personas.professional_b, "Geheime reden")
    BlockageFactory(action=ActionFactory(case=hidden), rule="Geheime regel")
    AllocationFactory(action=ActionFactory(case=hidden), reference="AL-GEHEIM")
    a_plan_with_a_goal(case, personas.professional, "Zichtbaar doel")
    mine = log_in(personas.professional).get(history_url(case)).content.decode()
    assert "Zichtbaar doel" in mine and "Geheim doel" not in mine and "Geheime reden" not in mine
    assert "Geheime regel" not in mine and "AL-GEHEIM" not in mine


def test_the_history_is_paged_newest_first(log_in, personas: Personas) -> None:
    case = a_case(personas)
    for index in range(30):
        ActionFactory(case=case, description=f"Actie nummer {index:02d}")
    client = log_in(personas.professional)
    first = client.get(history_url(case)).content.decode()
    assert "Actie nummer 29" in first and "Actie nummer 00" not in first and "?pagina=2" in first
    second = client.get(history_url(case) + "?pagina=2").content.decode()
    assert "Actie nummer 00" in second and "Actie nummer 29" not in second


def test_reading_the_history_is_logged_and_refusals_too(log_in, personas: Personas) -> None:
    case = a_case(personas)
    log_in(personas.professional).get(history_url(case))
    assert AccessLogEntry.objects.filter(
        household_id=case.household_id, detail="write history", outcome="allowed", user_id=personas.professional.pk
    ).exists()
    assert log_in(personas.professional_b).get(history_url(case)).status_code == 404
    assert AccessLogEntry.objects.filter(
        household_id=case.household_id, outcome="refused", user_id=personas.professional_b.pk
    ).exists()


def test_the_household_page_loads_the_history_in_place_with_htmx(log_in, personas: Personas) -> None:
    case = a_case(personas)
    ActionFactory(case=case, description="Budgetcoaching")
    client = log_in(personas.professional)
    page = section(client.get(household_url(case)).content.decode(), "geschiedenis")
    assert f'href="{history_url(case)}"' in page and f'hx-get="{history_url(case)}"' in page
    partial = client.get(history_url(case), HTTP_HX_REQUEST="true").content.decode()
    assert "Budgetcoaching" in partial and "<html" not in partial


@pytest.mark.parametrize("size", [1, 40], ids=["small", "large"])
def test_the_history_uses_a_bounded_number_of_queries(
    log_in, personas: Personas, django_assert_max_num_queries, size: int, time_machine
) -> None:
    case = a_case(personas)
    for index in range(size):
        # A minute per round, so the first page holds every kind of entry, also with large data.
        time_machine.move_to(datetime.datetime(2025, 6, 2, 11, index, tzinfo=datetime.UTC), tick=False)
        action = ActionFactory(case=case, delivering_organisation=OrganisationFactory(), beneficiary=None)
        services.action_set_status(action=action, status=Action.Status.APPROVED, by=personas.professional)
        InvolvementFactory(case=case, professional=UserFactory())
        MembershipFactory(household=case.household)
        a_plan_with_a_goal(case, personas.professional, f"Doel {index}")
        a_measurement(case, personas.professional, f"Reden {index}")
        consent = services.consent_record(
            case=case, person=MembershipFactory(household=case.household).person, purpose=f"Delen {index}",
            organisations=[OrganisationFactory(), OrganisationFactory()], given_on=TODAY, expires_on=None,
            by=personas.professional,
        )  # fmt: skip
        services.conference_record(
            case=case, by=personas.professional, held_on=TODAY, participants=[personas.professional, UserFactory()],
            decisions="Afspraken.",
        )  # fmt: skip
        with acting_as(personas.professional):
            consent.organisations.add(OrganisationFactory())
        blockage = BlockageFactory(action=action, opened_by=personas.professional, silo=Silo.objects.first())
        funding_services.blockage_escalate(blockage=blockage, by=personas.professional)
        AllocationFactory(action=action)
    client = log_in(personas.professional)
    # Every kind of entry is on the page: per kind its rows, per m2m field its links, per referenced kind its names.
    with django_assert_max_num_queries(34):
        response = client.get(history_url(case))
    assert response.status_code == 200

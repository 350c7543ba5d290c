"""The casework reading screens: caseload, household page, timeline and logging a contact in place."""

import datetime
import json
import re

import pytest
from django.forms.models import model_to_dict
from django.template import engines
from django.urls import reverse
from django.utils import translation

from cases.models import (
    Action,
    Case,
    CaseStatus,
    Contact,
    HouseholdMembership,
    Involvement,
    MeasurementScore,
    Person,
)
from cases.trends import scores_overview
from cases.views.pages import involvements_of, scores_of, with_involvement_rows, with_score_rows
from funding.models import Allocation, Silo
from organisations.models import User
from tests.cases.factories import (
    ActionFactory,
    CaseFactory,
    ConferenceFactory,
    ConsentFactory,
    ContactFactory,
    GoalFactory,
    InvolvementFactory,
    MeasurementFactory,
    MembershipFactory,
    PlanVersionFactory,
    ScoreFactory,
)
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, StreamFactory
from tests.organisations.factories import (
    DistrictFactory,
    NeighbourhoodFactory,
    OrganisationFactory,
    TeamMembershipFactory,
    UserFactory,
)
from themes.cache import all_themes
from themes.models import Instrument, Theme

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 2)


@pytest.fixture(autouse=True)
def _frozen_today(time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime.datetime(2025, 6, 2, 10, 0, tzinfo=datetime.UTC), tick=False)


# --- Building cases -------------------------------------------------------------------------


def a_case(personas: Personas, *, coordinator: User | None = None, **kwargs: object) -> Case:
    kwargs.setdefault("team", personas.team_a)
    return CaseFactory(coordinator=coordinator or personas.professional, **kwargs)


def contacts_on(case: Case, count: int, *, author: User, start: datetime.date = TODAY, **kwargs: object) -> None:
    """``count`` contacts, one a day going back from ``start``, in one INSERT."""
    Contact.objects.bulk_create(
        Contact(
            case=case,
            occurred_on=start - datetime.timedelta(days=index),
            kind=Contact.Kind.PHONE,
            themes=["werk", "welzijn"],
            minutes=20,
            note=f"Notitie {index}",
            author=author,
            author_organisation=author.organisation,
            **kwargs,
        )
        for index in range(count)
    )


def a_rich_case(
    personas: Personas,
    *,
    members: int = 1,
    involvements: int = 1,
    organisations: int = 1,
    contacts: int = 5,
    measured_members: int = 1,
) -> Case:
    """A case with every part the household page shows, in the sizes asked."""
    case = a_case(personas, status=CaseStatus.EXECUTION)
    household = case.household
    people = [MembershipFactory(household=household).person for _ in range(members)]
    MembershipFactory(household=household, end_date=datetime.date(2024, 12, 31), person__first_name="Vertrokken")
    silos = list(Silo.objects.order_by("order"))
    orgs = []
    for index in range(organisations):
        organisation = OrganisationFactory()
        organisation.silos.set(silos[index % len(silos) : index % len(silos) + 2])
        orgs.append(organisation)
    themes = list(Theme.objects.all())
    # Organisation n is paid from silo n: the diagram colours by the silo that pays.
    streams = [StreamFactory(silo=silos[index % len(silos)]) for index in range(organisations)]
    for index in range(involvements):
        professional = UserFactory(organisation=orgs[index % organisations])
        InvolvementFactory(case=case, professional=professional)
        action = ActionFactory(
            case=case,
            theme=themes[index % len(themes)],
            delivering_organisation=orgs[index % organisations],
            beneficiary=people[index % members],
            start_date=datetime.date(2025, 7, 1) + datetime.timedelta(days=index),
        )
        AllocationFactory(action=action, stream=streams[index % organisations])
    version = PlanVersionFactory(plan=case.plan, number=1, created_by=personas.professional)
    case.plan.version = 1
    case.plan.save()
    GoalFactory(plan_version=version, theme=themes[4], text="Geen deurwaarder meer aan de deur", in_own_words=True)
    GoalFactory(plan_version=version, theme=themes[1], text="Sem gaat elke dag naar school", in_own_words=False)
    contacts_on(case, contacts, author=personas.professional)
    zrm = Instrument.objects.get(code="zrm")
    pg = Instrument.objects.get(code="positieve-gezondheid")
    for person in people[:measured_members]:
        for day, score in ((datetime.date(2025, 2, 1), 2), (datetime.date(2025, 5, 1), 3)):
            measurement = MeasurementFactory(
                case=case, person=person, measured_on=day, measured_by=personas.professional
            )
            for domain in zrm.domains.order_by("order")[:2]:
                ScoreFactory(measurement=measurement, domain=domain, score=score)
        conversation = MeasurementFactory(
            case=case, person=person, instrument=pg, measured_on=datetime.date(2025, 3, 1)
        )
        ScoreFactory(measurement=conversation, domain=pg.domains.first(), score=7, reason="Gesprek over zingeving")
    conference = ConferenceFactory(case=case, participants=[personas.professional], created_by=personas.professional)
    ActionFactory(case=case, conference=conference, description="Afspraak uit het overleg", status="done")
    ConsentFactory(case=case, person=people[0], organisations=orgs[:1], recorded_by=personas.professional)
    return case


def household_url(case: Case) -> str:
    return reverse("cases:household", args=[case.household.uuid])


def html_of(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# --- Who may open what: tests/test_permission_matrix.py; here only the write it cannot check ---------


@pytest.mark.parametrize(
    "persona, status",
    [("professional", 302), ("team_lead", 302), ("professional_b", 404), ("outsider", 404), ("bureau", 404)],
)
def test_only_the_team_logs_a_contact_and_a_refused_one_saves_nothing(
    log_in, personas: Personas, persona: str, status: int
) -> None:
    case = a_case(personas)
    data = {"occurred_on": "2025-06-01", "kind": "phone", "themes": ["werk"], "minutes": "15", "confidentiality": "all"}
    client = log_in(getattr(personas, persona))
    if persona == "team_lead":  # not involved in the household: the reason first (privacy/purpose.py)
        client.post(reverse("cases:household-purpose", args=[case.household.uuid]), {"reason": "review"})
    response = client.post(reverse("cases:contact-create", args=[case.uuid]), data)
    assert response.status_code == status
    assert Contact.objects.exists() == (status == 302)


def test_the_household_page_uses_uuids_not_integer_ids(personas: Personas) -> None:
    case = a_case(personas)
    assert str(case.household.uuid) in household_url(case)
    assert f"/{case.household.pk}/" not in household_url(case)


# --- Home and navigation -------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["professional", "team_lead"])
def test_vandaag_shows_casework_roles_their_day(log_in, personas: Personas, persona: str) -> None:
    response = log_in(getattr(personas, persona)).get(reverse("home"))
    assert response.status_code == 200
    assert "Mijn taken deze week" in html_of(response)
    assert reverse("cases:reminders") in html_of(response)


@pytest.mark.parametrize("persona", ["bureau", "auditor", "privacy_officer", "administrator"])
def test_other_roles_get_their_own_vandaag_and_see_no_caseload_link(log_in, personas: Personas, persona: str) -> None:
    response = log_in(getattr(personas, persona)).get(reverse("home"))
    assert response.status_code == 200
    assert '<h1 class="utrecht-heading-1">Vandaag</h1>' in html_of(response)
    assert reverse("cases:caseload") not in html_of(response)


def test_the_navigation_links_to_the_caseload_for_casework_roles(log_in, personas: Personas) -> None:
    response = log_in(personas.professional).get(reverse("cases:caseload"))
    assert f'href="{reverse("cases:caseload")}" aria-current="page">Mijn caseload</a>' in html_of(response)


def test_the_screens_speak_english_when_chosen(log_in, personas: Personas) -> None:
    case = a_rich_case(personas)
    client = log_in(personas.professional)
    client.post(reverse("set_language"), {"language": "en"})
    caseload = html_of(client.get(reverse("cases:caseload")))
    assert '<h1 class="utrecht-heading-1">My caseload</h1>' in caseload and "Work &amp; income" in caseload
    household = html_of(client.get(household_url(case)))
    assert "Members of the household" in household and "In the household's own words" in household


# --- Mijn caseload -----------------------------------------------------------------------------


def caseload_rows(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The references of the cases listed, in order."""
    return re.findall(r'class="caseload-table__reference">(WT-T\d+)', html_of(response))


def test_a_professional_sees_only_the_open_cases_they_work_on(log_in, personas: Personas) -> None:
    mine = a_case(personas)
    involved = a_case(personas, coordinator=TeamMembershipFactory(team=personas.team_a).user)
    InvolvementFactory(case=involved, professional=personas.professional)
    colleagues = a_case(personas, coordinator=TeamMembershipFactory(team=personas.team_a).user)
    a_case(personas, closed=True)
    response = log_in(personas.professional).get(reverse("cases:caseload"))
    assert sorted(caseload_rows(response)) == sorted([mine.reference, involved.reference])
    assert colleagues.reference not in html_of(response)
    assert "Mijn caseload" in html_of(response) and "Wijkteam Noord" in html_of(response)


def test_a_team_lead_sees_every_open_case_of_the_team_and_no_other_team(log_in, personas: Personas) -> None:
    ours = [a_case(personas), a_case(personas, coordinator=TeamMembershipFactory(team=personas.team_a).user)]
    a_case(personas, closed=True)
    other_team = a_case(personas, team=personas.team_b, coordinator=personas.professional_b)
    response = log_in(personas.team_lead).get(reverse("cases:caseload"))
    assert sorted(caseload_rows(response)) == sorted(case.reference for case in ours)
    assert other_team.reference not in html_of(response)
    assert "Caseload van mijn teams" in html_of(response)


def test_the_caseload_shows_household_coordinator_themes_and_next_action(log_in, personas: Personas) -> None:
    case = a_rich_case(personas, members=2, involvements=2, organisations=2)
    html = html_of(log_in(personas.professional).get(reverse("cases:caseload"))).split("<tbody")[1]
    assert case.household.address in html
    for membership in HouseholdMembership.objects.current().filter(household=case.household):
        assert membership.person.full_name in html
    assert "Vertrokken" not in html  # an earlier member is not a current one
    assert str(personas.professional) in html
    # Themes of the current plan's goals (werk, onderwijs) and open actions (welzijn, onderwijs).
    for code in ("welzijn", "onderwijs", "werk"):
        assert Theme.objects.get(code=code).name_nl.replace("&", "&amp;") in html
    assert Theme.objects.get(code="wonen").name_nl.replace("&", "&amp;") not in html
    assert "Budgetcoaching" in html and "1 jul 2025" in html


def test_a_household_without_current_members_gets_a_neutral_label(log_in, personas: Personas) -> None:
    a_case(personas)
    html = html_of(log_in(personas.professional).get(reverse("cases:caseload")))
    assert "huishouden zonder actuele leden" in html


def test_cases_without_a_contact_for_30_days_are_flagged_in_text(log_in, personas: Personas) -> None:
    from cases.reminders import reminders_refresh

    recent = a_case(personas, referred_on=datetime.date(2025, 1, 10))
    ContactFactory(case=recent, occurred_on=datetime.date(2025, 5, 10), author=personas.professional)
    quiet = a_case(personas, referred_on=datetime.date(2025, 1, 10))
    ContactFactory(case=quiet, occurred_on=datetime.date(2025, 4, 20), author=personas.professional)
    # Another organisation saw this household in confidence: a contact is a contact (no flag, as on
    # the signals page), while its note and its date stay hidden from the professional.
    seen_in_confidence = a_case(personas, referred_on=datetime.date(2025, 1, 10))
    ContactFactory(case=seen_in_confidence, occurred_on=datetime.date(2025, 4, 20), author=personas.professional)
    other = UserFactory()
    ContactFactory(
        case=seen_in_confidence, occurred_on=datetime.date(2025, 5, 30), author=other, confidentiality="own_org"
    )
    never = a_case(personas, referred_on=datetime.date(2025, 3, 1))
    new = a_case(personas, referred_on=datetime.date(2025, 5, 25))
    exactly = a_case(personas, referred_on=datetime.date(2025, 1, 10))
    ContactFactory(case=exactly, occurred_on=TODAY - datetime.timedelta(days=30), author=personas.professional)
    reminders_refresh(today=TODAY)

    client = log_in(personas.professional)
    html = html_of(client.get(reverse("cases:caseload")))
    rows = {reference: row for row in html.split("<tr ")[1:] for reference in re.findall(r"(WT-T\d+)", row)[:1]}
    flag = "geen recent contact (meer dan 30 dagen)"
    assert flag in rows[quiet.reference] and "caseload-table__row--overdue" in rows[quiet.reference]
    assert flag in rows[never.reference]
    assert "nog geen contact" in rows[never.reference]
    for fine in (recent, new, exactly, seen_in_confidence):
        assert flag not in rows[fine.reference] and "overdue" not in rows[fine.reference]
    assert "20 apr 2025" in rows[seen_in_confidence.reference]  # the confidential 30 May note is not shown
    # One definition: the signals page lists exactly the flagged cases.
    signals = html_of(client.get(reverse("cases:reminders")))
    for case in (quiet, never):
        assert case.reference in signals
    for case in (recent, new, exactly, seen_in_confidence):
        assert case.reference not in signals


def test_logging_a_contact_clears_the_flag_at_once(log_in, personas: Personas) -> None:
    from cases.reminders import reminders_refresh

    quiet = a_case(personas, referred_on=datetime.date(2025, 1, 10))
    reminders_refresh(today=TODAY)
    client = log_in(personas.professional)
    flag = "geen recent contact (meer dan 30 dagen)"
    assert flag in html_of(client.get(reverse("cases:caseload")))
    from cases.services import contact_log

    contact_log(
        case=quiet, by=personas.professional, occurred_on=TODAY, kind="home_visit", themes=["welzijn"], minutes=30
    )
    assert flag not in html_of(client.get(reverse("cases:caseload")))
    assert quiet.reference not in html_of(client.get(reverse("cases:reminders")))


def test_the_caseload_filters_by_status(log_in, personas: Personas) -> None:
    intake = a_case(personas, status=CaseStatus.INTAKE)
    plan = a_case(personas, status=CaseStatus.PLAN)
    response = log_in(personas.professional).get(reverse("cases:caseload"), {"status": "plan"})
    assert caseload_rows(response) == [plan.reference]
    assert intake.reference not in html_of(response)


def test_the_caseload_filters_by_theme_of_current_goals_and_open_actions(log_in, personas: Personas) -> None:
    werk = Theme.objects.get(code="werk")
    wonen = Theme.objects.get(code="wonen")
    by_goal = a_case(personas)
    old = PlanVersionFactory(plan=by_goal.plan, number=1)
    GoalFactory(plan_version=old, theme=wonen)  # an old version's goal no longer counts
    current = PlanVersionFactory(plan=by_goal.plan, number=2)
    GoalFactory(plan_version=current, theme=werk)
    by_goal.plan.version = 2
    by_goal.plan.save()
    by_action = a_case(personas)
    ActionFactory(case=by_action, theme=werk)
    done_action = a_case(personas)
    ActionFactory(case=done_action, theme=werk, status=Action.Status.DONE)
    client = log_in(personas.professional)
    response = client.get(reverse("cases:caseload"), {"thema": "werk"})
    assert sorted(caseload_rows(response)) == sorted([by_goal.reference, by_action.reference])
    response = client.get(reverse("cases:caseload"), {"thema": "wonen"})
    assert caseload_rows(response) == []


def test_the_caseload_filters_by_district_or_neighbourhood(log_in, personas: Personas) -> None:
    district = DistrictFactory()
    buurt_1 = NeighbourhoodFactory(parent=district)
    buurt_2 = NeighbourhoodFactory(parent=district)
    elsewhere = NeighbourhoodFactory()
    personas.team_a.areas.add(buurt_1, buurt_2, elsewhere)
    in_1 = a_case(personas, household__neighbourhood=buurt_1)
    in_2 = a_case(personas, household__neighbourhood=buurt_2)
    outside = a_case(personas, household__neighbourhood=elsewhere)
    client = log_in(personas.professional)
    response = client.get(reverse("cases:caseload"), {"gebied": district.code})
    assert sorted(caseload_rows(response)) == sorted([in_1.reference, in_2.reference])
    response = client.get(reverse("cases:caseload"), {"gebied": buurt_2.code})
    assert caseload_rows(response) == [in_2.reference]
    assert outside.reference not in html_of(response)
    # The area choices are the team's: its buurten and their wijken.
    assert f'<option value="{district.code}"' in html_of(response)


def test_an_unknown_filter_value_is_reported_next_to_its_field_and_ignored(log_in, personas: Personas) -> None:
    case = a_case(personas)
    response = log_in(personas.professional).get(reverse("cases:caseload"), {"status": "bestaat-niet"})
    assert response.status_code == 200
    html = html_of(response)
    assert 'id="filter_status_error"' in html and "Selecteer een geldige keuze" in html
    assert caseload_rows(response) == [case.reference]


@pytest.fixture
def four_cases(personas: Personas) -> dict[str, Case]:
    cases = {
        "a": a_case(personas, referred_on=datetime.date(2025, 1, 10), status=CaseStatus.EXECUTION),
        "b": a_case(personas, referred_on=datetime.date(2025, 3, 10), status=CaseStatus.REFERRAL),
        "c": a_case(personas, referred_on=datetime.date(2025, 2, 10), status=CaseStatus.PLAN),
        "d": a_case(personas, referred_on=datetime.date(2025, 4, 10), status=CaseStatus.INTAKE),
    }
    ContactFactory(case=cases["a"], occurred_on=datetime.date(2025, 5, 1), author=personas.professional)
    ContactFactory(case=cases["b"], occurred_on=datetime.date(2025, 4, 1), author=personas.professional)
    ContactFactory(case=cases["c"], occurred_on=datetime.date(2025, 5, 20), author=personas.professional)
    return cases  # d has no contact


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("", "dbac"),  # by default: last contact longest ago first, none at all first
        ("contact", "dbac"),
        ("-contact", "cabd"),
        ("aanmelding", "acbd"),
        ("-aanmelding", "dbca"),
        ("status", "bdca"),  # aanmelding, intake, plan, uitvoering
    ],
)
def test_the_caseload_sorts(log_in, personas: Personas, four_cases: dict[str, Case], sort: str, expected: str) -> None:
    response = log_in(personas.professional).get(reverse("cases:caseload"), {"sorteer": sort})
    assert caseload_rows(response) == [four_cases[key].reference for key in expected]


def test_the_caseload_is_paginated_and_keeps_the_filters_in_the_page_links(log_in, personas: Personas) -> None:
    for _ in range(27):
        a_case(personas, status=CaseStatus.PLAN)
    client = log_in(personas.professional)
    first = client.get(reverse("cases:caseload"), {"status": "plan", "sorteer": "aanmelding"})
    assert len(caseload_rows(first)) == 25
    assert "27 open casussen" in html_of(first)
    assert "?status=plan&amp;sorteer=aanmelding&amp;pagina=2" in html_of(first)
    second = client.get(reverse("cases:caseload"), {"status": "plan", "sorteer": "aanmelding", "pagina": 2})
    assert len(caseload_rows(second)) == 2
    assert not set(caseload_rows(first)) & set(caseload_rows(second))


@pytest.mark.parametrize("reader", ["team_lead", "professional"])
def test_the_caseload_uses_a_constant_number_of_queries(
    log_in, personas: Personas, django_assert_max_num_queries, reader: str
) -> None:
    # A professional's list reads no team with its cases (it names none): no query per row either.
    client = log_in(getattr(personas, reader))
    a_rich_case(personas, members=1, involvements=1, contacts=1)
    all_themes()  # read once per process (themes.cache)
    # Session, user, the second-factor device django-otp loads; areas, count, the cases with their members and
    # coordinator as JSON rows, teams; one INSERT into the access log.
    with django_assert_max_num_queries(8):
        small = client.get(reverse("cases:caseload"))
    for _ in range(12):
        a_rich_case(personas, members=4, involvements=4, organisations=3, contacts=20)
    with django_assert_max_num_queries(8):
        large = client.get(reverse("cases:caseload"))
    assert len(caseload_rows(small)) == 1 and len(caseload_rows(large)) == 13


# --- The household page ---------------------------------------------------------------------------


def test_the_household_page_puts_the_members_in_the_middle_with_their_history(log_in, personas: Personas) -> None:
    case = a_rich_case(personas, members=3)
    html = html_of(log_in(personas.professional).get(household_url(case)))
    current = HouseholdMembership.objects.current().filter(household=case.household)
    assert current.count() == 3
    members_section = html.split('id="leden"')[1].split("</section>")[0]
    cards = members_section.split("<details")[0]
    for membership in current:
        assert membership.person.full_name in cards
    assert "Vertrokken" not in cards
    assert "1 eerder lid en het verloop van het huishouden" in members_section
    assert "Vertrokken" in members_section and "31 december 2024" in members_section


def test_the_diagram_counts_organisations_professionals_and_silos(log_in, personas: Personas) -> None:
    case = a_rich_case(personas, involvements=4, organisations=3)
    # An ended involvement does not count, nor does a cancelled action's organisation.
    ended = InvolvementFactory(case=case, professional=UserFactory(), end_date=datetime.date(2025, 3, 1))
    ActionFactory(case=case, status=Action.Status.CANCELLED, delivering_organisation=OrganisationFactory())
    html = html_of(log_in(personas.professional).get(household_url(case)))
    organisations = {i.organisation_id for i in Involvement.objects.active().filter(case=case)}
    organisations |= set(Action.objects.open().filter(case=case).values_list("delivering_organisation", flat=True))
    paying = Allocation.objects.filter(action__case=case).exclude(action__status=Action.Status.CANCELLED)
    silos = paying.values("stream__silo").distinct().count()
    professionals = Involvement.objects.active().filter(case=case).values("professional").distinct().count()
    assert (len(organisations), professionals) == (4, 5)  # 3 + the coordinator's; 4 + the coordinator
    assert f'data-count="organisations">{len(organisations)}<' in html
    assert f'data-count="professionals">{professionals}<' in html
    assert f'data-count="silos">{silos}<' in html
    assert str(ended.professional) in html.split('id="grondslagen"')[1]  # history keeps the ended one
    assert str(ended.professional) not in html.split('id="betrokkenen"')[1].split("</section>")[0]


def test_the_diagram_is_svg_with_a_table_and_a_legend_that_does_not_rely_on_colour(log_in, personas: Personas) -> None:
    case = a_rich_case(personas, involvements=2, organisations=2)
    html = html_of(log_in(personas.professional).get(household_url(case)))
    diagram = html.split('id="betrokkenen"')[1].split("</section>")[0]
    assert '<svg class="involvement-diagram__svg"' in diagram and 'aria-hidden="true"' in diagram
    assert "<script" not in diagram and ' style="' not in diagram  # a strict CSP allows neither
    # Each silo has a pattern and a short text label, in the drawing and in the legend.
    assert diagram.count("<pattern ") == len(re.findall(r'class="silo-legend__item"', diagram)) >= 2
    assert 'class="silo-legend__short" title="Jeugdwet">Jw</abbr>' in diagram
    # The coordinator is marked in words, in the drawing and in the table.
    assert f"★ {personas.professional} (regisseur)" in diagram
    table = diagram.split('id="involvement-table"')[1]
    assert f"{personas.professional} <strong>(regisseur)</strong>" in table
    assert "Nog geen open actie" in table  # the coordinator's organisation has no action


def test_on_a_phone_the_diagram_is_a_stacked_list_that_leaves_nothing_out(log_in, personas: Personas) -> None:
    """Issue 15 item 10: below 48rem the drawing gives way to a list (wijkteam.css), so the list says all it says."""
    case = a_rich_case(personas, involvements=3, organisations=2)  # a goal's theme without an action: empty
    html = html_of(log_in(personas.professional).get(household_url(case)))
    diagram = html.split('id="betrokkenen"')[1].split('class="household-section"')[0]
    drawing, listing = diagram.split("</svg>")[0], diagram.split('id="involvement-list"')[1]
    themes = re.findall(r'<text [^>]*font-size="14" fill="#1a1a1a">([^<]+)</text>', drawing)
    titles = re.findall(r'class="utrecht-heading-3 involvement-list__title" id="[^"]+">([^<]+)</h3>', listing)
    assert len(titles) == len(themes) and "Nog geen open actie" in titles
    # The list gives each theme's whole name where the drawing cuts it short.
    assert all(title.startswith(theme.rstrip("…")) for title, theme in zip(titles, themes, strict=True))
    assert listing.count("Niemand op dit thema") == drawing.count("Niemand op dit thema") >= 1
    for involvement in Involvement.objects.active().filter(case=case).select_related("organisation"):
        assert involvement.organisation.name in listing and str(involvement.professional) in listing
    assert f"{personas.professional} (regisseur)</strong>" in listing
    table = diagram.split('id="involvement-table"')[1].split("</table>")[0]
    rows = re.findall(r'<tr class="utrecht-table__row">\s*<td', table)
    assert listing.count("<dt>Betaald uit</dt>") == listing.count("<dt>Open acties</dt>") == len(rows) >= 3


def test_the_diagram_colours_an_organisation_by_the_silo_that_pays_most_of_its_actions(
    log_in, personas: Personas
) -> None:
    from cases.diagram import funding_silos_by_organisation

    case = a_case(personas, status=CaseStatus.EXECUTION)
    paid, unpaid = OrganisationFactory(name="Jeugdhulp Oost"), OrganisationFactory(name="Buurtwerk West")
    # What an organisation can bill is no colour: only what pays its actions.
    paid.silos.set(Silo.objects.filter(code__in=["jeugdwet", "wmo", "wgs"]))
    unpaid.silos.set(Silo.objects.filter(code__in=["wmo"]))
    first = ActionFactory(case=case, delivering_organisation=paid)
    second = ActionFactory(case=case, delivering_organisation=paid)
    ActionFactory(case=case, delivering_organisation=unpaid)
    AllocationFactory(action=first, stream=StreamFactory(silo=Silo.objects.get(code="jeugdwet")), amount=100)
    AllocationFactory(action=second, stream=StreamFactory(silo=Silo.objects.get(code="wmo")), amount=900)

    silos = funding_silos_by_organisation(
        household=case.household, user=personas.professional, organisation_ids=[paid.pk, unpaid.pk]
    )
    assert [silo.code for silo in silos[paid.pk]] == ["wmo"]
    assert silos[unpaid.pk] == []

    html = html_of(log_in(personas.professional).get(household_url(case)))
    diagram = html.split('id="betrokkenen"')[1].split("</section>")[0]
    # Both silos pay for the household (its fragmentation); the drawing marks each organisation with one.
    assert 'data-count="silos">2<' in diagram
    assert diagram.count("<pattern ") == 1 and 'title="Wmo 2015">Wmo</abbr>' in diagram
    table = diagram.split('id="involvement-table"')[1]
    rows = {row.split("</th>")[0].split(">")[-1]: row for row in table.split('<tr class="utrecht-table__row">')[2:]}
    assert "Wmo 2015" in rows["Jeugdhulp Oost"] and "Jeugdwet" not in rows["Jeugdhulp Oost"]
    assert "Wmo" not in rows["Buurtwerk West"] and "geen" in rows["Buurtwerk West"]


def test_the_diagram_colouring_ignores_what_the_user_may_not_see(personas: Personas) -> None:
    from cases.diagram import funding_silos_by_organisation

    case = a_case(personas)
    hidden = CaseFactory(household=case.household, team=personas.team_b, coordinator=personas.professional_b)
    organisation = OrganisationFactory()
    action = ActionFactory(case=hidden, delivering_organisation=organisation)
    AllocationFactory(action=action, stream=StreamFactory(silo=Silo.objects.get(code="wmo")))
    for user, expected in ((personas.professional, []), (personas.professional_b, ["wmo"])):
        silos = funding_silos_by_organisation(household=case.household, user=user, organisation_ids=[organisation.pk])
        assert [silo.code for silo in silos[organisation.pk]] == expected


def test_the_household_page_shows_which_silos_pay_for_what(log_in, personas: Personas) -> None:
    case = a_rich_case(personas, involvements=2, organisations=2)
    html = html_of(log_in(personas.professional).get(household_url(case)))
    assert 'href="#financiering"' in html
    panel = html.split('id="financiering"')[1].split("</section>")[0]
    assert 'aria-labelledby="household-funding-heading"' in panel and "<caption" in panel
    for action in Action.objects.filter(case=case, allocations__isnull=False):
        assert action.description in panel
    assert "Jeugdwet" in panel and "Versnippering" in panel


def test_the_plan_marks_goals_in_the_households_own_words(log_in, personas: Personas) -> None:
    case = a_rich_case(personas)
    html = html_of(log_in(personas.professional).get(household_url(case)))
    plan = html.split('id="gezinsplan"')[1].split("</section>")[0]
    own = plan.split("Geen deurwaarder meer aan de deur")[1].split("</li>")[0]
    assert "In de eigen woorden van het huishouden" in own
    teams = plan.split("Sem gaat elke dag naar school")[1].split("</li>")[0]
    assert "door het team geformuleerd" in teams and "eigen woorden" not in teams
    assert "Budgetcoaching" in plan


def test_the_timeline_shows_the_newest_page_first_with_a_link_for_more(log_in, personas: Personas) -> None:
    case = a_rich_case(personas, contacts=25)
    html = html_of(log_in(personas.professional).get(household_url(case)))
    timeline = html.split('id="timeline-items"')[1].split("</ol>")[0]
    notes = re.findall(r"Notitie (\d+)", timeline)
    assert notes == [str(index) for index in range(20)]
    more = f"{reverse('cases:contact-list', args=[case.uuid])}?pagina=2"
    assert f'href="{more}" hx-get="{more}"' in html


def test_the_timeline_hides_other_organisations_confidential_notes(log_in, personas: Personas) -> None:
    case = a_case(personas)
    colleague = UserFactory(organisation=personas.professional.organisation)
    outsider_org_author = UserFactory()
    InvolvementFactory(case=case, professional=outsider_org_author)
    ContactFactory(case=case, author=colleague, confidentiality="own_org", note="Eigen organisatie mag dit lezen")
    ContactFactory(case=case, author=outsider_org_author, confidentiality="own_org", note="Geheim van de GGD")
    ContactFactory(case=case, author=outsider_org_author, confidentiality="all", note="Voor alle betrokkenen")
    client = log_in(personas.professional)
    for url in (household_url(case), reverse("cases:contact-list", args=[case.uuid])):
        html = html_of(client.get(url))
        assert "Eigen organisatie mag dit lezen" in html and "Voor alle betrokkenen" in html
        assert "Geheim van de GGD" not in html
    assert "Alleen zichtbaar binnen" in html


def test_older_contacts_load_with_htmx_or_as_a_page(log_in, personas: Personas) -> None:
    case = a_case(personas)
    contacts_on(case, 45, author=personas.professional)
    client = log_in(personas.professional)
    url = reverse("cases:contact-list", args=[case.uuid])
    partial = html_of(client.get(url, {"pagina": 2}, headers={"HX-Request": "true"}))
    assert partial.lstrip().startswith('<ol hx-swap-oob="beforeend:#timeline-items">')
    assert re.findall(r"Notitie (\d+)", partial) == [str(index) for index in range(20, 40)]
    assert "<html" not in partial and f"{url}?pagina=3" in partial
    assert "data-focus-next" in partial  # keyboard focus goes to the first older contact
    last = html_of(client.get(url, {"pagina": 3}, headers={"HX-Request": "true"}))
    assert re.findall(r"Notitie (\d+)", last) == [str(index) for index in range(40, 45)]
    assert "pagina=4" not in last
    page = html_of(client.get(url, {"pagina": 2}))
    assert "<html" in page and "Contactmomenten met" in page
    assert 'href="?pagina=1"' in page and 'href="?pagina=3"' in page


def test_measurements_trend_the_zrm_per_domain_and_only_list_positieve_gezondheid(log_in, personas: Personas) -> None:
    case = a_rich_case(personas, members=2, measured_members=2)
    html = html_of(log_in(personas.professional).get(household_url(case)))
    data = json.loads(html.split('<script id="measurement-trends" type="application/json">')[1].split("</script>")[0])
    assert [chart["title"] for chart in data] == ["Financiën", "Werk & opleiding"]
    assert data[0]["labels"] == ["1-2-2025", "1-5-2025"] and len(data[0]["datasets"]) == 2
    assert data[0]["datasets"][0]["data"] == [2, 3] and (data[0]["min"], data[0]["max"]) == (1, 5)
    assert all("positieve" not in chart["canvas"] for chart in data)
    section = html.split('id="metingen"')[1].split("</section>")[0]
    assert (
        section.count("<canvas") == 2
        and section.count('class="utrecht-table utrecht-table--html-table trend__table"') == 2
    )
    assert "Positieve Gezondheid met" in section and "nooit als uitkomst gevolgd" in section
    assert "Gesprek over zingeving" in section
    assert "chart.umd.min.js" in html and "js/measurement-charts.js" in html


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_scores_read_with_the_case_show_as_the_scores_read_on_their_own(personas: Personas, language: str) -> None:
    case = a_rich_case(personas, members=2, measured_members=2)
    nasty = "<b>&\"'</b>"
    MeasurementScore.objects.filter(measurement__case=case).update(reason=f"Waarom {nasty}")
    Person.objects.filter(measurements__case=case).update(first_name=f"Ada {nasty}")
    with_rows = with_score_rows(Case.objects.filter(pk=case.pk)).get()
    assert len(with_rows.score_rows) == MeasurementScore.objects.filter(measurement__case=case).count() == 10
    plain = Case.objects.get(pk=case.pk)  # without the rows: scores_of reads them on their own, as the page did
    template = engines["django"].get_template("cases/household/_measurements.html")
    with translation.override(language):
        written = template.render({"measurements": scores_overview(scores_of(with_rows))})
        expected = template.render({"measurements": scores_overview(scores_of(plain))})
    assert written == expected
    assert "Ada &lt;b&gt;" in written and nasty not in written


def test_the_involvements_read_with_the_case_are_those_read_on_their_own_without_the_password_hash(
    personas: Personas,
) -> None:
    case = a_rich_case(personas, involvements=4, organisations=3)
    InvolvementFactory(case=case, end_date=TODAY)  # ended: listed too, as the legal bases show it
    with_rows = with_involvement_rows(Case.objects.filter(pk=case.pk)).get()
    read = involvements_of(with_rows)
    expected = involvements_of(Case.objects.get(pk=case.pk))  # without the rows: the query the page ran before
    assert [row.pk for row in read] == [row.pk for row in expected] and len(read) == 6
    assert read[0].is_coordinator
    for ours, theirs in zip(read, expected, strict=True):
        assert model_to_dict(ours) == model_to_dict(theirs)
        assert model_to_dict(ours.organisation) == model_to_dict(theirs.organisation)
        assert ours.professional.get_deferred_fields() == {"password"}
        fields = [field.name for field in User._meta.concrete_fields if field.name != "password"]
        assert model_to_dict(ours.professional, fields) == model_to_dict(theirs.professional, fields)
    assert "password" not in with_rows.involvement_rows[0]["professional"]


def test_a_household_without_measurements_loads_no_chart_code(log_in, personas: Personas) -> None:
    html = html_of(log_in(personas.professional).get(household_url(a_case(personas))))
    assert "chart.umd.min.js" not in html and "Nog geen metingen." in html


def test_conferences_legal_bases_and_consents_are_shown(log_in, personas: Personas) -> None:
    case = a_rich_case(personas)
    person = HouseholdMembership.objects.current().filter(household=case.household).first().person
    ConsentFactory(case=case, person=person, given_on=datetime.date(2024, 1, 1), expires_on=datetime.date(2024, 12, 31))
    ConsentFactory(case=case, person=person, revoked_on=datetime.date(2025, 4, 1), purpose="Delen met school")
    html = html_of(log_in(personas.professional).get(household_url(case)))
    assert "Budgetcoach inzetten" in html and "Afspraak uit het overleg" in html
    legal = html.split('id="grondslagen"')[1].split("</section>")[0]
    assert "wettelijke taak: Wmo 2015" in legal
    consents = html.split('id="toestemming"')[1].split("</section>")[0]
    assert "gegeven" in consents and "verlopen" in consents and "ingetrokken op 1 apr 2025" in consents


def test_the_open_case_is_shown_and_the_households_other_cases_are_listed(log_in, personas: Personas) -> None:
    old = a_case(personas, closed=True, referred_on=datetime.date(2023, 1, 1))
    current = a_case(personas, household=old.household)
    hidden = a_case(personas, household=old.household, team=personas.team_b, coordinator=personas.professional_b)
    client = log_in(personas.professional)
    html = html_of(client.get(household_url(current)))
    assert f"{current.reference} — Intake" in html
    assert f'href="?casus={old.uuid}"' in html
    assert hidden.reference not in html  # another team's case of the same household stays out of sight
    html = html_of(client.get(household_url(current), {"casus": str(old.uuid)}))
    assert f"{old.reference} — Afgesloten" in html and f'href="?casus={current.uuid}"' in html
    assert 'id="contact-form"' not in html and "Deze casus is afgesloten" in html
    html = html_of(client.get(household_url(current), {"casus": str(hidden.uuid)}))
    assert hidden.reference not in html and f"{current.reference} — Intake" in html


def test_the_toolbar_offers_the_contact_form(log_in, personas: Personas) -> None:
    case = a_case(personas)
    html = html_of(log_in(personas.professional).get(household_url(case)))
    toolbar = html.split('class="case-toolbar"')[1].split("</nav>")[0]
    assert reverse("cases:contact-create", args=[case.uuid]) in toolbar


@pytest.mark.parametrize(
    "size",
    [
        {"members": 1, "involvements": 1, "organisations": 1, "contacts": 5, "measured_members": 1},
        {"members": 9, "involvements": 12, "organisations": 8, "contacts": 500, "measured_members": 9},
    ],
    ids=["small", "large"],
)
def test_the_household_page_uses_a_constant_number_of_queries(
    log_in, personas: Personas, django_assert_max_num_queries, size: dict[str, int]
) -> None:
    case = a_rich_case(personas, **size)
    client = log_in(personas.professional)
    # Session, user, device (3); the household with its memberships and the network around it as JSON rows
    # (ecogram, issues 16, 17), the cases with their involvements, current plan's goals, conferences, consents
    # and measurement scores as JSON rows; actions with their open blockages as JSON rows; contacts (a
    # conference's agreed actions come from the case's); the coordinator's "who viewed" panel; one INSERT
    # into the access log for everything read; "recently viewed" (one upsert). The case's open tasks and
    # appointments come with the cases too (issues 15, 17). The themes are read once per process (themes.cache).
    all_themes()
    with django_assert_max_num_queries(10):
        response = client.get(household_url(case))
    assert response.status_code == 200
    assert f'data-count="professionals">{size["involvements"] + 1}<' in html_of(response)


def test_a_renamed_theme_shows_on_the_next_household_page_although_the_themes_are_read_once(
    log_in, personas: Personas, django_assert_max_num_queries
) -> None:
    case = a_rich_case(personas)
    client = log_in(personas.professional)
    assert "Werk &amp; inkomen" in html_of(client.get(household_url(case)))
    with django_assert_max_num_queries(0):
        all_themes()  # kept by the page
    work = Theme.objects.get(code="werk")
    work.name_nl = "Werk, inkomen en schulden"
    work.save()  # as the admin saves it
    html = html_of(client.get(household_url(case)))
    assert "Werk, inkomen en schulden" in html and "Werk &amp; inkomen" not in html


# --- Logging a contact in place ----------------------------------------------------------------------


VALID = {
    "occurred_on": "2025-06-01",
    "kind": "home_visit",
    "themes": ["werk", "onderwijs"],
    "minutes": "45",
    "note": "Samen de post doorgenomen.",
    "confidentiality": "all",
}


def test_the_household_page_offers_the_contact_form_with_today_filled_in(log_in, personas: Personas) -> None:
    html = html_of(log_in(personas.professional).get(household_url(a_case(personas))))
    form = html.split('<form id="contact-form"')[1].split("</form>")[0]
    assert 'value="2025-06-02"' in form
    assert form.count('type="checkbox" name="themes"') == 6
    assert 'hx-post="' in form and 'method="post"' in form


def test_without_javascript_a_contact_is_saved_and_the_page_redirects_to_the_timeline(
    log_in, personas: Personas
) -> None:
    case = a_case(personas)
    client = log_in(personas.professional)
    response = client.post(reverse("cases:contact-create", args=[case.uuid]), VALID)
    assert response.status_code == 302
    assert response["Location"] == f"{household_url(case)}?casus={case.uuid}#tijdlijn"
    contact = Contact.objects.get()
    assert (contact.case, contact.author, contact.minutes) == (case, personas.professional, 45)
    assert contact.themes == ["onderwijs", "werk"] and contact.occurred_on == datetime.date(2025, 6, 1)
    assert contact.author_organisation == personas.professional.organisation
    page = html_of(client.get(response["Location"]))
    assert "Het contactmoment is opgeslagen." in page and "Samen de post doorgenomen." in page


def test_with_htmx_the_new_contact_goes_on_top_of_the_timeline_and_the_form_is_reset(
    log_in, personas: Personas
) -> None:
    case = a_case(personas)
    response = log_in(personas.professional).post(
        reverse("cases:contact-create", args=[case.uuid]), VALID, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = html_of(response)
    assert "<html" not in html
    contact = Contact.objects.get()
    assert html.lstrip().startswith('<form id="contact-form"')
    form = html.split("</form>")[0]
    assert "Samen de post doorgenomen." not in form and "checked" not in form.split('name="themes"')[1]
    assert '<ol hx-swap-oob="afterbegin:#timeline-items">' in html
    assert f'id="contact-{contact.uuid}" tabindex="-1" data-focus-next' in html
    assert 'hx-swap-oob="innerHTML:#contact-status"' in html and "Het contactmoment is opgeslagen." in html


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_contact_with_errors_comes_back_with_dutch_messages_the_input_kept_and_nothing_saved(
    log_in, personas: Personas, htmx: bool
) -> None:
    case = a_case(personas)
    data = {**VALID, "themes": [], "minutes": "0", "note": "Wat ik al getypt had", "confidentiality": "own_org"}
    headers = {"HX-Request": "true"} if htmx else {}
    response = log_in(personas.professional).post(
        reverse("cases:contact-create", args=[case.uuid]), data, headers=headers
    )
    assert response.status_code == 200
    assert not Contact.objects.exists()
    html = html_of(response)
    assert ("<html" in html) is not htmx
    assert "Het contactmoment is niet opgeslagen." in html and 'role="alert"' in html
    assert 'id="contact_themes_error"' in html and "Kies minstens één thema." in html
    assert 'id="contact_minutes_error"' in html and "Een contact duurt minstens één minuut." in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="contact_minutes_helptext contact_minutes_error"' in html
    assert "Wat ik al getypt had</textarea>" in html
    assert 'value="2025-06-01"' in html and 'value="home_visit" selected' in html
    assert re.search(r'value="own_org"[^>]* checked[ >]', html) and not re.search(r'value="all"[^>]* checked[ >]', html)


def test_the_services_rules_come_back_next_to_the_field(log_in, personas: Personas) -> None:
    case = a_case(personas, referred_on=datetime.date(2025, 1, 10))
    client = log_in(personas.professional)
    url = reverse("cases:contact-create", args=[case.uuid])
    for day, message in (("2025-06-03", "in de toekomst"), ("2025-01-09", "vóór de aanmelding")):
        response = client.post(url, {**VALID, "occurred_on": day}, headers={"HX-Request": "true"})
        html = html_of(response)
        assert 'id="contact_occurred_on_error"' in html and message in html
        assert f'value="{day}"' in html
        assert re.search(r'value="werk"[^>]* checked[ >]', html) and re.search(r'value="onderwijs"[^>]* checked', html)
    assert not Contact.objects.exists()


def test_a_closed_case_takes_no_contacts(log_in, personas: Personas) -> None:
    case = a_case(personas, closed=True)
    response = log_in(personas.professional).post(reverse("cases:contact-create", args=[case.uuid]), VALID)
    assert response.status_code == 200
    assert "Deze casus is afgesloten" in html_of(response)
    assert not Contact.objects.exists()


# --- The page benchmark command ----------------------------------------------------------------------


def test_bench_pages_renders_the_largest_household_as_its_coordinator_and_reports(personas: Personas) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    a_rich_case(personas, contacts=3)
    largest = a_rich_case(personas, members=3, involvements=4, organisations=2, contacts=30)
    out = StringIO()
    call_command("bench_pages", runs=2, warmup=0, profile=True, stdout=out)
    report = out.getvalue()
    # Where the Python time goes (pyinstrument, issue 17): the view's own frames, by name.
    assert "Profile of household page, 5 renders:" in report and "household_detail" in report
    assert "Profile of caseload, 5 renders:" in report
    assert re.search(r"household page +[\d,]+ Python function calls per render", report)
    assert f"Household {largest.household.uuid}: 4 memberships, 5 involvements, 30 contacts" in report
    assert f"case {largest.reference}, viewed by user #{personas.professional.pk}" in report
    timings = r"median +[\d.]+ ms +p95 +[\d.]+ ms +\(best +[\d.]+ ms, Python CPU median +[\d.]+ ms\)"
    # agenda, network, members, goals, conferences, consents and blockages 0 (issues 15, 16, 17)
    assert re.search(rf"household page +{timings} +10 queries", report)
    # The themes read once per process, the members and the coordinator with the cases.
    assert re.search(rf"caseload +{timings} +8 queries", report)
    assert "Voornaam" not in report and "Lindelaan" not in report  # no names or addresses in the output
    # The login it needed leaves nothing behind.
    from django.contrib.sessions.models import Session

    assert not Session.objects.exists()
    with pytest.raises(CommandError, match=r"above 0\.0 ms"):
        call_command("bench_pages", runs=1, warmup=0, fail_above=0.0, stdout=StringIO())

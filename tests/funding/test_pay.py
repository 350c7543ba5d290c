"""Paying an action from a stream, on the screen and through the API (issue 14, item 1)."""

import datetime
from decimal import Decimal

import pytest

from cases.models import Action
from funding.models import Allocation, Silo
from organisations.models import OrganisationKind
from privacy.models import AccessLogEntry
from tests.cases.factories import ActionFactory, CaseFactory, MembershipFactory, PersonFactory
from tests.conftest import Personas
from tests.funding.factories import StreamFactory
from tests.organisations.factories import OrganisationFactory
from themes.models import Theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def eligible(personas: Personas) -> Action:
    """Debt counselling for the whole household by a debt counsellor, and the Wgs stream that fits it."""
    StreamFactory(
        code="WGS-2026",
        name="Schuldhulpverlening 2026",
        silo=Silo.objects.get(code="wgs"),
        municipality=personas.team_a.municipality,
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
        min_age=None,
        household_level=True,
        themes=["werk"],
        kinds=["debt_counselling"],
    )
    counsellor = OrganisationFactory(kind=OrganisationKind.objects.get(code="debt_counselling"))
    counsellor.silos.add(Silo.objects.get(code="wgs"))
    case = CaseFactory(team=personas.team_a)
    MembershipFactory(household=case.household, person=PersonFactory(date_of_birth=datetime.date(1980, 1, 1)))
    return ActionFactory(
        case=case,
        theme=Theme.objects.get(code="werk"),
        description="Schuldhulpverlening voor het hele huishouden",
        delivering_organisation=counsellor,
        beneficiary=None,
        planned_cost=Decimal("3200.00"),
        start_date=datetime.date(2026, 2, 1),
        end_date=datetime.date(2026, 7, 31),
    )


def body(action: Action, **changes: str) -> dict[str, str]:
    return {
        "action": str(action.uuid),
        "stream": "WGS-2026",
        "amount": "3200.00",
        "period_start": "2026-02-01",
        "period_end": "2026-07-31",
        **changes,
    }


def test_the_api_pays_an_eligible_action(log_in, personas: Personas, eligible: Action) -> None:
    response = log_in(personas.professional).post("/api/v1/allocations/", body(eligible), "application/json")
    assert response.status_code == 201, response.json()
    (allocation,) = response.json()["allocations"]
    assert allocation["stream"] == "WGS-2026" and allocation["amount"] == "3200.00"
    assert response.json()["blockage"] is None
    assert Allocation.objects.get().action == eligible
    assert AccessLogEntry.objects.filter(action="create", case_id=eligible.case_id, outcome="allowed").exists()


def test_the_api_answers_404_for_an_action_the_caller_may_not_see(log_in, personas: Personas, eligible: Action) -> None:
    for user in (personas.professional_b, personas.bureau, personas.outsider):
        response = log_in(user).post("/api/v1/allocations/", body(eligible), "application/json")
        assert response.status_code == 404
    assert not Allocation.objects.exists()
    assert AccessLogEntry.objects.filter(action="create", case_id=eligible.case_id, outcome="refused").count() == 3


def test_the_api_refuses_a_professional_where_only_the_lead_pays(log_in, personas: Personas, eligible: Action) -> None:
    personas.team_a.allocated_by = "team_lead"
    personas.team_a.save()
    response = log_in(personas.professional).post("/api/v1/allocations/", body(eligible), "application/json")
    assert response.status_code == 403
    response = log_in(personas.team_lead).post("/api/v1/allocations/", body(eligible), "application/json")
    assert response.status_code == 201


def test_the_api_explains_a_refusal_per_field(log_in, personas: Personas, eligible: Action) -> None:
    client = log_in(personas.professional)
    response = client.post("/api/v1/allocations/", body(eligible, stream="NOPE"), "application/json")
    assert response.status_code == 400 and "stream" in response.json()
    response = client.post(
        "/api/v1/allocations/", body(eligible, period_start="2025-12-01", period_end="2026-01-31"), "application/json"
    )
    assert response.status_code == 400 and "period_start" in response.json()
    assert not Allocation.objects.exists()


def test_the_pay_screen_lists_the_streams_and_why_not(client, log_in, personas: Personas, eligible: Action) -> None:
    StreamFactory(municipality=personas.team_a.municipality, name="Wmo begeleiding")  # adults' wellbeing only
    response = log_in(personas.professional).get(f"/financiering/acties/{eligible.uuid}/betalen/")
    assert response.status_code == 200
    options = {option.stream.name: option for option in response.context["options"]}
    assert options["Schuldhulpverlening 2026"].payable
    assert not options["Wmo begeleiding"].payable
    assert options["Wmo begeleiding"].explanation == "betaalt voor andere thema's"


def test_the_pay_screen_takes_a_dutch_amount_and_keeps_what_was_typed(
    log_in, personas: Personas, eligible: Action
) -> None:
    client = log_in(personas.professional)
    url = f"/financiering/acties/{eligible.uuid}/betalen/"
    stream = str(Allocation._meta.get_field("stream").related_model.objects.get(code="WGS-2026").uuid)
    form = {"stream": stream, "amount": "3.200,00", "period_start": "2026-02-01", "period_end": "2026-01-01"}
    response = client.post(url, form)
    assert response.status_code == 400
    assert "Het einde kan niet vóór het begin liggen." in response.content.decode()
    assert 'value="3.200,00"' in response.content.decode()
    response = client.post(url, form | {"period_end": "2026-07-31"})
    assert response.status_code == 302 and response["Location"].endswith("#financiering")
    assert Allocation.objects.get().amount == Decimal("3200.00")


def test_the_api_corrects_an_action_and_refuses_a_stale_version(log_in, personas: Personas, eligible: Action) -> None:
    client = log_in(personas.professional)
    url = f"/api/v1/actions/{eligible.uuid}/correct/"
    correction = {
        "version": 1,
        "delivering_organisation": str(eligible.delivering_organisation.uuid),
        "beneficiary": None,
        "planned_cost": "2800.00",
        "start_date": "2026-02-01",
        "end_date": "2027-03-31",
    }
    response = client.post(url, correction, "application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2 and response.json()["planned_cost"] == "2800.00"
    # Past the stream's end (31-12-2026) with no next period: detection ran again on the correction.
    assert eligible.blockages.get().reason == "stream_ends"
    response = client.post(url, correction | {"planned_cost": "1.00"}, "application/json")
    assert response.status_code == 400
    eligible.refresh_from_db()
    assert eligible.planned_cost == Decimal("2800.00")
    assert log_in(personas.professional_b).post(url, correction, "application/json").status_code == 404


def test_the_pay_screen_uses_a_constant_number_of_queries(
    log_in, personas: Personas, eligible: Action, django_assert_max_num_queries
) -> None:
    client = log_in(personas.professional)
    url = f"/financiering/acties/{eligible.uuid}/betalen/"
    client.get(url)  # the statement is prepared once per connection
    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    for year in range(2010, 2030):  # many streams, in several silos and years
        StreamFactory(
            municipality=personas.team_a.municipality,
            valid_from=datetime.date(year, 1, 1),
            valid_until=datetime.date(year, 12, 31),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["options"]) == 21


def test_the_daily_redetection_catches_a_household_that_moved_out_of_the_streams_area(
    personas: Personas, eligible: Action
) -> None:
    from funding.models import Blockage, FundingStream
    from funding.tasks import detect_blockages
    from tests.organisations.factories import NeighbourhoodFactory

    FundingStream.objects.get(code="WGS-2026").areas.set([eligible.case.household.neighbourhood])
    detect_blockages.apply()
    assert not Blockage.objects.exists()
    household = eligible.case.household
    household.neighbourhood = NeighbourhoodFactory()
    household.save()
    detect_blockages.apply()
    assert Blockage.objects.get(action=eligible).reason == "area"


def test_the_pay_screen_refuses_a_professional_where_only_the_lead_pays_and_logs_it(
    log_in, personas: Personas, eligible: Action
) -> None:
    personas.team_a.allocated_by = "team_lead"
    personas.team_a.save()
    url = f"/financiering/acties/{eligible.uuid}/betalen/"
    assert log_in(personas.professional).get(url).status_code == 403
    assert AccessLogEntry.objects.filter(case_id=eligible.case_id, outcome="refused", action="read").exists()
    assert log_in(personas.team_lead).get(url).status_code == 200

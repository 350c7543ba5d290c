"""Every funding screen: who gets in (one permission table), what the pseudonymous views leave out,
bad input, and pinned query counts with small and large data."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from cases.models import Action
from funding import services
from funding.models import Blockage, BlockageStatus
from tests.cases.factories import ActionFactory, CaseFactory, MembershipFactory, PersonFactory
from tests.conftest import Personas
from tests.funding.factories import BlockageFactory, FlexibleStreamFactory, SpendImportFactory

pytestmark = pytest.mark.django_db

SECRET_NOTE = "Moeder durft de post niet open te maken"


@pytest.fixture
def scene(personas: Personas):
    case = CaseFactory(team=personas.team_a, reference="WT-SCENE001")
    person = PersonFactory(first_name="Samira", last_name="Vermeulen")
    MembershipFactory(household=case.household, person=person)
    action = ActionFactory(case=case, description="Schuldhulp voor Samira", beneficiary=person)
    blockage = BlockageFactory(action=action, household_impact=SECRET_NOTE, opened_by=personas.professional)
    services.blockage_escalate(blockage=blockage, by=personas.professional, note=SECRET_NOTE)
    return {"case": case, "action": action, "blockage": blockage, "import": SpendImportFactory()}


ENDPOINTS = {
    "team_blockages": lambda s: reverse("funding:team_blockages"),
    "blockage": lambda s: reverse("funding:blockage", args=[s["blockage"].uuid]),
    "blockage_register": lambda s: reverse("funding:blockage_register", args=[s["action"].uuid]),
    "household": lambda s: reverse("funding:household", args=[s["case"].household.uuid]),
    "register": lambda s: reverse("funding:register"),
    "audit": lambda s: reverse("funding:audit"),
    "audit_export": lambda s: reverse("funding:audit_export", args=["csv"]),
    "audit_cell": lambda s: (
        reverse("funding:audit_cell") + "?year=2025&level=wijk&granularity=quarter&silo=&area=&period=2025-01-01"
    ),
    "spend_imports": lambda s: reverse("funding:spend_imports"),
    "spend_import": lambda s: reverse("funding:spend_import", args=[s["import"].uuid]),
    "spend_import_progress": lambda s: reverse("funding:spend_import_progress", args=[s["import"].uuid]),
    "spend_import_errors": lambda s: reverse("funding:spend_import_errors", args=[s["import"].uuid]),
}
# Who may open which screen: tests/test_permission_matrix.py.


def test_the_bureau_sees_a_blockage_without_personal_data(log_in, personas: Personas, scene) -> None:
    for url in (ENDPOINTS["blockage"](scene), ENDPOINTS["register"](scene)):
        html = log_in(personas.bureau).get(url).content.decode()
        assert "WT-SCENE001" in html
        for personal in ("Samira", "Vermeulen", SECRET_NOTE, "Schuldhulp voor", "Lindelaan", "1234AB"):
            assert personal not in html, (url, personal)


def test_the_team_sees_the_blockage_with_its_household_context(log_in, personas: Personas, scene) -> None:
    html = log_in(personas.professional).get(ENDPOINTS["blockage"](scene)).content.decode()
    assert "Schuldhulp voor Samira" in html and SECRET_NOTE in html and "Lindelaan" in html


def test_a_register_filter_narrows_the_list(log_in, personas: Personas, scene) -> None:
    client = log_in(personas.bureau)
    assert "WT-SCENE001" in client.get(reverse("funding:register"), {"reason": "other"}).content.decode()
    assert "WT-SCENE001" not in client.get(reverse("funding:register"), {"reason": "age"}).content.decode()
    assert "WT-SCENE001" not in client.get(reverse("funding:register"), {"status": "closed"}).content.decode()


# --- Steps on the blockage page ------------------------------------------------------------------


def test_the_team_lead_escalates_from_the_page(log_in, personas: Personas, scene) -> None:
    blockage = scene["blockage"]
    response = log_in(personas.team_lead).post(
        reverse("funding:blockage_step", args=[blockage.uuid, "escalate"]), {"escalate-note": "Graag meedenken"}
    )
    assert response.status_code == 302
    blockage.refresh_from_db()
    assert blockage.level == "programme_bureau"


def test_a_step_the_user_may_not_take_is_forbidden_and_changes_nothing(log_in, personas: Personas, scene) -> None:
    blockage = scene["blockage"]
    response = log_in(personas.professional).post(
        reverse("funding:blockage_step", args=[blockage.uuid, "escalate"]), {"escalate-note": ""}
    )
    assert response.status_code == 403
    blockage.refresh_from_db()
    assert blockage.level == "team_lead"


def test_a_step_on_an_invisible_blockage_is_404(log_in, personas: Personas, scene) -> None:
    response = log_in(personas.professional_b).post(
        reverse("funding:blockage_step", args=[scene["blockage"].uuid, "escalate"]), {}
    )
    assert response.status_code == 404


def test_a_doorbraak_without_budget_shows_the_error_next_to_the_amount_and_keeps_it(
    log_in, personas: Personas, scene
) -> None:
    today = datetime.date.today()
    FlexibleStreamFactory(
        municipality=personas.team_a.municipality,
        valid_from=today.replace(month=1, day=1),
        valid_until=today.replace(month=12, day=31),
        budget=Decimal("100.00"),
    )
    response = log_in(personas.team_lead).post(
        reverse("funding:blockage_step", args=[scene["blockage"].uuid, "doorbraak"]),
        {"doorbraak-amount": "450,00", "doorbraak-note": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "id_doorbraak-amount_error" in html and 'value="450,00"' in html
    scene["blockage"].refresh_from_db()
    assert scene["blockage"].status == BlockageStatus.ESCALATED


def test_the_doorbraak_from_the_page_resolves_and_pays(log_in, personas: Personas, scene) -> None:
    today = datetime.date.today()
    FlexibleStreamFactory(
        municipality=personas.team_a.municipality,
        valid_from=today.replace(month=1, day=1),
        valid_until=today.replace(month=12, day=31),
    )
    response = log_in(personas.team_lead).post(
        reverse("funding:blockage_step", args=[scene["blockage"].uuid, "doorbraak"]),
        {"doorbraak-amount": "450,00", "doorbraak-note": "Doorbraak"},
    )
    assert response.status_code == 302
    scene["blockage"].refresh_from_db()
    assert scene["blockage"].resolution == "flexible_budget" and scene["blockage"].allocation.amount == Decimal("450")


def test_registering_a_blockage_by_hand_keeps_the_input_on_errors(log_in, personas: Personas, scene) -> None:
    client = log_in(personas.professional)
    url = ENDPOINTS["blockage_register"](scene)
    response = client.post(
        url, {"reason": "other", "rule": "Art. 2.3 Jeugdwet", "household_impact": "", "euros_stuck": "-5"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Art. 2.3 Jeugdwet" in html and html.count('aria-invalid="true"') == 3
    assert Blockage.objects.count() == 1
    response = client.post(
        url,
        {
            "reason": "other",
            "rule": "Art. 2.3",
            "household_impact": "Wachten",
            "euros_stuck": "120",
            "delay_days": "14",
        },
    )
    assert response.status_code == 302 and Blockage.objects.count() == 2


# --- Query counts -----------------------------------------------------------------------------------


def many_blockages(personas: Personas, count: int) -> None:
    case = CaseFactory(team=personas.team_a)
    actions = [ActionFactory(case=case) for _ in range(count)]
    for action in actions:
        BlockageFactory(action=action, opened_by=personas.professional)


@pytest.mark.parametrize(
    "persona, url, limit",
    [
        ("professional", "funding:team_blockages", 9),
        ("bureau", "funding:register", 10),
    ],
)
def test_blockage_lists_use_a_constant_number_of_queries(
    log_in, personas: Personas, scene, django_assert_max_num_queries, persona, url, limit
) -> None:
    client = log_in(getattr(personas, persona))
    with django_assert_max_num_queries(limit):
        assert client.get(reverse(url)).status_code == 200
    many_blockages(personas, 40)
    with django_assert_max_num_queries(limit):
        response = client.get(reverse(url))
    assert response.content.decode().count("/financiering/knelpunten/") >= 40


def test_the_blockage_page_uses_a_constant_number_of_queries(
    log_in, personas: Personas, scene, django_assert_max_num_queries
) -> None:
    blockage = scene["blockage"]
    client = log_in(personas.team_lead)
    with django_assert_max_num_queries(22):
        client.get(ENDPOINTS["blockage"](scene))
    for _ in range(3):
        services.blockage_escalate(blockage=blockage, by=personas.team_lead) if blockage.level == "team_lead" else None
    with django_assert_max_num_queries(22):
        assert client.get(ENDPOINTS["blockage"](scene)).status_code == 200


def test_the_household_page_uses_a_constant_number_of_queries(
    log_in, personas: Personas, scene, django_assert_max_num_queries
) -> None:
    client = log_in(personas.professional)
    url = ENDPOINTS["household"](scene)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
    for _ in range(25):
        action = ActionFactory(case=scene["case"], status=Action.Status.APPROVED)
        BlockageFactory(action=action, opened_by=personas.professional)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.content.decode().count("/knelpunt/") >= 26

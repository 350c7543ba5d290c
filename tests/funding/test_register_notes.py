"""Notes written for the next level: readable by the programme bureau, checked for names and BSNs, and
whoever can act at the new level is notified in the application."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from funding import services
from funding.models import BlockageLevel, BlockageStatus
from notifications.models import Notification
from organisations.models import Role
from tests.cases.factories import ActionFactory, CaseFactory, MembershipFactory, PersonFactory
from tests.conftest import Personas
from tests.funding.factories import BlockageFactory
from tests.organisations.factories import MunicipalityFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

TEAM_NOTE = "Moeder durft de post niet open te maken"
BUREAU_NOTE = "Graag een besluit over maatwerk: de Wmo-regel sluit gezinsbegeleiding uit."


@pytest.fixture
def blockage(personas: Personas):
    case = CaseFactory(team=personas.team_a, reference="WT-NOTE0001")
    person = PersonFactory(first_name="Samira", surname_prefix="van", last_name="Dijk")
    MembershipFactory(household=case.household, person=person)
    action = ActionFactory(case=case, beneficiary=person)
    blockage = BlockageFactory(action=action, opened_by=personas.professional)
    services.blockage_escalate(blockage=blockage, by=personas.professional, note=TEAM_NOTE)  # to the team lead
    return blockage


def test_the_bureau_reads_the_note_written_for_it(log_in, personas: Personas, blockage) -> None:
    services.blockage_escalate(blockage=blockage, by=personas.team_lead, note=BUREAU_NOTE)
    html = log_in(personas.bureau).get(reverse("funding:blockage", args=[blockage.uuid])).content.decode()
    assert BUREAU_NOTE in html
    assert TEAM_NOTE not in html  # written for the team lead, before any check: stays in the team


def test_the_auditor_reads_the_note_in_the_register_view_too(log_in, personas: Personas, blockage) -> None:
    services.blockage_escalate(blockage=blockage, by=personas.team_lead, note=BUREAU_NOTE)
    html = log_in(personas.auditor).get(reverse("funding:blockage", args=[blockage.uuid])).content.decode()
    assert BUREAU_NOTE in html


@pytest.mark.parametrize(
    "note, found",
    [
        ("Samira heeft geen geld voor de eigen bijdrage", "Samira"),
        ("gesprek met SAMIRA gehad", "SAMIRA"),
        ("Mevrouw Dijk wacht al maanden", "Dijk"),
        ("Mevrouw van Dijk wacht al maanden", "van Dijk"),
        ("BSN 111222333 staat verkeerd bij de SVB", "111222333"),
        ("BSN 1112.22.333 staat verkeerd", "1112.22.333"),
    ],
)
def test_a_note_for_the_bureau_with_a_name_or_bsn_is_refused_and_nothing_changes(
    personas: Personas, blockage, note: str, found: str
) -> None:
    steps = blockage.events.count()
    with pytest.raises(ValidationError) as error:
        services.blockage_escalate(blockage=blockage, by=personas.team_lead, note=note)
    assert "note" in error.value.message_dict
    assert found in " ".join(error.value.message_dict["note"])
    blockage.refresh_from_db()
    assert blockage.level == BlockageLevel.TEAM_LEAD and blockage.events.count() == steps


@pytest.mark.parametrize(
    "note",
    [
        "Samirastraat is een straatnaam, geen voornaam",  # whole words only
        "Dijkgraaf van het waterschap gebeld",
        "Factuur 123456789 staat open",  # nine digits that fail the 11-proef are no BSN
        "",
    ],
)
def test_a_note_without_names_or_bsn_goes_through(personas: Personas, blockage, note: str) -> None:
    services.blockage_escalate(blockage=blockage, by=personas.team_lead, note=note)
    blockage.refresh_from_db()
    assert blockage.level == BlockageLevel.PROGRAMME_BUREAU


def test_the_escalate_form_says_where_the_note_goes_and_keeps_what_was_typed(
    log_in, personas: Personas, blockage
) -> None:
    client = log_in(personas.team_lead)
    url = reverse("funding:blockage", args=[blockage.uuid])
    html = client.get(url, headers={"Accept-Language": "nl"}).content.decode()
    assert "programmabureau" in html and "geen namen" in html
    response = client.post(
        reverse("funding:blockage_step", args=[blockage.uuid, "escalate"]),
        {"escalate-note": "Samira wacht"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Samira wacht</textarea>" in html and "id_escalate-note_error" in html
    blockage.refresh_from_db()
    assert blockage.status == BlockageStatus.ESCALATED and blockage.level == BlockageLevel.TEAM_LEAD


def test_the_api_refuses_a_note_with_a_name(log_in, personas: Personas, blockage) -> None:
    response = log_in(personas.team_lead).post(
        f"/api/v1/blockages/{blockage.uuid}/escalate/", {"note": "Samira wacht"}, content_type="application/json"
    )
    assert response.status_code == 400 and "note" in response.json()


# --- Notifications ------------------------------------------------------------------------------------


def test_reaching_the_bureau_notifies_the_bureau_of_the_municipality_after_commit(
    personas: Personas, blockage, django_capture_on_commit_callbacks
) -> None:
    elders = MunicipalityFactory(code="GM0888", name="Elders")
    elsewhere = UserFactory(role=Role.PROGRAMME_BUREAU, organisation=OrganisationFactory(municipality=elders))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.blockage_escalate(blockage=blockage, by=personas.team_lead, note=BUREAU_NOTE)
        assert not Notification.objects.filter(recipient=personas.bureau).exists()  # not before the commit
    for callback in callbacks:
        callback()
    notification = Notification.objects.get(recipient=personas.bureau)
    assert "WT-NOTE0001" in notification.text and "Samira" not in notification.text and "Dijk" not in notification.text
    assert notification.link == reverse("funding:blockage", args=[blockage.uuid])
    assert not Notification.objects.filter(recipient__in=[elsewhere, personas.team_lead, personas.auditor]).exists()


def test_reaching_the_team_lead_notifies_the_teams_lead(personas: Personas, django_capture_on_commit_callbacks) -> None:
    blockage = BlockageFactory(action=ActionFactory(case=CaseFactory(team=personas.team_a)))
    with django_capture_on_commit_callbacks(execute=True):
        services.blockage_escalate(blockage=blockage, by=personas.professional, note="")
    assert list(Notification.objects.values_list("recipient", flat=True)) == [personas.team_lead.pk]


def test_a_refused_escalation_notifies_nobody(personas: Personas, blockage, django_capture_on_commit_callbacks) -> None:
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.blockage_escalate(blockage=blockage, by=personas.team_lead, note="Samira")
    assert not Notification.objects.exists()

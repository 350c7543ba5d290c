import datetime

import pytest

from cases import services
from cases.models import Action, Case, CaseStatus
from tests.cases.factories import ActionFactory, CaseFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def test_a_status_change_keeps_who_when_old_and_new(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, status=CaseStatus.INTAKE, coordinator=personas.professional)
    services.case_transition(case=case, to_status=CaseStatus.PLAN, by=personas.professional)
    latest = Case.history.filter(id=case.pk).order_by("-history_date").first()
    assert latest.history_user == personas.professional
    assert latest.history_type == "~"
    delta = latest.diff_against(latest.prev_record)
    assert [(change.field, change.old, change.new) for change in delta.changes] == [
        ("status", CaseStatus.INTAKE, CaseStatus.PLAN)
    ]


def test_a_service_called_without_a_request_still_records_its_actor(personas: Personas) -> None:
    action = ActionFactory(case=CaseFactory(team=personas.team_a))
    services.action_set_status(action=action, status=Action.Status.APPROVED, by=personas.team_lead)
    assert Action.history.filter(id=action.pk).latest("history_date").history_user == personas.team_lead


def test_a_logged_contact_has_a_creation_record(personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a)
    contact = services.contact_log(
        case=case, by=personas.professional, occurred_on=datetime.date(2025, 2, 3), kind="phone", themes=["werk"],
        minutes=10,
    )  # fmt: skip
    record = contact.history.get()
    assert (record.history_type, record.history_user) == ("+", personas.professional)

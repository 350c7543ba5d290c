"""Issue #12, finding 11: the last writer won on an action's status, silently.

Two forms are loaded while the action is ``proposed``; one sets it approved,
the other then sets it cancelled. The second, stale form must not overwrite:
it shows a clear Dutch message, keeps what was chosen, and saves nothing. The
API answers a stale change with 409, like the plan's.
"""

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Action, Case
from tests.cases.factories import ActionFactory, CaseFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(personas: Personas) -> Case:
    return CaseFactory(team=personas.team_a, coordinator=personas.professional)


@pytest.fixture
def action(case: Case, personas: Personas) -> Action:
    return ActionFactory(case=case, status=Action.Status.PROPOSED, created_by=personas.professional)


def status_url(action: Action) -> str:
    return reverse("cases:action-status", kwargs={"case": action.case.uuid, "action": action.uuid})


def loaded_form(client: Client, action: Action) -> dict[str, str]:
    """What the browser would send back: the hidden fields of the form as it was loaded."""
    form = client.get(status_url(action)).context["form"]
    return {name: str(form[name].value()) for name in form.fields if form[name].is_hidden}


def test_the_stale_form_does_not_overwrite_and_says_so_in_dutch(
    client: Client, log_in, personas: Personas, action: Action
) -> None:
    client = log_in(personas.professional)
    first, second = loaded_form(client, action), loaded_form(client, action)

    assert client.post(status_url(action), {**first, "status": Action.Status.APPROVED}).status_code == 302
    response = client.post(status_url(action), {**second, "status": Action.Status.CANCELLED})

    action.refresh_from_db()
    assert action.status == Action.Status.APPROVED
    assert response.status_code == 200
    form = response.context["form"]
    assert form["status"].value() == Action.Status.CANCELLED  # what was chosen is kept
    message = " ".join(form.errors["status"])
    assert "Iemand anders heeft deze actie intussen gewijzigd" in message
    assert "goedgekeurd" in message.lower()


def test_after_the_conflict_the_form_can_be_saved_again_on_purpose(
    client: Client, log_in, personas: Personas, action: Action
) -> None:
    client = log_in(personas.professional)
    first, second = loaded_form(client, action), loaded_form(client, action)
    client.post(status_url(action), {**first, "status": Action.Status.APPROVED})
    retry = client.post(status_url(action), {**second, "status": Action.Status.CANCELLED}).context["form"]
    again = {name: str(retry[name].value()) for name in retry.fields if retry[name].is_hidden}
    assert client.post(status_url(action), {**again, "status": Action.Status.CANCELLED}).status_code == 302
    action.refresh_from_db()
    assert action.status == Action.Status.CANCELLED


def test_the_api_answers_a_stale_change_with_409(client: Client, log_in, personas: Personas, action: Action) -> None:
    client = log_in(personas.professional)
    url = f"/api/v1/actions/{action.uuid}/"
    version = client.get(url).json()["version"]
    approved = client.patch(url, {"status": "approved", "version": version}, content_type="application/json")
    assert approved.status_code == 200
    cancelled = client.patch(url, {"status": "cancelled", "version": version}, content_type="application/json")
    assert cancelled.status_code == 409
    assert "version" in cancelled.json()
    action.refresh_from_db()
    assert action.status == Action.Status.APPROVED

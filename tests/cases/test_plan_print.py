"""The printable household plan (issue 15, item 6): own words, who does what, lines to sign, a logged read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from privacy.models import AccessLogEntry
from tests.cases.conftest import Scene
from tests.cases.factories import GoalFactory, PlanVersionFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

OWN_WORDS = "We willen weer rustig kunnen slapen zonder brieven van deurwaarders."


@pytest.fixture
def planned(scene: Scene, personas: Personas) -> Scene:
    version = PlanVersionFactory(plan=scene.case.plan, created_by=personas.professional)
    scene.case.plan.version = version.number
    scene.case.plan.save()
    GoalFactory(plan_version=version, text=OWN_WORDS)
    scene.colleague.phone = "030 123 45 67"
    scene.colleague.save()
    return scene


def test_the_plan_prints_in_own_words_with_who_does_what_and_lines_to_sign(
    planned: Scene, personas: Personas, log_in, django_assert_max_num_queries
) -> None:
    client = log_in(personas.professional)
    household = reverse("cases:household", args=[planned.case.household.uuid])
    url = reverse("cases:plan-print", args=[planned.case.uuid])
    assert url in client.get(household).content.decode()
    before = AccessLogEntry.objects.count()
    # Session, user and device, the case and its log row, then the plan, actions, involvements and members.
    with django_assert_max_num_queries(16):
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert f"“{OWN_WORDS}”" in page
    action = planned.action
    assert action.description in page and action.delivering_organisation.name in page
    assert str(planned.colleague) in page and "030 123 45 67" in page  # who does it, and how to reach them
    signatures = page.split('class="plan-print__signatures"')[1]
    assert "Fatima Bakker" in signatures and "Sem Bakker" not in signatures  # the adults sign, not the child
    assert str(personas.professional) in signatures  # and the contact person
    assert "css/plan-print.css" in page
    rows = list(AccessLogEntry.objects.order_by("id")[before:])
    assert [(row.action, row.outcome, row.case_id) for row in rows] == [("read", "allowed", planned.case.pk)]


def test_another_teams_professional_cannot_print_the_plan(planned: Scene, personas: Personas, log_in) -> None:
    url = reverse("cases:plan-print", args=[planned.case.uuid])
    assert log_in(personas.professional_b).get(url).status_code == 404

"""The meldcode huiselijk geweld en kindermishandeling on a case (issue 16, item 7).

The five steps in order (a transition table), confidential to the involved professionals of the recording
organisation and the coordinator, in the case history for them only, and in no aggregate.
"""

from __future__ import annotations

import datetime
import pathlib

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from cases import services
from cases.models import MeldcodeStep
from monitoring.services import summaries_refresh
from privacy.models import AccessLogEntry
from tests.cases.conftest import Scene
from tests.cases.factories import InvolvementFactory
from tests.cases.screens import field_error, input_value
from tests.conftest import Personas
from tests.organisations.factories import TeamMembershipFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 3)
STEP_ANSWERS: dict[int, dict[str, bool]] = {
    2: {"consulted_veilig_thuis": True},
    4: {"suspicion": True, "unsafe": False, "can_help": True, "help_accepted": True, "lasting_safety": True},
    5: {"organise_help": True},
}


def record(scene_case, by, step: int, **answers: bool) -> MeldcodeStep:  # type: ignore[no-untyped-def]
    data = services.MeldcodeInput(
        step=step, done_on=DAY, outcome=f"Uitkomst van stap {step}", **{**STEP_ANSWERS.get(step, {}), **answers}
    )
    return services.meldcode_record(case=scene_case, data=data, by=by)


def meldcode_url(scene: Scene) -> str:
    return reverse("cases:meldcode", args=[scene.case.uuid])


def test_the_steps_go_in_order_and_a_new_round_starts_after_the_decision(scene: Scene, personas: Personas) -> None:
    prof = personas.professional
    record(scene.case, prof, 1)
    with pytest.raises(ValidationError) as refused:
        record(scene.case, prof, 3)  # step 2 comes first
    assert refused.value.code == "stale"
    for step in (2, 3, 4, 5):
        record(scene.case, prof, step)
    assert services.meldcode_next_step(case=scene.case, organisation_id=prof.organisation_id) == (2, 1)
    assert list(MeldcodeStep.objects.filter(case=scene.case).values_list("round", "step")) == [
        (1, 1),
        (1, 2),
        (1, 3),
        (1, 4),
        (1, 5),
    ]
    # Another organisation runs its own meldcode on the same case, from step 1.
    assert services.meldcode_next_step(case=scene.case, organisation_id=scene.colleague.organisation_id) == (1, 1)


def test_without_a_suspicion_the_round_ends_at_the_weighing(scene: Scene, personas: Personas) -> None:
    prof = personas.professional
    for step in (1, 2, 3):
        record(scene.case, prof, step)
    weighing = services.meldcode_record(
        case=scene.case,
        data=services.MeldcodeInput(step=4, done_on=DAY, outcome="Geen vermoeden na gesprek", suspicion=False),
        by=prof,
    )
    assert (weighing.suspicion, weighing.unsafe) == (False, None)
    assert services.meldcode_next_step(case=scene.case, organisation_id=prof.organisation_id) == (2, 1)


def test_acute_or_structural_unsafety_is_always_reported(scene: Scene, personas: Personas) -> None:
    prof = personas.professional
    for step in (1, 2, 3):
        record(scene.case, prof, step)
    record(scene.case, prof, 4, unsafe=True)
    with pytest.raises(ValidationError) as refused:
        record(scene.case, prof, 5, organise_help=True, report_to_veilig_thuis=False)
    assert "report_to_veilig_thuis" in refused.value.message_dict
    assert not MeldcodeStep.objects.filter(step=5).exists()
    assert record(scene.case, prof, 5, organise_help=True, report_to_veilig_thuis=True).report_to_veilig_thuis


def test_only_involved_professionals_may_record(scene: Scene, personas: Personas) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        record(scene.case, personas.team_lead, 1)  # leads the team, oversees the case, does not work on it
    assert not MeldcodeStep.objects.exists()


def test_a_step_is_read_by_its_organisation_and_the_coordinator_only(scene: Scene, personas: Personas, log_in) -> None:
    # The colleague (another organisation, involved) records; a third professional of the colleague's
    # team and organisation who is not involved, and one of yet another organisation who is, read nothing.
    colleague_client = log_in(scene.colleague)
    response = colleague_client.post(
        meldcode_url(scene), {"step": "1", "done_on": "03-03-2025", "outcome": "Blauwe plekken gezien bij Sem"}
    )
    assert response.status_code == 302
    same_org_not_involved = TeamMembershipFactory(team=personas.team_a, user__organisation=scene.colleague.organisation)
    other_org_involved = InvolvementFactory(
        case=scene.case, professional=TeamMembershipFactory(team=personas.team_a).user
    ).professional

    coordinator_page = log_in(personas.professional).get(meldcode_url(scene)).content.decode()
    assert "Blauwe plekken gezien bij Sem" in coordinator_page
    assert "Blauwe plekken" not in log_in(other_org_involved).get(meldcode_url(scene)).content.decode()
    assert log_in(same_org_not_involved.user).get(meldcode_url(scene)).status_code == 404
    refused = AccessLogEntry.objects.order_by("-id").first()
    assert refused is not None and (refused.outcome, refused.case_id) == ("refused", scene.case.pk)
    # The team lead oversees the case but is not told a meldcode exists: no link, and the page is not found.
    lead = log_in(personas.team_lead)
    assert lead.get(meldcode_url(scene)).status_code == 404

    history = reverse("cases:household-history", args=[scene.case.household.uuid])
    assert "Blauwe plekken" in log_in(personas.professional).get(history).content.decode()
    assert "Blauwe plekken" not in log_in(other_org_involved).get(history).content.decode()


def test_the_household_page_links_the_meldcode_for_involved_professionals_only(
    scene: Scene, personas: Personas, log_in
) -> None:
    household = reverse("cases:household", args=[scene.case.household.uuid])
    assert meldcode_url(scene) in log_in(personas.professional).get(household).content.decode()
    lead: Client = log_in(personas.team_lead)
    lead.post(reverse("cases:household-purpose", args=[scene.case.household.uuid]), {"reason": "review"})
    page = lead.get(household)
    assert page.status_code == 200 and meldcode_url(scene) not in page.content.decode()


def test_a_refused_step_keeps_what_was_typed_and_saves_nothing(scene: Scene, personas: Personas, log_in) -> None:
    client = log_in(personas.professional)
    record(scene.case, personas.professional, 1)
    page = client.post(meldcode_url(scene), {"step": "2", "done_on": "01-01-2099", "outcome": "Overleg met collega"})
    html = page.content.decode()
    assert page.status_code == 200
    assert field_error(html, "id_done_on")
    assert "Veilig Thuis" in field_error(html, "id_consulted_veilig_thuis")
    assert input_value(html, "id_outcome") == "Overleg met collega"
    assert MeldcodeStep.objects.filter(step=2).count() == 0


def test_no_monitoring_or_api_figure_counts_the_meldcode(scene: Scene, personas: Personas, log_in) -> None:
    personas.bureau.organisation.municipality = personas.team_a.municipality
    personas.bureau.organisation.save()
    bureau = log_in(personas.bureau)
    report = reverse("api:report-programme-list")
    summaries_refresh(full=True)
    before = bureau.get(report).json()
    for step in (1, 2, 3, 4, 5):
        record(scene.case, personas.professional, step, report_to_veilig_thuis=True)
    summaries_refresh(full=True)
    after = bureau.get(report).json()
    assert before.pop("refreshed_at") != after.pop("refreshed_at")  # the figures were computed again
    assert after == before
    # And no code that builds figures or serves the API reads the model at all.
    root = pathlib.Path(__file__).resolve().parents[2]
    readers = [
        path.relative_to(root).as_posix()
        for folder in ("monitoring", "funding", "cases/api", "exports")
        for path in (root / folder).rglob("*.py")
        if "MeldcodeStep" in path.read_text() or "meldcode_steps" in path.read_text()
    ]
    readers += [
        name for name in ("privacy/api.py", "privacy/suppression.py") if "Meldcode" in (root / name).read_text()
    ]
    assert readers == []


def test_an_access_request_holds_each_step_for_the_officers_decision_and_retention_clears_the_outcome(
    scene: Scene, personas: Personas
) -> None:
    from cases.models import CaseStatus
    from privacy.retention import REDACTED, cases_anonymise
    from privacy.subject_access import items_of, person_disclosure, undecided_confidential

    step = record(scene.case, personas.professional, 1)
    disclosure = person_disclosure(scene.parent.person)
    item = items_of(disclosure)[f"meldcode:{step.uuid}"]
    assert item["confidential"] is True
    assert f"meldcode:{step.uuid}" in undecided_confidential(disclosure, {})  # never released without a decision

    scene.case.status, scene.case.closed_on = CaseStatus.CLOSED, DAY
    scene.case.save()
    cases_anonymise(case_ids=[scene.case.pk])
    step.refresh_from_db()
    assert step.outcome == REDACTED
    assert set(MeldcodeStep.history.filter(id=step.pk).values_list("outcome", flat=True)) == {REDACTED}

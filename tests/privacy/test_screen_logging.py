"""The HTML screens log what they show: lists every case or household listed, pages every object named.

The permission matrix (tests/test_permission_matrix.py) checks one row per call;
these tests check what a list or a page with several objects writes.
"""

import pytest
from django.urls import reverse

from cases.models import Case
from funding.models import Blockage
from privacy.models import AccessLogEntry
from tests.cases.factories import ActionFactory, CaseFactory, MembershipFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def rows() -> list[tuple[str, str, str, int | None, int | None]]:
    return list(
        AccessLogEntry.objects.order_by("seq", "id").values_list(
            "action", "outcome", "channel", "household_id", "case_id"
        )
    )


def test_the_caseload_logs_every_case_on_the_page(log_in, personas: Personas) -> None:
    cases = [CaseFactory(team=personas.team_a, coordinator=personas.professional) for _ in range(3)]
    CaseFactory(team=personas.team_b)  # not on the caseload, not in the log
    client = log_in(personas.professional)
    assert client.get(reverse("cases:caseload")).status_code == 200
    assert sorted(rows(), key=lambda row: row[4] or 0) == [
        ("read", "allowed", "screen", case.household_id, case.pk) for case in cases
    ]
    assert set(AccessLogEntry.objects.values_list("username", "detail")) == {("prof-a", "caseload")}


def test_the_household_page_logs_the_household_and_every_case_it_names(log_in, personas: Personas) -> None:
    first = CaseFactory(team=personas.team_a, coordinator=personas.professional, closed=True)
    second = CaseFactory(team=personas.team_a, household=first.household, coordinator=personas.professional)
    hidden = CaseFactory(team=personas.team_b, household=first.household)  # another team's: not shown, not logged
    client = log_in(personas.professional)
    assert client.get(reverse("cases:household", args=[first.household.uuid])).status_code == 200
    household_id = first.household_id
    # The coordinator's "who viewed" panel is a read of the household's log rows: logged too.
    assert sorted(rows(), key=lambda row: row[4] or 0) == [
        ("read", "allowed", "screen", household_id, None),
        ("read", "allowed", "screen", household_id, None),
        ("read", "allowed", "screen", household_id, first.pk),
        ("read", "allowed", "screen", household_id, second.pk),
    ]
    assert not AccessLogEntry.objects.filter(case_id=hidden.pk).exists()


def test_a_refused_household_page_is_logged_with_the_household_it_aimed_at(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_b)
    client = log_in(personas.professional)
    assert client.get(reverse("cases:household", args=[case.household.uuid])).status_code == 404
    assert rows() == [("read", "refused", "screen", case.household_id, None)]


def test_a_search_logs_the_households_it_shows_and_never_the_criteria(log_in, personas: Personas) -> None:
    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    MembershipFactory(household=case.household, person__last_name="Visser")
    client = log_in(personas.professional)
    data = {"name": "visser", "postcode": "", "house_number": "", "bsn": ""}
    assert client.post(reverse("cases:search"), data).status_code == 200
    assert rows() == [("search", "allowed", "screen", case.household_id, None)]
    data["name"] = "niemand"
    client.post(reverse("cases:search"), data)
    assert rows()[-1] == ("search", "allowed", "screen", None, None)
    assert not AccessLogEntry.objects.filter(detail__icontains="visser").exists()
    assert not AccessLogEntry.objects.filter(path__icontains="visser").exists()


def test_the_blockage_lists_log_the_cases_behind_them(log_in, personas: Personas) -> None:
    from tests.funding.factories import BlockageFactory

    case: Case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    blockage: Blockage = BlockageFactory(action=ActionFactory(case=case), opened_by=personas.professional)
    assert log_in(personas.professional).get(reverse("funding:team_blockages")).status_code == 200
    assert rows() == [("read", "allowed", "screen", case.household_id, case.pk)]
    assert AccessLogEntry.objects.get().object_uuid == blockage.uuid

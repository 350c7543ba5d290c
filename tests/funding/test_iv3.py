"""Iv3 taakveld as a dimension of the funding-flow audit: screen, export and endpoint."""

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from funding import iv3, report
from funding.summary import flow_cells_refresh
from privacy.suppression import MAGNITUDE_MAX, Suppressed
from tests.cases.factories import ActionFactory, CaseFactory
from tests.conftest import Personas
from tests.exports.factories import export_through_screen
from tests.funding.factories import AllocationFactory, SpendFactory, StreamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def flows(personas: Personas):
    municipality = personas.team_a.municipality
    wijkteams = StreamFactory(municipality=municipality, iv3_taakveld="6.2", budget=Decimal("12000"))
    maatwerk = StreamFactory(municipality=municipality, iv3_taakveld="6.71", budget=Decimal("24000"))
    for _n in range(6):
        allocation = AllocationFactory(
            action=ActionFactory(case=CaseFactory(team=personas.team_a)), stream=maatwerk, amount=Decimal("100")
        )
        SpendFactory(allocation=allocation, month=datetime.date(2025, 4, 1), amount=Decimal("40"))
    AllocationFactory(action=ActionFactory(case=CaseFactory(team=personas.team_a)), stream=wijkteams)
    flow_cells_refresh(municipality_id=municipality.pk)
    return municipality


def test_the_audit_per_taakveld_sums_budget_allocated_spent_and_suppresses_households(flows) -> None:
    # The auditor's figures: exact.
    params = report.ReportParams(municipality_id=flows.pk, year=2025, granularity="year", exact=True)
    rows = {row.iv3_taakveld: row for row in iv3.taakveld_flow(params)}
    assert set(rows) == {"6.2", "6.71"}
    assert rows["6.71"].budget == Decimal("24000.00") and rows["6.2"].budget == Decimal("12000.00")
    assert rows["6.71"].allocated == Decimal("600.00") and rows["6.71"].spent == Decimal("240.00")
    assert rows["6.71"].households == 6 and rows["6.2"].households == 1
    # The bureau's: households perturbed by the cell key and suppressed, amounts moved per household.
    bureau = {row.iv3_taakveld: row for row in iv3.taakveld_flow(dataclasses.replace(params, exact=False))}
    assert isinstance(bureau["6.2"].households, Suppressed)  # one household
    assert bureau["6.71"].budget == Decimal("24000.00")
    assert bureau["6.71"].allocated != Decimal("600.00")
    assert abs(bureau["6.71"].allocated - Decimal("600.00")) <= MAGNITUDE_MAX * Decimal("600.00")


def test_the_audit_screen_shows_the_taakveld_dimension(log_in, personas: Personas, flows) -> None:
    query = {"year": "2025", "level": "wijk", "granularity": "year", "dimension": "iv3"}
    html = log_in(personas.auditor).get(reverse("funding:audit"), query).content.decode()
    assert "6.71" in html and "Iv3" in html


def test_the_endpoint_answers_per_taakveld(log_in, personas: Personas, flows) -> None:
    body = (
        log_in(personas.auditor)
        .get("/api/v1/reports/funding-flows/", {"year": 2025, "granularity": "year", "dimension": "iv3"})
        .json()
    )
    by_taakveld = {row["iv3_taakveld"]: row for row in body["taakvelden"]}
    # The auditor's counts are exact (and labelled so), not suppressed.
    assert by_taakveld["6.71"]["allocated"] == "600.00" and by_taakveld["6.2"]["households"] == 1


def test_the_export_per_taakveld(log_in, personas: Personas, flows, django_capture_on_commit_callbacks) -> None:
    client = log_in(personas.auditor)
    data = {"year": "2025", "level": "wijk", "granularity": "year", "dimension": "iv3"}
    _job, response = export_through_screen(
        client, reverse("funding:audit_export", args=["csv"]), data, django_capture_on_commit_callbacks
    )
    text = (
        b"".join(response.streaming_content).decode("utf-8-sig")
        if response.streaming
        else response.content.decode("utf-8-sig")
    )
    lines = text.splitlines()
    assert "Iv3" in lines[0]
    assert any(line.startswith("6.71,") and "600" in line for line in lines[1:])

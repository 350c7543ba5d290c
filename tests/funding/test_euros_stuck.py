"""Issue 18 step 5: one definition of "blocked actions" and "euros stuck" for a cell and its drill-down.

An action whose money is held up by two open blockages is blocked once, for the larger amount, under the
silo of that blockage: the summary (``FlowCell``) and the auditor's drill-down must say the same, so the
euros stuck in a cell are the sum of the euros stuck of the cases listed beneath it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from funding import report
from funding.models import Blockage, BlockageStatus, Silo
from funding.summary import flow_cells_refresh
from organisations.models import Municipality
from tests.funding.factories import BlockageFactory
from tests.funding.test_report import world  # noqa: F401 — the fixture

pytestmark = pytest.mark.django_db


def _cells_and_drill_downs(municipality: Municipality, year: int) -> list[tuple[report.Row, list[report.CellCase]]]:
    params = report.ReportParams(
        municipality_id=municipality.pk, year=year, level="buurt", granularity="month", exact=True
    )
    pairs = []
    for row in report.funding_flow(params).rows:
        if row.is_subtotal or row.whole_municipality or not (row.blocked or row.euros_stuck):
            continue
        cases = report.cell_cases(
            params, silo_id=row.silo_id or None, area_id=row.area_id, period=row.period, limit=10_000
        )
        pairs.append((row, cases))
    return pairs


def test_a_cell_and_its_drill_down_count_an_action_blocked_twice_once(world: Municipality) -> None:  # noqa: F811
    first = Blockage.objects.filter(status=BlockageStatus.OPEN, silo__isnull=False).order_by("pk").first()
    assert first is not None
    other_silo = Silo.objects.exclude(pk=first.silo_id).order_by("pk").first()
    opened = first.opened_at
    # A second, larger open blockage of the same action in the same silo, and a smaller one in another silo.
    larger = BlockageFactory(action=first.action, silo=first.silo, euros_stuck=first.euros_stuck + Decimal("1000.00"))
    smaller = BlockageFactory(action=first.action, silo=other_silo, euros_stuck=Decimal("1.00"))
    Blockage.objects.filter(pk__in=[larger.pk, smaller.pk]).update(opened_at=opened, status=BlockageStatus.OPEN)
    flow_cells_refresh(municipality_id=world.pk)

    year = timezone.localtime(opened).year
    pairs = _cells_and_drill_downs(world, year)
    assert pairs
    for row, cases in pairs:
        assert row.euros_stuck == sum((case.euros_stuck for case in cases), Decimal("0")), row
        assert row.blocked == sum(case.blocked for case in cases), row
    # The action counts once, for the larger amount, under the larger blockage's silo.
    month = timezone.localtime(opened).date().replace(day=1)
    reference = first.action.case.reference
    listed = {
        (row.silo_id, case.reference): case
        for row, cases in pairs
        for case in cases
        if row.period == month and case.reference == reference
    }
    assert (other_silo.pk, reference) not in listed
    case = listed[(first.silo_id, reference)]
    assert case.blocked >= 1
    assert case.euros_stuck >= larger.euros_stuck
    assert datetime.date(year, 1, 1) <= month


def test_the_monitoring_facts_count_euros_stuck_by_the_same_definition(world: Municipality) -> None:  # noqa: F811
    """The dashboard's "euros stuck" per silo are read from ``BlockageFact``: over all time they equal the
    audit's sum over its cells (exact figures on both sides)."""
    from django.db.models import Sum

    from funding.models import FlowCell
    from monitoring.models import BlockageFact
    from monitoring.services import summaries_refresh

    first = Blockage.objects.filter(status=BlockageStatus.OPEN, silo__isnull=False).order_by("pk").first()
    assert first is not None
    BlockageFactory(action=first.action, silo=first.silo, euros_stuck=Decimal("999.00"), status=BlockageStatus.OPEN)
    flow_cells_refresh(municipality_id=world.pk)
    summaries_refresh(full=True)
    audit = {
        row["silo_id"]: row["stuck"]
        for row in FlowCell.objects.filter(municipality=world, granularity="year")
        .values("silo_id")
        .annotate(stuck=Sum("euros_stuck"))
        if row["stuck"]
    }
    facts = {
        row["silo_id"]: row["stuck"]
        for row in BlockageFact.objects.filter(municipality_id=world.pk, status__in=["open", "escalated"])
        .values("silo_id")
        .annotate(stuck=Sum("euros_stuck"))
        if row["stuck"]
    }
    assert facts == audit

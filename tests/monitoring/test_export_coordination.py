"""The dashboard's export carries coordination time per organisation kind and per named organisation, with the
figures exactly as the screen shows them: suppressed where the screen suppresses them (privacy.suppression)."""

import pytest
from django.utils import translation

from monitoring.dashboard import Filters, dashboard, export_rows
from monitoring.services import summaries_refresh
from privacy.suppression import HIDDEN
from tests.organisations.factories import DistrictFactory, NeighbourhoodFactory

from .factories import generate_casework

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(db):
    buurten = [NeighbourhoodFactory(parent=DistrictFactory()) for _ in range(3)]
    generate_casework(cases=70, buurten=buurten, seed=5)
    summaries_refresh(full=True)
    return dashboard(scope=None, filters=Filters(municipality_id=buurten[0].municipality_id))


def block(rows: list[list], header: list[str]) -> list[list]:
    start = rows.index(header) + 1
    end = next((i for i in range(start, len(rows)) if not rows[i]), len(rows))
    return rows[start:end]


def test_the_export_has_coordination_time_per_named_organisation_as_on_screen(board) -> None:
    with translation.override("en"):
        rows = export_rows(board)
        per_organisation = block(rows, ["Organisation", "Organisation kind", "Households", "Minutes"])
    assert len(per_organisation) == len(board.coordination_by_organisation) > 1
    for row, entry in zip(per_organisation, board.coordination_by_organisation, strict=True):
        assert row[:2] == [entry["name"], entry["kind"]]
        assert str(row[2]) == str(entry["households"]) and str(row[3]) == str(entry["minutes"])
        if entry["minutes"].value is None:  # withheld on screen: withheld in the file
            assert row[3] == HIDDEN
        else:
            assert isinstance(row[3], int)


def test_the_export_has_coordination_time_per_organisation_kind(board) -> None:
    with translation.override("en"):
        per_kind = block(export_rows(board), ["Organisation kind", "Households", "Minutes"])
    assert [row[0] for row in per_kind] == [entry["name"] for entry in board.coordination]
    for row, entry in zip(per_kind, board.coordination, strict=True):
        assert str(row[2]) == str(entry["minutes"])

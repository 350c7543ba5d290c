"""The blockage register the bureau acts on: filters by area, period, silo, reason, level and status, sorting,
totals of cases and euros (suppressed), and a background export."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from exports.models import ExportJob
from funding.models import Blockage, BlockageLevel, BlockageReason, BlockageStatus, Silo
from privacy.suppression import HIDDEN
from tests.cases.factories import ActionFactory, CaseFactory, HouseholdFactory
from tests.conftest import Personas
from tests.funding.factories import BlockageFactory
from tests.organisations.factories import DistrictFactory, NeighbourhoodFactory

pytestmark = pytest.mark.django_db


def _at(day: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, 3, day, 12))


@pytest.fixture
def register(personas: Personas):
    municipality = personas.team_a.municipality
    north = DistrictFactory(municipality=municipality, code="WK099901", name="Noord")
    south = DistrictFactory(municipality=municipality, code="WK099902", name="Zuid")
    harbour = NeighbourhoodFactory(municipality=municipality, parent=north, code="BU09990101", name="Haven")
    park = NeighbourhoodFactory(municipality=municipality, parent=south, code="BU09990201", name="Park")
    wmo, jeugd = Silo.objects.get(code="wmo"), Silo.objects.get(code="jeugdwet")
    made = {}
    for n, (buurt, silo, reason, level, euros, day) in enumerate(
        [
            (harbour, wmo, BlockageReason.AGE, BlockageLevel.TEAM, "100.00", 1),
            (harbour, jeugd, BlockageReason.HOUSEHOLD_LEVEL, BlockageLevel.PROGRAMME_BUREAU, "2000.00", 5),
            (park, wmo, BlockageReason.AGE, BlockageLevel.PROGRAMME_BUREAU, "300.00", 10),
            (park, jeugd, BlockageReason.THEME, BlockageLevel.MUNICIPALITY, "40.00", 20),
        ]
    ):
        case = CaseFactory(
            team=personas.team_a, reference=f"WT-REG{n:04d}", household=HouseholdFactory(neighbourhood=buurt)
        )
        status = BlockageStatus.OPEN if level == BlockageLevel.TEAM else BlockageStatus.ESCALATED
        made[n] = BlockageFactory(
            action=ActionFactory(case=case),
            silo=silo,
            reason=reason,
            level=level,
            status=status,
            euros_stuck=Decimal(euros),
            opened_at=_at(day),
            neighbourhood=buurt,
        )
    return made


def _refs(html: str) -> list[str]:
    import re

    return re.findall(r"WT-REG\d{4}", html)


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"area": "WK099901"}, ["WT-REG0001", "WT-REG0000"]),
        ({"area": "BU09990201"}, ["WT-REG0003", "WT-REG0002"]),
        ({"silo": "wmo"}, ["WT-REG0002", "WT-REG0000"]),
        ({"reason": "age"}, ["WT-REG0002", "WT-REG0000"]),
        ({"level": "programme_bureau"}, ["WT-REG0002", "WT-REG0001"]),
        ({"opened_from": "2026-03-05", "opened_to": "2026-03-10"}, ["WT-REG0002", "WT-REG0001"]),
        ({"opened_from": "05-03-2026"}, ["WT-REG0003", "WT-REG0002", "WT-REG0001"]),
        ({"sort": "-euros_stuck"}, ["WT-REG0001", "WT-REG0002", "WT-REG0000", "WT-REG0003"]),
        ({"sort": "opened_at"}, ["WT-REG0000", "WT-REG0001", "WT-REG0002", "WT-REG0003"]),
        ({"sort": "reference"}, ["WT-REG0000", "WT-REG0001", "WT-REG0002", "WT-REG0003"]),
        ({}, ["WT-REG0003", "WT-REG0002", "WT-REG0001", "WT-REG0000"]),
    ],
)
def test_each_filter_and_sort_narrows_and_orders_the_register(
    log_in, personas: Personas, register, query, expected
) -> None:
    html = log_in(personas.bureau).get(reverse("funding:register"), query).content.decode()
    assert _refs(html) == expected


def test_a_bad_filter_answers_400_with_the_message_next_to_the_field(log_in, personas: Personas, register) -> None:
    response = log_in(personas.bureau).get(reverse("funding:register"), {"level": "koning", "area": "WK0000"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "id_level_error" in html and "id_area_error" in html


def test_the_totals_count_cases_and_euros_and_are_suppressed_below_the_threshold(
    log_in, personas: Personas, register, settings
) -> None:
    client = log_in(personas.bureau)
    settings.WIJKTEAM_SUPPRESSION_THRESHOLD = 3
    html = client.get(reverse("funding:register"), {"silo": "jeugdwet"}).content.decode()
    assert "<2" not in html  # two cases, below three: withheld
    assert 'data-total="cases">&lt;3<' in html and f'data-total="euros">{HIDDEN}<' in html
    html = client.get(reverse("funding:register")).content.decode()
    assert 'data-total="cases">4<' in html and 'data-total="euros">€ 2.440,00<' in html


def test_the_register_exports_what_it_filters(
    log_in, personas: Personas, register, django_capture_on_commit_callbacks
) -> None:
    client = log_in(personas.bureau)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("funding:register_export", args=["csv"]), {"silo": "wmo", "sort": "reference"})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == "done", job.error if hasattr(job, "error") else job.status
    text = bytes(job.content).decode("utf-8-sig")
    lines = text.splitlines()
    assert len(lines) == 3 and "WT-REG0000" in lines[1] and "WT-REG0002" in lines[2]
    assert "Haven" in lines[1] and "100" in lines[1]


def test_the_register_page_reads_in_constant_queries(
    log_in, personas: Personas, register, django_assert_max_num_queries
) -> None:
    client = log_in(personas.bureau)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("funding:register"))
    first = Blockage.objects.first()
    for _ in range(15):
        BlockageFactory(action=ActionFactory(case=CaseFactory(team=personas.team_a)), neighbourhood=first.neighbourhood)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("funding:register"))

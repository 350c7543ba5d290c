import datetime
from dataclasses import asdict

import pytest

from monitoring.dashboard import Filters, dashboard
from monitoring.models import CaseTiming, TimingHistogram
from monitoring.services import summaries_refresh
from tests.organisations.factories import DistrictFactory, MunicipalityFactory, NeighbourhoodFactory
from themes.models import Theme

from .factories import generate_casework, generate_funding

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_municipalities(db):
    buurten = [NeighbourhoodFactory(parent=DistrictFactory()) for _ in range(3)]
    other = DistrictFactory(municipality=MunicipalityFactory(code="GM0996", name="Gemeente Elders"))
    buurten += [NeighbourhoodFactory(parent=other) for _ in range(2)]
    generate_funding(generate_casework(cases=70, buurten=buurten, seed=5), seed=9)
    summaries_refresh(full=True)
    return buurten


def _figures(board):
    figures = asdict(board)
    figures.pop("freshness")
    return figures


def test_the_roll_ups_give_the_same_suppressed_figures_as_the_buurt_tables(two_municipalities):
    municipality = two_municipalities[0].municipality_id
    theme = Theme.objects.order_by("pk").first().pk
    for filters in (
        Filters(),
        Filters(municipality_id=municipality),
        Filters(theme_id=theme),
        Filters(start=datetime.date(2025, 3, 1), end=datetime.date(2025, 9, 30)),
        Filters(municipality_id=municipality, theme_id=theme, start=datetime.date(2025, 6, 1)),
    ):
        rolled = dashboard(scope=None, filters=filters)
        assert _figures(rolled) == _figures(dashboard(scope=None, filters=filters, rollups=False)), filters
    assert rolled.goals and rolled.coordination and rolled.funding


def test_the_median_from_the_histogram_is_the_median_of_the_cases(two_municipalities):
    # Odd and even counts per municipality: the histogram's median equals percentile_cont's.
    from monitoring.dashboard import Median

    for municipality in {b.municipality_id for b in two_municipalities}:
        for start in (None, datetime.date(2025, 5, 1)):
            cases = CaseTiming.objects.filter(municipality_id=municipality)
            histogram = TimingHistogram.objects.filter(municipality_id=municipality)
            if start:
                cases, histogram = cases.filter(month__gte=start), histogram.filter(month__gte=start)
            expected = cases.aggregate(median=Median("days_to_plan"))["median"]
            medians = histogram.medians()
            assert medians[TimingHistogram.Measure.PLAN] == (expected, cases.exclude(days_to_plan=None).count())


def test_a_share_over_perturbed_counts_never_exceeds_the_whole(two_municipalities):
    from django.db.models import F

    from monitoring.models import CaseMonthSummary

    # A coordinated count moved up and a household count moved down must not show as more than 100%.
    CaseMonthSummary.objects.update(
        coordinated_households=F("active_households"), noise_coordinated_households=2, noise_active_households=-2
    )
    board = dashboard(scope=None, filters=Filters(), rollups=False)
    shares = [row["coordinated_share"].value for row in board.trend if row["coordinated_share"].value is not None]
    shares += [e["coordinated_share"].value for e in board.neighbourhoods if e["coordinated_share"].value is not None]
    assert shares and max(shares) <= 100


def test_the_neighbourhood_lines_are_made_into_cells_only_when_read(monkeypatch) -> None:
    """A page of the table makes its 50 lines' cells, not the 2,134 of the country."""
    from monitoring import dashboard as module

    made: list[str] = []
    make = module._neighbourhood_line
    monkeypatch.setattr(module, "_neighbourhood_line", lambda row: made.append(row["code"]) or make(row))
    rows = [
        {
            "code": f"BU{number:08d}",
            "name": f"Buurt {200 - number:03d}",
            "households": number,
            "stapeling": 0,
            "inflow": 3,
            "outflow": 7,
            "coordinated": number // 2,
            "organisations": number,
        }
        for number in range(200)
    ]
    lines = module.NeighbourhoodLines(rows)
    assert len(lines) == 200 and made == []
    page = lines[50:100]
    assert [line["code"] for line in page] == [f"BU{number:08d}" for number in range(50, 100)]
    assert len(made) == 50
    # The same cells whatever page or order: a line's cells follow from its own figures.
    assert lines[3]["households"].display == "<5" and lines[120]["households"].display == "120"
    assert lines.by_name()[0] == lines[199]
    assert lines == [module._neighbourhood_line(row) for row in rows]


def test_a_theme_without_a_period_reads_the_blockage_panel_from_the_roll_up(two_municipalities):
    """The national dashboard's theme filter added up every blockage of the theme (36 to 87 ms at the national seed)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    theme = Theme.objects.order_by("pk").first().pk
    municipality = two_municipalities[0].municipality_id
    for filters in (Filters(theme_id=theme), Filters(municipality_id=municipality, theme_id=theme)):
        with CaptureQueriesContext(connection) as captured:
            board = dashboard(scope=None, filters=filters)
        assert board.blockages
        assert not [q for q in captured.captured_queries if "monitoring_blockagefact" in q["sql"]], filters


def test_the_neighbourhood_table_from_flows_to_date_equals_summing_the_periods_months(two_municipalities):
    """Each buurt's line reads two rows (its last month and its flows to date before the period), or without a
    period its marked last row: the same figures as summing every month of the period, for every selection."""
    from django.db.models import Max, Q, Sum
    from django.db.models.functions import Coalesce

    from monitoring.dashboard import _lines_query, _scoped, published
    from monitoring.models import CaseMonthSummary
    from privacy.suppression import count_cell

    buurten = two_municipalities
    # Each buurt's last row is marked, and only that one (the views without a period read these).
    marked = set(CaseMonthSummary.objects.filter(latest=True).values_list("buurt_id", "month"))
    assert marked == {
        (row["buurt_id"], row["last"])
        for row in CaseMonthSummary.objects.values("buurt_id").annotate(last=Max("month"))
    }
    # A buurt with a gap: no row in the selection's last month, flows before it still count. Its last row is
    # now the month before, marked as a refresh marks it.
    CaseMonthSummary.objects.filter(buurt=buurten[1], month=CaseMonthSummary.objects.latest("month").month).delete()
    CaseMonthSummary.objects.filter(pk=CaseMonthSummary.objects.filter(buurt=buurten[1]).latest("month").pk).update(
        latest=True
    )
    selections = [
        (None, Filters()),
        (None, Filters(municipality_id=buurten[0].municipality_id)),
        (None, Filters(area_id=buurten[0].parent_id)),
        (None, Filters(area_id=buurten[3].pk)),
        ([buurten[0].pk, buurten[4].pk], Filters()),
        (None, Filters(start=datetime.date(2025, 3, 1), end=datetime.date(2025, 9, 30))),
        (None, Filters(start=datetime.date(2025, 6, 15))),
        (None, Filters(end=datetime.date(2025, 4, 30))),
        (None, Filters(start=datetime.date(2030, 1, 1))),
    ]
    compared = 0
    for scope, filters in selections:
        rows = _scoped(CaseMonthSummary, scope, filters)
        last = rows.order_by("-month").values_list("month", flat=True).first()
        if last is None:
            continue
        in_last = Q(month=last)
        expected = {
            row["buurt_id"]: row
            for row in rows.values("buurt_id").annotate(
                households=Coalesce(Sum(published("active_households"), filter=in_last), 0),
                coordinated=Coalesce(Sum(published("coordinated_households"), filter=in_last), 0),
                stapeling=Coalesce(Sum(published("stapeling_households"), filter=in_last), 0),
                organisations=Coalesce(Sum("sum_organisations", filter=in_last), 0),
                inflow=Sum(published("inflow")),
                outflow=Sum(published("outflow")),
            )
        }
        query = _lines_query(scope, filters, last=last)
        got = query.rows(by_name=False)
        assert [row["code"] for row in got] == sorted(row["code"] for row in got)
        assert {row["buurt_id"]: {k: row[k] for k in expected[row["buurt_id"]]} for row in got} == expected, filters
        compared += len(got)
        # A page reads its own lines only, in either order, and the count is the number of lines.
        assert query.count() == len(got)
        by_name = sorted(got, key=lambda row: (row["name"], row["code"]))
        for offset in range(len(got) + 1):
            assert query.rows(by_name=False, offset=offset, limit=2) == got[offset : offset + 2]
            assert query.rows(by_name=True, offset=offset, limit=2) == by_name[offset : offset + 2]
        # The table's totals (the trend's sums) are the sums of its lines. Read from the buurt rows, which this
        # test changed; the roll-ups give the same figures as those rows (the first test of this file).
        totals = dashboard(scope=scope, filters=filters, rollups=False).totals
        assert {name: cell.value for name, cell in totals.items()} == {
            name: count_cell(sum(row[name] for row in got)).value for name in totals
        }, filters
    assert compared > 20


def test_no_selection_counts_or_perturbs_blockages_when_the_page_is_asked_for(two_municipalities):
    """A period, a wijk or a team lead's buurten counted every blockage in it and hashed each household for its
    deviation, at every request (40 ms for 2025 at the national seed). The refresh stores the perturbed base
    cells (``BlockageCell``) and a request adds them up; the figures are the roll-ups' (test above)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    buurten = two_municipalities
    theme = Theme.objects.order_by("pk").first().pk
    for scope, filters in (
        (None, Filters(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31))),
        (None, Filters(start=datetime.date(2025, 1, 1), theme_id=theme)),
        (None, Filters(area_id=buurten[0].parent_id)),
        ([buurten[0].pk, buurten[3].pk], Filters()),
    ):
        with CaptureQueriesContext(connection) as captured:
            board = dashboard(scope=scope, filters=filters)
        assert board.blockages, filters
        assert not [q for q in captured.captured_queries if "hashint8extended" in q["sql"]], filters

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from monitoring.services import summaries_refresh
from tests.exports.factories import export_through_screen
from tests.organisations.factories import DistrictFactory, MunicipalityFactory, NeighbourhoodFactory
from themes.models import Theme

from .factories import generate_casework, generate_funding

pytestmark = pytest.mark.django_db

URL = reverse("monitoring:index")


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("bureau", 200),
        ("team_lead", 200),
        ("professional", 404),
        ("auditor", 404),
        ("privacy_officer", 404),
        ("administrator", 404),
        ("outsider", 404),
    ],
)
@pytest.mark.parametrize("url", [URL, reverse("monitoring:print")])
def test_only_the_bureau_and_team_leads_see_the_dashboard(personas, log_in, persona, status, url):
    response = log_in(getattr(personas, persona)).get(url)
    assert response.status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [("bureau", 302), ("team_lead", 302), ("professional", 404), ("auditor", 404), ("outsider", 404)],
)
def test_only_the_bureau_and_team_leads_may_ask_for_the_export(personas, log_in, persona, status):
    response = log_in(getattr(personas, persona)).post(reverse("monitoring:export", args=["csv"]))
    assert response.status_code == status


def test_the_dashboard_reads_no_casework_table_and_a_fixed_number_of_queries(personas, log_in, bureau_data):
    client = log_in(personas.bureau)
    with CaptureQueriesContext(connection) as small:
        response = client.get(URL)
    assert response.status_code == 200
    assert not [q["sql"] for q in small.captured_queries if '"cases_' in q["sql"] or " cases_" in q["sql"]]
    generate_funding(generate_casework(cases=60, buurten=bureau_data, seed=11), seed=12)
    summaries_refresh(full=True)
    with CaptureQueriesContext(connection) as large:
        response = client.get(URL)
    assert response.context["board"].blockages and response.context["board"].funding
    assert len(large.captured_queries) == len(small.captured_queries)
    # One query per block: the blockage panel, the funding summary and the budgets add three.
    assert len(small.captured_queries) <= 17


def test_the_dashboard_says_how_fresh_its_figures_are_and_shows_no_names(personas, log_in, bureau_data):
    html = log_in(personas.bureau).get(URL).content.decode()
    assert "Cijfers van" in html or "Figures as of" in html
    assert "Voornaam" not in html and "Lindelaan" not in html and "WT-T" not in html


def test_every_small_count_on_the_page_is_suppressed(personas, log_in, bureau_data):
    response = log_in(personas.bureau).get(URL)
    for row in response.context["board"].neighbourhoods:
        for name in ("households", "stapeling", "inflow", "outflow"):
            cell = row[name]
            assert cell.suppressed or cell.value == 0 or cell.value >= 5
    for row in response.context["board"].trend:
        for name in ("active", "households", "inflow", "outflow", "stapeling"):
            assert row[name].suppressed or row[name].value == 0 or row[name].value >= 5


def test_a_team_lead_sees_only_the_areas_of_their_team(personas, log_in, bureau_data):
    board = log_in(personas.team_lead).get(URL).context["board"]
    assert {row["code"] for row in board.neighbourhoods} <= {bureau_data[0].code}


def test_exports_hold_the_suppressed_figures_and_neutralise_formulas(
    personas, log_in, bureau_data, django_capture_on_commit_callbacks
):
    client = log_in(personas.bureau)
    export = reverse("monitoring:export", args=["csv"])
    _job, download = export_through_screen(client, export, {}, django_capture_on_commit_callbacks)
    text = download.content.decode("utf-8-sig")
    page = client.get(URL).context["board"]
    assert str(page.neighbourhoods[0]["households"]) in text
    assert "Open blockages" in text or "Open knelpunten" in text
    for row in page.funding:
        assert f"{row['name']},{row['budget']},{row['allocated']},{row['spent']}" in text
    export = reverse("monitoring:export", args=["xlsx"])
    _job, download = export_through_screen(client, export, {}, django_capture_on_commit_callbacks)
    workbook = load_workbook(io.BytesIO(download.content))
    assert workbook.active.max_row > 1
    assert not any(
        str(cell).startswith(("=", "+", "@"))
        for row in workbook.active.iter_rows(values_only=True)
        for cell in row
        if cell
    )


def test_the_bureau_can_ask_for_a_refresh(personas, log_in, bureau_data):
    response = log_in(personas.bureau).post(reverse("monitoring:refresh"))
    assert response.status_code == 302


def test_a_team_lead_cannot_ask_for_a_refresh(personas, log_in):
    assert log_in(personas.team_lead).post(reverse("monitoring:refresh")).status_code == 404


def test_the_printable_report_holds_the_blockage_and_funding_panels(personas, log_in, bureau_data):
    response = log_in(personas.bureau).get(reverse("monitoring:print"))
    html = response.content.decode()
    assert "Knelpunten per koker" in html and "Budget, toegewezen en uitgegeven per koker" in html
    board = response.context["board"]
    assert board.blockages and board.funding
    for row in board.funding:
        assert f">{row['allocated']}</td>" in html


def _variants(buurten):
    wijk = buurten[0].parent
    return {
        "no filter": URL,
        "municipality": f"{URL}?municipality={wijk.municipality.code}",
        "area": f"{URL}?area={wijk.code}",
        "theme": f"{URL}?theme={Theme.objects.order_by('pk').first().code}",
        "period": f"{URL}?start=2025-01-01&end=2025-12-31",
        "print": reverse("monitoring:print"),
    }


def test_every_dashboard_variant_takes_the_same_queries_with_five_times_the_buurten_and_cases(
    personas, log_in, bureau_data, time_machine
):
    # Time stands still, so the session's activity stamp is not rewritten between requests on a slow machine.
    time_machine.move_to(timezone.now(), tick=False)
    client = log_in(personas.bureau)
    variants = _variants(bureau_data)
    small = {}
    for label, url in variants.items():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        small[label] = len(captured.captured_queries)
    # More wijken and buurten, in another municipality too, and five times the cases over more months.
    other = DistrictFactory(municipality=MunicipalityFactory(code="GM0998", name="Gemeente Andere"))
    more = [
        NeighbourhoodFactory(parent=wijk)
        for wijk in (bureau_data[0].parent, DistrictFactory(), other)
        for _ in range(4)
    ]
    generate_casework(cases=150, buurten=more + bureau_data, seed=23)
    summaries_refresh(full=True)
    for label, url in variants.items():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        assert len(captured.captured_queries) == small[label], label
        # The neighbourhood table is two: its count (for the page numbers) and the page's own lines.
        assert small[label] <= 19, label


def test_the_area_list_offers_only_the_chosen_municipalitys_wijken_and_buurten(personas, log_in, bureau_data):
    client = log_in(personas.bureau)
    elsewhere = NeighbourhoodFactory(parent=DistrictFactory(municipality=MunicipalityFactory(code="GM0997")))
    wijk = bureau_data[0].parent
    offered = set(client.get(URL).context["form"].fields["area"].queryset)
    assert offered == set()  # no municipality yet: choose one first
    offered = set(client.get(f"{URL}?municipality={wijk.municipality.code}").context["form"].fields["area"].queryset)
    assert {wijk, *bureau_data} <= offered
    assert elsewhere not in offered
    # An area on its own (a bookmarked link) implies its municipality.
    response = client.get(f"{URL}?area={wijk.code}")
    assert response.context["form"].is_valid()
    assert wijk in response.context["form"].fields["area"].queryset
    # An area of another municipality than the one chosen is refused next to the field.
    response = client.get(f"{URL}?municipality={wijk.municipality.code}&area={elsewhere.code}")
    assert "area" in response.context["form"].errors


def test_choosing_a_municipality_fetches_its_area_list(personas, log_in, bureau_data):
    wijk = bureau_data[0].parent
    html = log_in(personas.bureau).get(reverse("monitoring:areas"), {"municipality": wijk.municipality.code}).content
    html = html.decode()
    assert html.lstrip().startswith("<select") and 'id="id_area"' in html
    assert all(f'value="{area.code}"' in html for area in (wijk, *bureau_data))


def test_the_neighbourhood_table_is_paged_and_ordered_by_code_or_name_with_the_same_suppression(
    personas, log_in, bureau_data, monkeypatch
):
    from monitoring import views

    monkeypatch.setattr(views, "NEIGHBOURHOOD_PAGE_SIZE", 2)
    client = log_in(personas.bureau)
    first = client.get(URL)
    board = first.context["board"]
    assert len(board.neighbourhoods) == 3
    assert [row["code"] for row in first.context["neighbourhood_rows"]] == [r["code"] for r in board.neighbourhoods[:2]]
    second = client.get(f"{URL}?pagina=2")
    assert [row["code"] for row in second.context["neighbourhood_rows"]] == [board.neighbourhoods[2]["code"]]
    assert 'rel="prev"' in second.content.decode()
    by_name = client.get(f"{URL}?sortering=naam").context
    names = [row["name"] for row in by_name["board"].neighbourhoods]
    assert [row["name"] for row in by_name["neighbourhood_rows"]] == sorted(names)[:2]
    cells = {
        row["code"]: [str(row[k]) for k in ("households", "stapeling", "inflow", "outflow")]
        for row in board.neighbourhoods
    }
    for row in by_name["neighbourhood_rows"]:
        assert [str(row[k]) for k in ("households", "stapeling", "inflow", "outflow")] == cells[row["code"]]
    # An order by a figure is not offered: anything else falls back to the CBS code.
    assert client.get(f"{URL}?sortering=households").context["neighbourhood_order"] == "code"

"""The monitoring dashboard and the precision reviews in Chromium, with axe-core on every page."""

import datetime

import pytest
from django.db import transaction
from playwright.sync_api import expect

from monitoring.models import PrecisionReview
from monitoring.reviews import precision_review_create
from monitoring.services import summaries_refresh
from tests.browser.conftest import assert_accessible, assert_reflows, log_in_browser
from tests.conftest import PASSWORD, Personas
from tests.monitoring.factories import generate_casework, generate_funding
from tests.organisations.factories import DistrictFactory, NeighbourhoodFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def figures(personas: Personas):
    with transaction.atomic():
        wijk = DistrictFactory(municipality=personas.team_a.municipality)
        buurten = [NeighbourhoodFactory(parent=wijk) for _ in range(2)]
        generate_funding(generate_casework(cases=24, buurten=buurten))
    summaries_refresh(full=True)
    return personas.team_a.municipality


def test_the_bureau_reads_the_dashboard_and_records_and_compares_precision_reviews(
    page, personas: Personas, figures
) -> None:
    log_in_browser(page, personas.bureau, PASSWORD)
    page.goto("/monitoring/")
    expect(page.get_by_role("heading", name="Knelpunten per koker")).to_be_visible()
    expect(page.get_by_role("heading", name="Budget, toegewezen en uitgegeven per koker")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Precisiereviews").click()
    assert page.locator("h1").inner_text() == "Precisiereviews"
    assert_accessible(page)
    page.get_by_role("link", name="Nieuwe precisiereview").click()
    assert_accessible(page)
    # Nothing typed in the programme: the message sits next to the field, what was typed stays.
    page.get_by_label("1. Lokale probleemanalyse").fill("Schulden en eenzaamheid")
    page.get_by_role("button", name="Review opslaan").click()
    programme = page.locator("#id_programme")
    assert programme.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("1. Lokale probleemanalyse").input_value() == "Schulden en eenzaamheid"
    assert_accessible(page)

    programme.fill("Wijkaanpak Noord")
    page.get_by_label("Gemeente").select_option(figures.code)
    page.get_by_label("Periode vanaf").fill("2025-01-01")
    page.get_by_label("Periode tot en met").fill("2025-06-30")
    page.get_by_role("button", name="Review opslaan").click()
    assert page.locator("h1").inner_text() == "Precisiereview: Wijkaanpak Noord"
    expect(page.get_by_text("Schulden en eenzaamheid")).to_be_visible()
    assert_accessible(page)

    earlier = PrecisionReview.objects.get()
    precision_review_create(
        by=personas.bureau,
        programme="Wijkaanpak Noord",
        municipality=figures,
        period_start=datetime.date(2025, 7, 1),
        period_end=datetime.date(2025, 12, 31),
        answers={"q1_problem_analysis": "Nu vooral wonen"},
    )
    page.goto("/monitoring/precisiereviews/")
    for checkbox in page.get_by_role("checkbox").all():
        checkbox.check()
    page.get_by_role("button", name="Aangevinkte reviews vergelijken").click()
    assert page.locator("h1").inner_text() == "Precisiereviews naast elkaar"
    expect(page.get_by_role("cell", name="Schulden en eenzaamheid")).to_be_visible()
    expect(page.get_by_role("cell", name="Nu vooral wonen")).to_be_visible()
    assert earlier.uuid.hex[:8] in page.url.replace("-", "")
    assert_accessible(page)


def test_the_bureau_picks_a_municipality_and_then_one_of_its_areas(page, personas: Personas, figures) -> None:
    log_in_browser(page, personas.bureau, PASSWORD)
    page.goto("/monitoring/")
    area = page.get_by_label("Wijk of buurt")
    assert area.locator("option").count() == 1  # only "---------": choose a municipality first
    assert_reflows(page)
    page.get_by_label("Gemeente").select_option(figures.code)
    # htmx refills the area list at once, with the municipality's wijken and buurten.
    wijk = figures.areas.filter(kind="wijk").order_by("code").first()
    page.locator(f'#id_area option[value="{wijk.code}"]').wait_for(state="attached")
    page.get_by_label("Wijk of buurt").select_option(wijk.code)
    page.get_by_role("button", name="Tonen").click()
    assert page.get_by_label("Wijk of buurt").input_value() == wijk.code
    expect(page.get_by_role("heading", name="Buurten")).to_be_visible()
    assert_accessible(page)

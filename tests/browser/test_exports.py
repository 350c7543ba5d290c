"""A background export in Chromium: asked for on the dashboard, collected on Mijn exports (eager Celery)."""

from pathlib import Path

import pytest
from django.db import transaction
from playwright.sync_api import expect

from exports.models import ExportJob, ExportStatus
from monitoring.services import summaries_refresh
from privacy.models import AccessLogEntry
from tests.browser.conftest import assert_accessible, log_in_browser
from tests.conftest import PASSWORD, Personas
from tests.exports.factories import ExportJobFactory
from tests.monitoring.factories import generate_casework, generate_funding
from tests.organisations.factories import DistrictFactory, NeighbourhoodFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bureau_exports_the_dashboard_and_downloads_it_from_my_exports(page, personas: Personas) -> None:
    with transaction.atomic():
        wijk = DistrictFactory(municipality=personas.team_a.municipality)
        buurten = [NeighbourhoodFactory(parent=wijk) for _ in range(2)]
        generate_funding(generate_casework(cases=24, buurten=buurten))
    summaries_refresh(full=True)
    log_in_browser(page, personas.bureau, PASSWORD)
    page.goto("/monitoring/")
    assert_accessible(page)

    page.get_by_role("button", name="Exporteren als CSV").click()
    page.wait_for_url("**/mijn-exports/")
    assert page.locator("h1").inner_text() == "Mijn exports"
    expect(page.get_by_text("Uw export is aangevraagd")).to_be_visible()
    assert page.get_by_role("status").count() >= 1
    assert_accessible(page)

    link = page.get_by_role("link", name="monitoring.csv downloaden")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    content = Path(download.path()).read_bytes().decode("utf-8-sig")
    assert "Open knelpunten" in content
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.DONE and content.encode() in bytes(job.content)
    assert AccessLogEntry.objects.filter(action="export", object_uuid=job.uuid).count() == 1


def test_my_exports_polls_a_pending_job_and_announces_when_it_is_ready(page, personas: Personas) -> None:
    job = ExportJobFactory(requested_by=personas.team_lead, status=ExportStatus.RUNNING)
    log_in_browser(page, personas.team_lead, PASSWORD)
    page.goto("/mijn-exports/")
    status = page.locator("#export-status")
    assert "worden een of meer exports klaargemaakt" in status.inner_text()
    expect(page.get_by_role("link", name="Vernieuwen")).to_be_visible()  # without JavaScript: reload by hand
    assert_accessible(page)

    done = ExportJobFactory.build(done=True)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE,
        content=done.content,
        size=done.size,
        filename=done.filename,
        content_type=done.content_type,
        finished_at=done.finished_at,
        expires_at=done.expires_at,
    )
    # htmx asks again every 2 s: the link appears and the live region says so, without a reload.
    page.get_by_role("link", name="monitoring.csv downloaden").wait_for(timeout=10_000)
    assert status.inner_text().strip() == "Er worden geen exports klaargemaakt."
    assert page.get_by_role("link", name="Vernieuwen").count() == 0
    assert_accessible(page)

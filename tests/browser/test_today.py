"""A walk per role: log in, land on Vandaag, and open every item it shows (one browser page per role)."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from cases.models import Reminder
from funding.models import BlockageLevel, BlockageStatus
from organisations.models import Role, User
from tests.agenda.factories import AppointmentFactory, TaskFactory
from tests.browser.conftest import assert_accessible, assert_reflows, log_in_browser
from tests.cases.factories import ActionFactory, CaseFactory
from tests.conftest import PASSWORD, Personas
from tests.funding.factories import BlockageFactory, SpendImportFactory
from tests.organisations.factories import OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ["professional", "team_lead", "bureau", "auditor", "privacy_officer", "administrator"]


def a_day(personas: Personas) -> None:
    """Something in every panel: the professional's case with a task, an appointment, a reminder and a blockage."""
    from organisations.seed import _grant_administrator_permissions

    _grant_administrator_permissions([personas.administrator])
    for user in (personas.bureau, personas.auditor):
        user.organisation = OrganisationFactory(municipality=personas.team_a.municipality)
        user.save()
    with transaction.atomic():  # the case and its coordinator together (a deferred check, migration 0002)
        case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    today = timezone.localdate()
    TaskFactory(case=case, owner=personas.professional, due_on=today)
    AppointmentFactory(case=case, owner=personas.professional, starts_at=timezone.now() + datetime.timedelta(hours=1))
    Reminder.objects.create(case=case, kind=Reminder.Kind.NO_CONTACT, since=today - datetime.timedelta(days=40))
    BlockageFactory(
        action=ActionFactory(case=case), level=BlockageLevel.PROGRAMME_BUREAU, status=BlockageStatus.ESCALATED
    )
    SpendImportFactory(uploaded_by=personas.auditor, municipality=personas.team_a.municipality)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lands_on_vandaag_and_every_item_opens(page, personas: Personas, role: str) -> None:
    a_day(personas)
    user: User = getattr(personas, role)
    log_in_browser(page, user, PASSWORD)
    assert page.locator("h1").inner_text() == "Vandaag"
    if user.role == Role.PROFESSIONAL:
        # Open the household once, so it shows under "recently viewed".
        page.locator("#vandaag-taken a").first.click()
        page.wait_for_url("**/huishoudens/**")
        assert_reflows(page)
        page.go_back()
        page.reload()
    assert_accessible(page)
    panels = page.locator(".today__panel")
    assert panels.count() >= 1
    hrefs = page.locator(".today__panel a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    links = sorted(set(hrefs))
    assert links, role
    for href in links:
        response = page.request.get(href, max_redirects=0)
        # A team lead outside their usual purpose is asked the reason first (a redirect): still an open door.
        assert response.status in (200, 302), f"{role}: {href} answered {response.status}"

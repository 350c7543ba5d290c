"""Issue 15 item 10: the casework screens need no sideways scrolling on a phone (390 px) or at 320 px.

Every page checked with ``assert_accessible`` is checked at both widths too; these screens are checked here.
The household's diagram turns into a stacked list on a phone.

The header folds its menu behind a "Menu" button (static/js/menu.js) that opens it again.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import PHONE_WIDTHS, assert_reflows, log_in_browser
from tests.cases.factories import CaseFactory, MembershipFactory
from tests.conftest import PASSWORD, Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_casework_screens_fit_a_phone_and_the_menu_folds(page, personas: Personas) -> None:
    with transaction.atomic():  # the case and its coordinator together (a deferred check)
        case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    MembershipFactory(household=case.household)
    log_in_browser(page, personas.professional, PASSWORD)
    screens = [
        reverse("home"),
        reverse("cases:caseload"),
        reverse("cases:search"),
        reverse("cases:referral-create"),
        reverse("cases:reminders"),
        reverse("notifications:inbox"),
        reverse("cases:household", args=[case.household.uuid]),
    ]
    for url in screens:
        page.goto(url)
        assert_reflows(page)
    # On a phone the household's diagram is a stacked list: the drawing and its table give way to it.
    page.set_viewport_size({"width": PHONE_WIDTHS[0], "height": 844})
    listing = page.locator("#involvement-list")
    expect(listing).to_be_visible()
    assert f"{personas.professional} (regisseur)" in listing.inner_text()
    expect(page.locator(".involvement-diagram__svg")).to_be_hidden()
    expect(page.locator("#involvement-table")).to_be_hidden()
    page.set_viewport_size({"width": PHONE_WIDTHS[-1], "height": 700})
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Hoofdnavigatie")
    expect(menu).to_be_visible()
    expect(nav).to_be_hidden()
    assert menu.get_attribute("aria-expanded") == "false"
    menu.click()
    expect(nav).to_be_visible()
    assert menu.get_attribute("aria-expanded") == "true"
    nav.get_by_role("link", name="Mijn caseload").click()
    page.wait_for_url(f"**{reverse('cases:caseload')}")

"""The main navigation: built from the policy's predicates by ``{% main_navigation %}``, one set of links per role."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from organisations.models import Role, User
from tests.conftest import Personas
from tests.organisations.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

CASEWORK = [
    "home",
    "cases:caseload",
    "cases:reminders",
    "cases:search",
    "cases:referral-create",
    "cases:inbox",
    "funding:team_blockages",
    "cases:area",
]

EXPECTED = {
    "professional": CASEWORK,
    "team_lead": [
        *CASEWORK,
        "cases:duplicate-queue",
        "monitoring:index",
        "organisations:membership-changes",
        "organisations:team-settings",
    ],
    "bureau": ["home", "funding:register", "funding:audit", "monitoring:index"],
    "auditor": ["home", "funding:register", "funding:audit", "funding:spend_imports"],
    "privacy_officer": ["home", "privacy:home", "privacy:requests", "privacy:log"],
    "administrator": ["home", "admin:index", "jobs:probe"],
    "outsider": CASEWORK,  # a professional in no team still has the casework screens (which show nothing)
}


def _nav_links(html: str) -> list[str]:
    match = re.search(r'<ul class="site-nav">(.*?)</ul>', html, re.S)
    assert match, "no main navigation"
    return re.findall(r'href="([^"]+)"', match.group(1))


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_each_role_gets_the_links_to_its_own_screens(
    personas: Personas, log_in: Callable[[User], Client], persona: str
) -> None:
    user = getattr(personas, persona)
    if user.role in (Role.PROGRAMME_BUREAU, Role.AUDITOR):
        # Funding oversight is bounded to the municipality of one's organisation.
        user.organisation = OrganisationFactory(municipality=personas.team_a.municipality)
        user.save()
    response = log_in(user).get(reverse("exports:list"))
    assert response.status_code == 200
    assert _nav_links(response.content.decode()) == [reverse(name) for name in EXPECTED[persona]]


def test_the_current_screen_is_marked(personas: Personas, log_in: Callable[[User], Client]) -> None:
    response = log_in(personas.privacy_officer).get(reverse("privacy:home"))
    html = response.content.decode()
    assert f'href="{reverse("privacy:home")}" aria-current="page"' in html


def test_a_visitor_who_is_not_logged_in_gets_no_main_navigation(client: Client) -> None:
    response = client.get(reverse("login"))
    assert 'class="site-nav"' not in response.content.decode()


def test_the_base_template_names_no_role() -> None:
    from pathlib import Path

    from django.conf import settings

    base = Path(settings.BASE_DIR, "templates", "base.html").read_text()
    assert "user.role" not in base
    for role in Role.values:
        assert f'"{role}"' not in base


def test_the_header_search_is_on_every_page_for_who_may_search_and_posts_the_name(log_in, personas) -> None:
    """Issue 15 item 8: a search box in the header, still POSTed, never in a URL."""
    from django.urls import reverse

    from tests.cases.factories import CaseFactory, MembershipFactory

    case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
    MembershipFactory(
        household=case.household, person__first_name="Julia", person__last_name="Dijk", person__surname_prefix="van"
    )
    client = log_in(personas.professional)
    for url in (reverse("home"), reverse("cases:caseload"), reverse("notifications:inbox")):
        html = client.get(url).content.decode()
        assert 'role="search"' in html and f'action="{reverse("cases:search")}"' in html and 'method="post"' in html
    found = client.post(reverse("cases:search"), {"name": "van Dijk"})
    assert found.status_code == 200 and case.household.address in found.content.decode()
    bureau = log_in(personas.bureau)
    assert 'role="search"' not in bureau.get(reverse("home")).content.decode()


def test_the_header_search_waits_for_the_second_factor(client: Client, personas: Personas) -> None:
    """After the password only, the verification page showed the header's household search: the tag read
    django-otp's ``is_verified`` without calling it, and a bound method is always true."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import PASSWORD

    TOTPDevice.objects.create(user=personas.professional, name="app", confirmed=True)
    response = client.post(reverse("login"), {"username": personas.professional.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login_verify"))
    html = client.get(response["Location"]).content.decode()
    assert 'name="token"' in html  # the verification form
    assert 'role="search"' not in html and "header-search" not in html
    assert 'aria-label="Hoofdnavigatie"' not in html

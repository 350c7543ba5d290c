"""#12 item 9: no integer primary key leaks through a cursor, a filter URL or a form option.

The attack run read ``p=11955`` out of an API cursor, filtered the dashboard with
``/monitoring/?municipality=1&area=4`` and the audit with
``/financiering/audit/cel/?silo=1&area=5``, and found person and user ids as
option values in the casework forms. Now cursors are sealed, filters name codes
(CBS codes, silo and theme codes) and refuse the old row ids, and options carry
UUIDs or codes.
"""

from __future__ import annotations

import base64
import datetime
import html
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from cases.models import Case, Involvement, Person
from funding.models import Silo
from funding.summary import flow_cells_refresh
from organisations.models import Area, Municipality, Organisation, Team, User
from tests.cases.conftest import Scene, scene  # noqa: F401  (the casework scene, as a fixture)
from tests.cases.factories import ActionFactory, CaseFactory, MembershipFactory
from tests.cases.screens import field_error
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, StreamFactory
from tests.organisations.factories import DistrictFactory, NeighbourhoodFactory
from themes.models import Theme

pytestmark = pytest.mark.django_db

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _stock_drf_position(cursor: str) -> str | None:
    """What DRF's own cursor said: base64 of ``o=…&r=…&p=<primary key>``."""
    try:
        decoded = base64.b64decode(cursor.encode("ascii"), validate=False).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    return parse_qs(decoded).get("p", [None])[0]


@pytest.mark.parametrize("path", ["/api/v1/cases/", "/api/v1/persons/", "/api/v1/organisations/"])
def test_an_api_cursor_holds_no_primary_key(personas: Personas, log_in: Callable[[User], Client], path: str) -> None:
    for _ in range(3):
        with transaction.atomic():
            case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
        MembershipFactory(household=case.household)
    client = log_in(personas.professional)
    first = client.get(path, {"page_size": 1}).json()
    assert first["next"], "the list has a second page"
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    ids = {str(pk) for model in (Case, Person, Organisation) for pk in model.objects.values_list("pk", flat=True)}
    assert _stock_drf_position(cursor) not in ids
    assert "p=" not in cursor and "p%3D" not in cursor
    # The cursor still works, and the next page follows on.
    second = client.get(first["next"])
    assert second.status_code == 200
    assert second.json()["results"][0] != first["results"][0]


def _option_values(page: str, name: str) -> list[str]:
    """The values a select, radio group or checkbox group named ``name`` offers."""
    values = []
    select = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    if select:
        values += re.findall(r'<option[^>]*value="([^"]*)"', select.group(1))
    for tag in re.findall(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page):
        if 'type="radio"' in tag or 'type="checkbox"' in tag:
            values += re.findall(r'value="([^"]*)"', tag)
    return [html.unescape(value) for value in values if value]


# --- The monitoring dashboard -----------------------------------------------------------------------


@pytest.fixture
def wijk(personas: Personas) -> Area:
    district = DistrictFactory(municipality=personas.team_a.municipality)
    NeighbourhoodFactory(parent=district)
    return district


def test_the_dashboard_filters_offer_codes_not_row_ids(
    personas: Personas, log_in: Callable[[User], Client], wijk: Area
) -> None:
    client = log_in(personas.bureau)
    page = client.get("/monitoring/", {"municipality": wijk.municipality.code}).content.decode()
    assert set(_option_values(page, "municipality")) == set(Municipality.objects.values_list("code", flat=True))
    assert wijk.code in _option_values(page, "area")
    assert set(_option_values(page, "theme")) == set(Theme.objects.values_list("code", flat=True))
    areas = client.get(reverse("monitoring:areas"), {"municipality": wijk.municipality.code}).content.decode()
    assert set(_option_values(areas, "area")) == set(wijk.municipality.areas.values_list("code", flat=True))


def test_the_dashboard_filters_by_code(personas: Personas, log_in: Callable[[User], Client], wijk: Area) -> None:
    client = log_in(personas.bureau)
    query = {"municipality": wijk.municipality.code, "area": wijk.code, "theme": "werk"}
    response = client.get("/monitoring/", query)
    assert response.status_code == 200
    assert response.context["form"].cleaned_data["area"] == wijk
    assert client.get("/api/v1/reports/programme/", query).status_code == 200


@pytest.mark.parametrize("name", ["municipality", "area", "theme"])
def test_the_dashboard_refuses_the_old_row_id_filters(
    personas: Personas, log_in: Callable[[User], Client], wijk: Area, name: str
) -> None:
    row_id = {
        "municipality": wijk.municipality_id,
        "area": wijk.pk,
        "theme": Theme.objects.get(code="werk").pk,
    }[name]
    data = {"municipality": wijk.municipality_id, "area": wijk.pk} if name == "area" else {name: row_id}
    client = log_in(personas.bureau)
    response = client.get("/monitoring/", data)
    assert response.status_code == 400
    assert name in response.context["form"].errors
    api = client.get("/api/v1/reports/programme/", {name: row_id})
    assert api.status_code == 400 and name in api.json()


# --- The funding-flow audit ---------------------------------------------------------------------------


@pytest.fixture
def audited(personas: Personas) -> Area:
    """An allocation in a buurt of team A's municipality in 2025, in the audit's summary."""
    buurt = NeighbourhoodFactory(parent=DistrictFactory(municipality=personas.team_a.municipality))
    with transaction.atomic():
        case = CaseFactory(team=personas.team_a, coordinator=personas.professional, household__neighbourhood=buurt)
    action = ActionFactory(case=case)
    AllocationFactory(
        action=action,
        stream=StreamFactory(municipality=personas.team_a.municipality),
        period_start=datetime.date(2025, 2, 1),
    )
    flow_cells_refresh(municipality_id=personas.team_a.municipality_id)
    return buurt


def test_the_audit_links_its_cells_by_silo_and_area_code(
    personas: Personas, log_in: Callable[[User], Client], audited: Area
) -> None:
    client = log_in(personas.auditor)
    page = client.get("/financiering/audit/", {"year": 2025, "level": "buurt", "granularity": "quarter"})
    links = [html.unescape(link) for link in re.findall(r'href="[^"]*/audit/cel/\?([^"]+)"', page.content.decode())]
    assert links, "the audit links its cells"
    silo_codes = set(Silo.objects.values_list("code", flat=True)) | {""}
    area_codes = set(Area.objects.values_list("code", flat=True)) | {""}
    for link in links:
        query = parse_qs(link, keep_blank_values=True)
        assert query["silo"][0] in silo_codes and query["area"][0] in area_codes, link
    query = parse_qs(next(link for link in links if audited.code in link), keep_blank_values=True)
    response = client.get("/financiering/audit/cel/", {key: values[0] for key, values in query.items()})
    assert response.status_code == 200
    assert case_reference_of(audited) in response.content.decode()


def case_reference_of(buurt: Area) -> str:
    return Case.objects.get(household__neighbourhood=buurt).reference


def test_the_audit_cell_refuses_the_old_row_ids(
    personas: Personas, log_in: Callable[[User], Client], audited: Area
) -> None:
    client = log_in(personas.auditor)
    cell = {"year": 2025, "level": "buurt", "granularity": "quarter", "period": "2025-01-01"}
    wmo = Silo.objects.get(code="wmo")
    assert client.get("/financiering/audit/cel/", cell | {"silo": "wmo", "area": audited.code}).status_code == 200
    for old in ({"silo": wmo.pk, "area": audited.code}, {"silo": "wmo", "area": audited.pk}):
        response = client.get("/financiering/audit/cel/", cell | old)
        assert response.status_code == 400, old
        assert case_reference_of(audited) not in response.content.decode()


# --- The casework forms -------------------------------------------------------------------------------


def _case_form_names() -> list[str]:
    """Every casework screen addressed by the case alone (the forms that start from a case), from the URL conf."""
    resolver = get_resolver()
    names = []
    for pattern in resolver.url_patterns:
        for inner in getattr(pattern, "url_patterns", []):
            if (
                isinstance(inner, URLPattern)
                and getattr(pattern, "namespace", None) == "cases"
                and list(inner.pattern.converters) == ["case"]
            ):
                names.append(f"cases:{inner.name}")
    return names


ID_FIELDS = re.compile(
    r"(^|-)(team|neighbourhood|theme|delivering_organisation|beneficiary|person|participants|professional|"
    r"organisations)$"
)


def test_no_casework_form_offers_a_row_id(
    personas: Personas,
    log_in: Callable[[User], Client],
    scene: Scene,  # noqa: F811
) -> None:
    client = log_in(personas.team_lead)  # the lead opens every form of the team's case, the coordinator's too
    client.post(reverse("cases:household-purpose", args=[scene.case.household.uuid]), {"reason": "review"})
    pages = {name: client.get(reverse(name, args=[scene.case.uuid])) for name in _case_form_names()}
    pages["cases:referral-create"] = client.get(reverse("cases:referral-create"))
    assert len(pages) >= 8
    row_ids = {
        str(pk)
        for model in (Person, User, Organisation, Team, Case, Area, Theme)
        for pk in model.objects.values_list("pk", flat=True)
    }
    offered: dict[str, list[str]] = {}
    for name, response in pages.items():
        if response.status_code != 200:
            continue
        page = response.content.decode()
        for field in set(re.findall(r'name="([\w-]+)"', page)):
            if ID_FIELDS.search(field):
                offered[f"{name} {field}"] = _option_values(page, field)
    assert any("professional" in key for key in offered) and any("beneficiary" in key for key in offered)
    leaks = {key: values for key, values in offered.items() if set(values) & row_ids}
    assert leaks == {}
    for key, values in offered.items():
        for value in values:
            assert UUID.fullmatch(value) or not value.isdigit(), (key, value)


def test_a_casework_form_refuses_a_row_id(
    personas: Personas,
    log_in: Callable[[User], Client],
    scene: Scene,  # noqa: F811
) -> None:
    client = log_in(personas.team_lead)
    client.post(reverse("cases:household-purpose", args=[scene.case.household.uuid]), {"reason": "review"})
    url = reverse("cases:coordinator-assign", args=[scene.case.uuid])
    page = client.post(url, {"professional": str(scene.colleague.pk)}).content.decode()
    assert field_error(page, "id_professional")  # the row id is no option: refused next to the field
    assert Involvement.objects.get(case=scene.case, is_coordinator=True).professional == personas.professional
    response = client.post(url, {"professional": str(scene.colleague.uuid)})
    assert response.status_code == 302

"""#12 item 8: crafted cursors, NUL bytes and odd filter values answer 400 JSON, never a 500.

The attack run found 41 answers of 500 (``cursor=base64("p=1' OR …")``, a NUL in
``silo``/``theme`` on ``/api/v1/reports/*`` and on ``/financiering/register/``).
The endpoints and their query parameters come from the API's own schema, so an
endpoint added later is fuzzed too.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from funding import services as funding_services
from organisations.models import User
from tests.cases.factories import ActionFactory, CaseFactory, MembershipFactory
from tests.conftest import Personas
from tests.funding.factories import AllocationFactory, BlockageFactory, SpendImportFactory, StreamFactory

pytestmark = pytest.mark.django_db

ROLES = ["professional", "team_lead", "bureau", "auditor"]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# Cursors as the attack run crafted them, and a few more.
CRAFTED_CURSORS = [
    "not-base64!!",
    "%%%",
    _b64("p=1' OR '1'='1"),
    _b64("o=0&r=0&p=1' OR 1=1--"),
    _b64("r=1&p=1; DROP TABLE cases_case"),
    _b64("p=" + "9" * 40),
    _b64("o=" + "9" * 40 + "&p=1"),
    _b64("o=-5&p=1"),
    _b64("p=\x00"),
    "\x00",
    _b64("p=ü日本\u202e"),
    "ü日本",
    _b64("p=-1"),
    "A" * 5000,
]

# Filter values of every wrong kind: a NUL, very long, wrong type, odd unicode.
CRAFTED_VALUES = ["\x00", "abc\x00def", "x" * 5000, "abc", "-1", "1e309", "2025-13-45", "ü日本\u202e", "' OR 1=1--"]


@dataclass(frozen=True)
class ListEndpoint:
    path: str
    parameters: tuple[str, ...]
    required: tuple[tuple[str, str], ...]  # a valid value for each required parameter, from its schema


def _valid_value(schema: dict[str, object]) -> str:
    if "enum" in schema:
        return str(schema["enum"][0])  # type: ignore[index]
    if schema.get("type") == "integer":
        return str(schema.get("minimum", 1))
    return "x"


def list_endpoints() -> list[ListEndpoint]:
    """Every GET collection of ``/api/v1/`` (no path parameter) with its query parameters, from the schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        if "{" in path or "get" not in operations or path.endswith(("/schema/", "/docs/")):
            continue
        query = [p for p in operations["get"].get("parameters", []) if p["in"] == "query"]
        required = tuple((p["name"], _valid_value(p["schema"])) for p in query if p.get("required"))
        found.append(ListEndpoint(path=path, parameters=tuple(p["name"] for p in query), required=required))
    return found


def seed(personas: Personas) -> None:
    """Two of everything in team A's municipality, so that every list has a second page."""
    for _ in range(2):
        with transaction.atomic():
            case = CaseFactory(team=personas.team_a, coordinator=personas.professional)
        MembershipFactory(household=case.household)
        action = ActionFactory(case=case)
        blockage = BlockageFactory(action=action, opened_by=personas.professional)
        funding_services.blockage_escalate(blockage=blockage, by=personas.professional)
        AllocationFactory(action=action, stream=StreamFactory(municipality=personas.team_a.municipality))
    SpendImportFactory()


@pytest.fixture
def api(personas: Personas, log_in: Callable[[User], Client], client: Client) -> Callable[[str], Client]:
    """A test client logged in as the role named; a 500 comes back as a response, not as an exception."""
    seed(personas)
    client.raise_request_exception = False

    def as_role(role: str) -> Client:
        return log_in(getattr(personas, role))

    return as_role


def _problems(response, what: str) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if response.status_code not in (200, 400):
        yield f"{what}: {response.status_code}"
    if not response["Content-Type"].startswith("application/json"):
        yield f"{what}: answered {response['Content-Type']}"
    elif response.status_code == 400:
        json.loads(response.content)


def test_the_schema_lists_the_endpoints_the_attack_run_used() -> None:
    paths = {endpoint.path for endpoint in list_endpoints()}
    assert {"/api/v1/cases/", "/api/v1/reports/funding-flows/", "/api/v1/reports/programme/"} <= paths
    assert len(paths) >= 20


def test_every_list_answers_crafted_cursors_and_filters_with_400_json(api: Callable[[str], Client]) -> None:
    problems: list[str] = []
    for endpoint in list_endpoints():
        # The first role that may read the list; the reports are the bureau's and the auditor's.
        client, first = None, None
        base = dict(endpoint.required)
        for role in ROLES:
            client = api(role)
            first = client.get(endpoint.path, base)
            if first.status_code == 200:
                break
        assert client is not None and first is not None
        assert first.status_code == 200, f"{endpoint.path}: no role reads it ({first.status_code})"
        for cursor in CRAFTED_CURSORS:
            response = client.get(endpoint.path, base | {"cursor": cursor})
            problems += _problems(response, f"{endpoint.path} cursor={cursor[:20]!r}")
        for name in endpoint.parameters:
            for value in CRAFTED_VALUES:
                response = client.get(endpoint.path, base | {name: value})
                problems += _problems(response, f"{endpoint.path} {name}={value[:20]!r}")
    assert problems == []


def detail_paths() -> list[str]:
    """Every GET of one object (a path parameter) in the schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [path for path, operations in schema["paths"].items() if "{" in path and "get" in operations]


def test_every_object_url_answers_a_crafted_key_with_400_or_404_json(api: Callable[[str], Client]) -> None:
    client = api("bureau")
    problems: list[str] = []
    paths = detail_paths()
    assert "/api/v1/areas/{code}/" in paths and "/api/v1/cases/{uuid}/" in paths
    for template in paths:
        for key in ["%00", "a%00b", "x" * 300, "%27%20OR%201%3D1--", "%C3%BC%E6%97%A5", "-1", "99999999999999999999"]:
            path = re.sub(r"\{[^}]+\}", key, template)
            response = client.get(path)
            if response.status_code not in (400, 404) or not response["Content-Type"].startswith("application/json"):
                problems.append(f"{path[:80]}: {response.status_code} {response['Content-Type']}")
    assert problems == []


def test_a_tampered_cursor_is_a_400(api: Callable[[str], Client]) -> None:
    client = api("professional")
    next_url = client.get("/api/v1/cases/", {"page_size": 1}).json()["next"]
    cursor = parse_qs(urlsplit(next_url).query)["cursor"][0]
    middle = len(cursor) // 2
    tampered = cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1 :]
    response = client.get("/api/v1/cases/", {"cursor": tampered, "page_size": 1})
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_a_nul_byte_in_a_report_filter_is_a_400_json(api: Callable[[str], Client]) -> None:
    client = api("bureau")
    for path, data in [
        ("/api/v1/reports/funding-flows/", {"year": "2025", "silo": "wmo\x00"}),
        ("/api/v1/reports/programme/", {"theme": "welzijn\x00"}),
        ("/api/v1/cases/", {"status": "open\x00"}),
    ]:
        response = client.get(path, data)
        assert response.status_code == 400, path
        assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("role", "path", "data"),
    [
        ("bureau", "/financiering/register/", {"silo": "wmo\x00"}),
        ("bureau", "/financiering/register/", {"reason": "\x00"}),
        ("bureau", "/monitoring/", {"theme": "\x00"}),
        ("auditor", "/financiering/audit/", {"silo": "\x00"}),
        ("professional", "/financiering/knelpunten/", {"status": "\x00"}),
    ],
)
def test_a_nul_byte_on_a_screen_is_a_400(
    api: Callable[[str], Client], role: str, path: str, data: dict[str, str]
) -> None:
    response = api(role).get(path, data)
    assert response.status_code == 400


def test_a_nul_byte_in_a_posted_form_field_is_a_400(api: Callable[[str], Client]) -> None:
    # As a browser sends the search form.
    response = api("professional").post(
        "/zoeken/", urlencode({"name": "Jan\x00sen"}), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400


def test_a_nul_byte_in_a_json_body_is_a_400_json(api: Callable[[str], Client], personas: Personas) -> None:
    response = api("professional").post("/api/v1/contacts/", {"note": "a\x00b"}, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_an_api_error_is_json_even_when_a_browser_asks_for_html(api: Callable[[str], Client]) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = api("professional").get("/api/v1/cases/", {"cursor": "garbage"}, HTTP_ACCEPT=browser)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")

"""One UI vocabulary: a form field, a form's error summary and a pager each have one template (in
``templates/components/``), and a service's refusal is copied onto a form by one helper (``common.forms``)."""

import ast
import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from funding import services
from funding.models import BlockageStatus
from tests.cases.factories import ActionFactory, CaseFactory
from tests.conftest import Personas
from tests.funding.factories import BlockageFactory, FlexibleStreamFactory

ROOT = Path(settings.BASE_DIR)
TEMPLATES = ROOT / "templates"
INCLUDE = re.compile(r"""{%\s*include\s+["']([^"']+)["']""")
# What a form or a list is built from; each lives in templates/components/ only.
PARTS = re.compile(r"(^|/)_?(form_field|field|form_errors|field_messages|pagination|page_nav)\.html$")


def test_fields_errors_and_pagers_come_from_the_components_only() -> None:
    strays = [
        f"{path.relative_to(TEMPLATES)}: {name}"
        for path in TEMPLATES.rglob("*.html")
        for name in INCLUDE.findall(path.read_text())
        if PARTS.search(name) and not name.startswith("components/")
    ]
    assert strays == []
    copies = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if PARTS.search(path.name) and path.parent != TEMPLATES / "components"
    ]
    assert copies == []
    pagers = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if re.search(r'<nav[^>]*class="[^"]*pagination', path.read_text()) and path.parent != TEMPLATES / "components"
    ]
    assert pagers == []


def _copies_errors_onto_a_form(function: ast.FunctionDef) -> bool:
    """A function that walks a ValidationError's messages and calls ``add_error`` with them."""
    names = {node.attr for node in ast.walk(function) if isinstance(node, ast.Attribute)}
    return "add_error" in names and bool(names & {"error_dict", "message_dict"})


def test_one_helper_copies_a_services_errors_onto_a_form() -> None:
    helpers = []
    for path in ROOT.glob("*/**/*.py"):
        if {".venv", "node_modules", "tests", "migrations"} & set(path.relative_to(ROOT).parts):
            continue
        tree = ast.parse(path.read_text())
        helpers += [
            f"{path.relative_to(ROOT)}:{node.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and _copies_errors_onto_a_form(node)
        ]
    assert helpers == ["common/forms.py:apply_errors"]


@pytest.mark.django_db
def test_a_services_refusal_on_a_funding_form_is_linked_to_its_field(log_in, personas: Personas) -> None:
    """The message is next to the field and the field points at it (its id is the one Django describes by)."""
    today = datetime.date.today()
    FlexibleStreamFactory(
        municipality=personas.team_a.municipality,
        valid_from=today.replace(month=1, day=1),
        valid_until=today.replace(month=12, day=31),
        budget=Decimal("100.00"),
    )
    action = ActionFactory(case=CaseFactory(team=personas.team_a))
    blockage = BlockageFactory(action=action, opened_by=personas.professional)
    services.blockage_escalate(blockage=blockage, by=personas.professional, note="")
    response = log_in(personas.team_lead).post(
        reverse("funding:blockage_step", args=[blockage.uuid, "doorbraak"]),
        {"doorbraak-amount": "450,00", "doorbraak-note": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    amount = re.search(r'<input[^>]*name="doorbraak-amount"[^>]*>', html)
    assert amount is not None and 'aria-invalid="true"' in amount.group(0) and 'value="450,00"' in amount.group(0)
    described_by = re.search(r'aria-describedby="([^"]+)"', amount.group(0))
    assert described_by is not None
    for element_id in described_by.group(1).split():
        assert f'id="{element_id}"' in html, element_id
    assert 'id="id_doorbraak-amount_error"' in html
    blockage.refresh_from_db()
    assert blockage.status == BlockageStatus.ESCALATED

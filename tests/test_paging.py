"""One pager for every list on a screen: ``?pagina=``, the filters kept in its links, and old ``?page=`` bookmarks
sent on to the same page (the funding lists and the inbox used to page by ``page``)."""

import pytest
from django.urls import reverse

from funding import services
from notifications.models import Notification
from tests.cases.factories import ActionFactory, CaseFactory
from tests.conftest import Personas
from tests.funding.factories import BlockageFactory

pytestmark = pytest.mark.django_db

CELL = "year=2025&level=wijk&granularity=quarter&silo=&area=&period=2025-01-01"


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    import funding.views
    import notifications.views

    monkeypatch.setattr(funding.views, "PAGE_SIZE", 2)
    monkeypatch.setattr(notifications.views, "PAGE_SIZE", 2)


@pytest.fixture
def three_blockages(personas: Personas) -> list[str]:
    references = []
    for number in range(3):
        case = CaseFactory(team=personas.team_a, reference=f"WT-PAGE{number:04d}")
        blockage = BlockageFactory(action=ActionFactory(case=case), opened_by=personas.professional)
        services.blockage_escalate(blockage=blockage, by=personas.professional, note="")
        references.append(case.reference)
    return references


def _shown(html: str, references: list[str]) -> set[str]:
    return {reference for reference in references if reference in html}


@pytest.mark.parametrize(
    ("url_name", "persona", "query"),
    [("funding:team_blockages", "team_lead", "status=all"), ("funding:register", "bureau", "status=open")],
)
def test_the_blockage_lists_page_by_pagina_and_keep_their_filters(
    log_in, personas: Personas, small_pages: None, three_blockages: list[str], url_name: str, persona: str, query: str
) -> None:
    client = log_in(getattr(personas, persona))
    url = reverse(url_name)
    first = client.get(f"{url}?{query}").content.decode()
    assert len(_shown(first, three_blockages)) == 2
    assert f'href="?{query.replace("&", "&amp;")}&amp;pagina=2"' in first
    assert "Pagina 1 van 2" in first and "&amp;page=" not in first
    second = client.get(f"{url}?{query}&pagina=2").content.decode()
    assert _shown(second, three_blockages) == set(three_blockages) - _shown(first, three_blockages)
    assert f'href="?{query.replace("&", "&amp;")}&amp;pagina=1"' in second


def test_the_inbox_pages_by_pagina(log_in, personas: Personas, small_pages: None) -> None:
    for number in range(3):
        Notification.objects.create(
            recipient=personas.bureau,
            kind=Notification.Kind.BLOCKAGE_ESCALATED,
            text=f"Melding {number}",
            link="/x/",
            subject_id=number,
        )
    client = log_in(personas.bureau)
    first = client.get(reverse("notifications:inbox")).content.decode()
    assert 'href="?pagina=2"' in first and "Melding 0" not in first
    second = client.get(reverse("notifications:inbox"), {"pagina": 2}).content.decode()
    assert "Melding 0" in second and "Melding 2" not in second


def test_the_cell_drill_down_pages_by_pagina(log_in, personas: Personas) -> None:
    url = reverse("funding:audit_cell")
    second = log_in(personas.auditor).get(f"{url}?{CELL}&pagina=2").content.decode()
    assert f'href="?{CELL.replace("&", "&amp;")}&amp;pagina=1"' in second and "&amp;page=" not in second
    assert "Pagina 2" in second


@pytest.mark.parametrize(
    ("url_name", "persona", "query"),
    [
        ("funding:team_blockages", "team_lead", "status=all&team="),
        ("funding:register", "bureau", "status=open"),
        ("funding:audit_cell", "auditor", CELL),
        ("notifications:inbox", "bureau", ""),
    ],
)
def test_an_old_page_bookmark_goes_to_the_same_page(
    log_in, personas: Personas, url_name: str, persona: str, query: str
) -> None:
    url = reverse(url_name)
    response = log_in(getattr(personas, persona)).get(f"{url}?{query}&page=2" if query else f"{url}?page=2")
    assert response.status_code == 301
    assert response["Location"] == (f"{url}?{query}&pagina=2" if query else f"{url}?pagina=2")


def test_pagina_wins_over_an_old_page_parameter(log_in, personas: Personas) -> None:
    url = reverse("notifications:inbox")
    response = log_in(personas.bureau).get(f"{url}?page=5&pagina=2")
    assert response.status_code == 301 and response["Location"] == f"{url}?pagina=2"

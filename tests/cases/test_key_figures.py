"""Key figures per buurt (issue #16, item 5): listed on the team's area page, added, edited and ended by the team."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from cases import services
from cases.models import KeyFigure
from organisations.models import Area, User
from tests.cases.factories import KeyFigureFactory
from tests.conftest import Personas
from tests.organisations.factories import DistrictFactory, NeighbourhoodFactory


@dataclass
class Places:
    direct: Area  # a buurt team A covers itself
    via_wijk: Area  # a buurt of a wijk team A covers
    elsewhere: Area  # team B's buurt


@pytest.fixture
def places(personas: Personas) -> Places:
    municipality = personas.team_a.municipality
    direct = NeighbourhoodFactory(parent__municipality=municipality, name="Oosterpark")
    wijk = DistrictFactory(municipality=municipality)
    via_wijk = NeighbourhoodFactory(parent=wijk, name="Dapperbuurt")
    elsewhere = NeighbourhoodFactory(parent__municipality=municipality, name="Zuidas")
    personas.team_a.areas.add(direct, wijk)
    personas.team_b.areas.add(elsewhere)
    return Places(direct, via_wijk, elsewhere)


def test_the_area_page_lists_the_teams_buurten_with_their_current_key_figures(
    personas: Personas, places: Places, log_in: Callable[[User], Client], django_assert_max_num_queries
) -> None:
    KeyFigureFactory(team=personas.team_a, area=places.direct, name="Imam Yusuf")
    KeyFigureFactory(team=personas.team_a, area=places.via_wijk, name="Sportclub DCG")
    ended = datetime.date(2025, 1, 1)
    KeyFigureFactory(team=personas.team_a, area=places.via_wijk, name="Oud-wijkagent", ended_on=ended)
    KeyFigureFactory(team=personas.team_b, area=places.elsewhere, name="Huisarts Zuid")
    client = log_in(personas.professional)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("cases:area")).content.decode()
    assert "Oosterpark" in html and "Dapperbuurt" in html and "Zuidas" not in html
    assert "Imam Yusuf" in html and "Sportclub DCG" in html
    assert "Oud-wijkagent" not in html and "Huisarts Zuid" not in html
    assert "Oud-wijkagent" in client.get(reverse("cases:area") + "?beeindigd=1").content.decode()


def test_a_member_adds_edits_and_ends_a_key_figure_which_is_kept(
    personas: Personas, places: Places, log_in: Callable[[User], Client]
) -> None:
    client = log_in(personas.professional)
    response = client.post(
        reverse("cases:key-figure-create"),
        {"area": places.via_wijk.code, "name": "Buurtvader Ahmed", "description": "buurtvaders", "contact_details": ""},
    )
    assert response.status_code == 302
    figure = KeyFigure.objects.get()
    assert (figure.team, figure.area, figure.ended_on) == (personas.team_a, places.via_wijk, None)
    edit = reverse("cases:key-figure-edit", args=[figure.uuid])
    response = client.post(edit, {"name": "Buurtvader Ahmed", "description": "", "contact_details": "06 1234"})
    assert response.status_code == 200  # the error next to the field, what was typed kept
    assert "Vul in wie of wat dit is." in response.content.decode() and 'value="06 1234"' in response.content.decode()
    assert client.post(edit, {"name": "Ahmed", "description": "buurtvader", "contact_details": "06"}).status_code == 302
    response = client.post(reverse("cases:key-figure-end", args=[figure.uuid]), {"ended_on": "2026-12-01"})
    assert response.status_code == 302
    figure.refresh_from_db()
    assert (figure.name, figure.ended_on) == ("Ahmed", datetime.date(2026, 12, 1))


def test_another_team_and_the_administrator_cannot_keep_the_teams_key_figures(
    personas: Personas, places: Places, log_in: Callable[[User], Client]
) -> None:
    figure = KeyFigureFactory(team=personas.team_a, area=places.direct)
    assert log_in(personas.professional_b).get(reverse("cases:key-figure-edit", args=[figure.uuid])).status_code == 404
    assert log_in(personas.administrator).get(reverse("cases:area")).status_code == 403
    with pytest.raises(PermissionDenied):  # team A does not cover team B's buurt
        services.key_figure_add(
            by=personas.professional, team=personas.team_a, area=places.elsewhere, name="X", description="Y"
        )
    assert KeyFigure.objects.count() == 1

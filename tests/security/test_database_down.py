"""#12 item 8: with the database down the API answered an HTML 500; now 503 JSON with Retry-After.

The database really is out of reach here: the connection is closed and pointed
at a socket where no server listens, so every query of the request (the
session, the token, the view) fails as it would in production.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.services import api_token_create
from organisations.models import User
from tests.conftest import Personas

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_down() -> Iterator[Callable[[], None]]:
    saved = connection.settings_dict.get("PORT")

    def take_down() -> None:
        connection.close()
        connection.settings_dict["PORT"] = "1"  # nothing listens there

    yield take_down
    connection.close()
    connection.settings_dict["PORT"] = saved


def _token(user: User) -> str:
    return api_token_create(by=user, name="test", expires_on=timezone.localdate() + datetime.timedelta(days=7)).secret


def test_the_api_answers_503_json_through_a_token(
    personas: Personas, client: Client, database_down: Callable[[], None]
) -> None:
    secret = _token(personas.professional)
    client.raise_request_exception = False
    database_down()
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"].isdigit()
    assert "detail" in response.json()


def test_the_api_answers_503_json_through_a_session(
    personas: Personas, log_in: Callable[[User], Client], database_down: Callable[[], None]
) -> None:
    client = log_in(personas.professional)
    client.raise_request_exception = False
    database_down()
    response = client.get("/api/v1/cases/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"].isdigit()


def test_a_screen_answers_a_dutch_503_page(
    personas: Personas, log_in: Callable[[User], Client], database_down: Callable[[], None]
) -> None:
    client = log_in(personas.professional)
    client.raise_request_exception = False
    database_down()
    response = client.get("/zoeken/", HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert "Tijdelijk niet beschikbaar" in response.content.decode()


def test_any_other_unhandled_api_error_is_json(
    personas: Personas, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cases.api import views

    def broken(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    secret = _token(personas.professional)
    monkeypatch.setattr(views.CaseViewSet, "list_queryset", broken)  # what the list reads its rows from
    client.raise_request_exception = False
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "a bug" not in response.content.decode()

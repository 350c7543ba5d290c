import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from time_machine import TimeMachineFixture

from accounts.models import ApiToken
from accounts.services import NewApiToken, api_token_create, api_token_revoke
from cases.models import Case
from organisations.models import TeamMembership, User
from privacy.models import AccessLogEntry
from tests.accounts.conftest import post_password
from tests.cases.factories import CaseFactory
from tests.conftest import Personas

pytestmark = pytest.mark.django_db


def make_token(user: User, *, days: int = 90, name: str = "script") -> NewApiToken:
    return api_token_create(by=user, name=name, expires_on=timezone.localdate() + datetime.timedelta(days=days))


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def case(personas: Personas) -> Case:
    return CaseFactory(team=personas.team_a, coordinator=personas.professional)


# --- The bearer token on the API -------------------------------------------------


def test_a_token_acts_as_its_owner_within_the_same_access_policy_and_is_logged(
    client: Client, personas: Personas, case: Case
) -> None:
    CaseFactory(team=personas.team_b)  # not the owner's
    new = make_token(personas.professional)
    response = client.get("/api/v1/cases/", **bearer(new.secret))
    assert response.status_code == 200
    assert [item["uuid"] for item in response.json()["results"]] == [str(case.uuid)]
    row = AccessLogEntry.objects.get()
    assert (row.user_id, row.channel, row.case_id) == (personas.professional.pk, "api", case.pk)
    assert "no-store" in response["Cache-Control"]


def test_only_a_hash_of_the_secret_is_stored(personas: Personas) -> None:
    new = make_token(personas.professional)
    token = ApiToken.objects.get()
    assert new.secret.startswith("wt_") and len(new.secret) > 40
    assert new.secret not in {token.secret_hash, token.prefix, token.name}
    assert new.secret.startswith(token.prefix)


def test_using_a_token_records_when_it_was_last_used(client: Client, personas: Personas) -> None:
    new = make_token(personas.bureau)
    assert new.token.last_used_at is None
    assert client.get("/api/v1/themes/", **bearer(new.secret)).status_code == 200
    new.token.refresh_from_db()
    assert new.token.last_used_at is not None


def test_a_role_without_teams_needs_no_membership(client: Client, personas: Personas) -> None:
    new = make_token(personas.bureau)
    assert client.get("/api/v1/themes/", **bearer(new.secret)).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Bearer wt_unknown", "Bearer", "Bearer one two"],
    ids=["unknown", "missing", "with a space"],
)
def test_a_bad_token_is_refused_with_401_and_a_bearer_challenge(client: Client, personas: Personas, header) -> None:
    make_token(personas.professional)
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_stops_working_at_once(client: Client, personas: Personas, case: Case) -> None:
    new = make_token(personas.professional)
    assert client.get("/api/v1/cases/", **bearer(new.secret)).status_code == 200
    api_token_revoke(by=personas.professional, token=new.token)
    assert client.get("/api/v1/cases/", **bearer(new.secret)).status_code == 401


def test_a_token_stops_working_after_its_last_day(
    client: Client, personas: Personas, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC), tick=False)
    new = api_token_create(by=personas.bureau, name="script", expires_on=datetime.date(2026, 3, 10))
    time_machine.move_to(datetime.datetime(2026, 3, 10, 21, tzinfo=datetime.UTC), tick=False)  # 22:00 in Amsterdam
    assert client.get("/api/v1/themes/", **bearer(new.secret)).status_code == 200
    time_machine.move_to(datetime.datetime(2026, 3, 10, 23, 1, tzinfo=datetime.UTC), tick=False)
    assert client.get("/api/v1/themes/", **bearer(new.secret)).status_code == 401


def test_disabling_an_account_ends_its_tokens_at_once(client: Client, personas: Personas, case: Case) -> None:
    new = make_token(personas.professional)
    assert client.get("/api/v1/cases/", **bearer(new.secret)).status_code == 200
    personas.professional.is_active = False
    personas.professional.save(update_fields=["is_active"])
    assert client.get("/api/v1/cases/", **bearer(new.secret)).status_code == 401


def test_ending_the_last_team_membership_ends_its_tokens_at_once(
    client: Client, personas: Personas, case: Case
) -> None:
    new = make_token(personas.professional)
    assert client.get("/api/v1/cases/", **bearer(new.secret)).status_code == 200
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    TeamMembership.objects.filter(user=personas.professional).update(end_date=yesterday)
    assert client.get("/api/v1/cases/", **bearer(new.secret)).status_code == 401


def test_a_professional_in_no_team_cannot_use_a_token(client: Client, personas: Personas) -> None:
    new = make_token(personas.outsider)
    assert client.get("/api/v1/themes/", **bearer(new.secret)).status_code == 401


# --- The service --------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, -3, 366])
def test_the_expiry_must_be_after_today_and_within_a_year(personas: Personas, days: int) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        make_token(personas.professional, days=days)
    assert list(caught.value.message_dict) == ["expires_on"]
    assert not ApiToken.objects.exists()


def test_nobody_revokes_another_users_token(personas: Personas) -> None:
    from django.core.exceptions import PermissionDenied

    new = make_token(personas.professional)
    with pytest.raises(PermissionDenied):
        api_token_revoke(by=personas.professional_b, token=new.token)
    new.token.refresh_from_db()
    assert new.token.revoked_at is None


def test_creating_and_revoking_are_kept_in_the_write_history(personas: Personas) -> None:
    new = make_token(personas.professional)
    api_token_revoke(by=personas.professional, token=new.token)
    history = list(new.token.history.order_by("history_date").values_list("history_type", "history_user_id"))
    assert history == [("+", personas.professional.pk), ("~", personas.professional.pk)]


# --- The screens ----------------------------------------------------------------------


def test_the_token_page_shows_a_new_secret_once(log_in, personas: Personas) -> None:
    client = log_in(personas.professional)
    expires = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    response = client.post(reverse("api_tokens"), {"name": "Rapportage", "expires_on": expires})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=personas.professional)
    secret = response.context["created"].secret
    assert secret in response.content.decode()
    assert token.name == "Rapportage"
    again = client.get(reverse("api_tokens")).content.decode()
    assert "Rapportage" in again and token.prefix in again and secret not in again


def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(log_in, personas: Personas) -> None:
    client = log_in(personas.professional)
    too_late = (timezone.localdate() + datetime.timedelta(days=400)).isoformat()
    response = client.post(reverse("api_tokens"), {"name": "Rapportage", "expires_on": too_late})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["expires_on"]
    assert 'aria-invalid="true"' in response.content.decode()
    assert 'value="Rapportage"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_token_page_lists_only_my_tokens(log_in, personas: Personas) -> None:
    make_token(personas.professional, name="mine")
    make_token(personas.professional_b, name="theirs")
    page = log_in(personas.professional).get(reverse("api_tokens")).content.decode()
    assert "mine" in page and "theirs" not in page


def test_i_revoke_my_own_token_from_the_page(log_in, personas: Personas) -> None:
    new = make_token(personas.professional)
    response = log_in(personas.professional).post(reverse("api_token_revoke", args=[new.token.uuid]))
    assert response.status_code == 302
    new.token.refresh_from_db()
    assert new.token.revoked_at is not None


def test_another_users_token_answers_404_on_revoke(log_in, personas: Personas) -> None:
    new = make_token(personas.professional_b)
    response = log_in(personas.professional).post(reverse("api_token_revoke", args=[new.token.uuid]))
    assert response.status_code == 404
    new.token.refresh_from_db()
    assert new.token.revoked_at is None


def test_the_token_page_needs_the_second_factor(client: Client, personas: Personas) -> None:
    post_password(client, personas.professional.username)
    response = client.get(reverse("api_tokens"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = client.post(reverse("api_tokens"), {"name": "x", "expires_on": "2026-12-01"})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_the_token_page_needs_a_login(client: Client) -> None:
    response = client.get(reverse("api_tokens"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

"""Municipal login (OpenID Connect). No identity provider runs here: its two network calls
(token and userinfo) are stood in for; state, nonce, ID-token signature and audience are checked for real."""

from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import IdentityProviderDevice
from accounts.oidc import MfaRequirement, MunicipalityOIDCBackend, parse_mfa_requirement, users_matching_claims
from organisations.models import User
from tests.accounts.conftest import load_settings_module
from tests.conftest import Personas
from tests.organisations.factories import UserFactory

pytestmark = pytest.mark.django_db

CLIENT_ID = "wijkteam-test"
CLIENT_SECRET = "a-shared-secret-long-enough-for-hs256-signing"
OIDC_ENV = {
    "OIDC_RP_CLIENT_ID": CLIENT_ID,
    "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example.nl/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example.nl/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.example.nl/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.example.nl/jwks",
}
OIDC_ON = {
    **OIDC_ENV,
    "WIJKTEAM_OIDC_ENABLED": True,
    "OIDC_RP_SIGN_ALGO": "HS256",  # signed with the client secret: no JWKS fetch needed
    "AUTHENTICATION_BACKENDS": [*settings.AUTHENTICATION_BACKENDS, "accounts.oidc.MunicipalityOIDCBackend"],
}


# --- Off unless configured --------------------------------------------------------


def test_without_the_environment_the_municipal_login_is_off(client: Client) -> None:
    assert settings.WIJKTEAM_OIDC_ENABLED is False
    assert "accounts.oidc.MunicipalityOIDCBackend" not in settings.AUTHENTICATION_BACKENDS
    assert "Inloggen via uw gemeente" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback"), {"code": "x", "state": "y"}).status_code == 404


def test_a_client_id_in_the_environment_turns_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = load_settings_module("wijkteam.settings.test", OIDC_ENV, monkeypatch)
    assert loaded.WIJKTEAM_OIDC_ENABLED is True
    assert loaded.AUTHENTICATION_BACKENDS[-1] == "accounts.oidc.MunicipalityOIDCBackend"
    assert settings.WIJKTEAM_OIDC_ENABLED is False, "the running settings are left alone"


def test_a_client_id_without_the_endpoints_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ImproperlyConfigured, match="OIDC_OP_TOKEN_ENDPOINT"):
        load_settings_module("wijkteam.settings.test", {"OIDC_RP_CLIENT_ID": CLIENT_ID}, monkeypatch)


@override_settings(**OIDC_ON)
def test_when_on_the_login_page_offers_the_municipal_login(client: Client) -> None:
    html = client.get(reverse("login"), {"next": "/"}).content.decode()
    assert "Inloggen via uw gemeente" in html
    assert f'href="{reverse("oidc_authentication_init")}?next=/"' in html


# --- Which account ------------------------------------------------------------------


def test_accounts_match_on_the_e_mail_address_regardless_of_case(personas: Personas) -> None:
    personas.professional.email = "S.Visser@Gemeente.example.nl"
    personas.professional.save()
    claims = {"email": "s.visser@gemeente.example.nl", "email_verified": True}
    assert list(users_matching_claims(claims, claim="email")) == [personas.professional]


def test_accounts_match_on_the_username_when_so_configured(personas: Personas) -> None:
    claims = {"preferred_username": "prof-a", "email": "someone@else.example"}
    assert list(users_matching_claims(claims, claim="preferred_username")) == [personas.professional]


@pytest.mark.parametrize(
    "claims",
    [
        {"email": "s.visser@gemeente.example.nl", "email_verified": False},
        {"email": ""},
        {"email": None},
        {},
    ],
    ids=["unverified address", "empty", "null", "missing"],
)
def test_no_account_matches_without_a_usable_claim(personas: Personas, claims: dict[str, object]) -> None:
    personas.professional.email = "s.visser@gemeente.example.nl"
    personas.professional.save()
    assert list(users_matching_claims(claims, claim="email")) == []


def test_a_disabled_account_never_matches(personas: Personas) -> None:
    personas.professional.email = "s.visser@gemeente.example.nl"
    personas.professional.is_active = False
    personas.professional.save()
    assert list(users_matching_claims({"email": "s.visser@gemeente.example.nl"}, claim="email")) == []


def test_an_unknown_match_claim_is_a_configuration_error() -> None:
    with pytest.raises(ImproperlyConfigured):
        users_matching_claims({"sub": "x"}, claim="sub")


@override_settings(**OIDC_ON)
def test_the_backend_never_creates_an_account() -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        MunicipalityOIDCBackend().create_user({"email": "new@example.nl"})


@override_settings(**OIDC_ON)
def test_the_backend_forgets_a_session_of_a_disabled_account(personas: Personas) -> None:
    backend = MunicipalityOIDCBackend()
    assert backend.get_user(personas.professional.pk) == personas.professional
    personas.professional.is_active = False
    personas.professional.save()
    assert backend.get_user(personas.professional.pk) is None


# --- Multi-factor claim ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", None),
        ("amr", MfaRequirement("amr", frozenset({"mfa"}))),
        ("amr=mfa,hwk", MfaRequirement("amr", frozenset({"mfa", "hwk"}))),
        (
            "acr=urn:etoegang:core:assurance-class:loa3",
            MfaRequirement("acr", frozenset({"urn:etoegang:core:assurance-class:loa3"})),
        ),
    ],
)
def test_the_mfa_requirement_is_read_from_the_environment(text: str, expected: MfaRequirement | None) -> None:
    assert parse_mfa_requirement(text) == expected


@pytest.mark.parametrize("text", ["sub=1", "acr"])
def test_a_meaningless_mfa_requirement_is_a_configuration_error(text: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_mfa_requirement(text)


@pytest.mark.parametrize(
    "claims, met",
    [
        ({"amr": ["pwd", "mfa"]}, True),
        ({"amr": ["pwd"]}, False),
        ({"amr": "mfa"}, True),
        ({}, False),
    ],
)
def test_the_amr_claim_must_show_a_second_factor(claims: dict[str, object], met: bool) -> None:
    assert MfaRequirement("amr", frozenset({"mfa"})).is_met_by(claims) is met


# --- The whole round trip ------------------------------------------------------------------


class IdentityProvider:
    """Stands in for the provider's token and userinfo endpoints; signs a real ID token."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.id_token_claims: dict[str, object] = {}
        self.userinfo: dict[str, object] = {}
        provider = self

        def get_token(backend: MunicipalityOIDCBackend, payload: dict[str, str]) -> dict[str, str]:
            assert payload["client_id"] == CLIENT_ID and "code_verifier" in payload  # PKCE is used
            return {"id_token": jwt.encode(provider.id_token_claims, CLIENT_SECRET, "HS256"), "access_token": "at"}

        def get_userinfo(backend: MunicipalityOIDCBackend, access_token: str, id_token: str, payload: object) -> dict:
            return provider.userinfo

        monkeypatch.setattr(MunicipalityOIDCBackend, "get_token", get_token)
        monkeypatch.setattr(MunicipalityOIDCBackend, "get_userinfo", get_userinfo)

    def log_in(self, client: Client, *, email: str, **id_token_claims: object) -> HttpResponse:
        start = client.get(reverse("oidc_authentication_init"))
        query = parse_qs(urlparse(start["Location"]).query)
        self.id_token_claims = {"iss": "https://idp.example.nl", "aud": CLIENT_ID, "nonce": query["nonce"][0]}
        self.id_token_claims.update(id_token_claims)
        self.userinfo = {"email": email, "email_verified": True}
        return client.get(reverse("oidc_authentication_callback"), {"code": "abc", "state": query["state"][0]})


@pytest.fixture
def idp(monkeypatch: pytest.MonkeyPatch) -> IdentityProvider:
    return IdentityProvider(monkeypatch)


@pytest.fixture
def municipal_user(db: None) -> User:
    return UserFactory(username="m.jansen", email="m.jansen@gemeente.example.nl")


@override_settings(**OIDC_ON)
def test_a_municipal_login_counts_as_both_steps(client: Client, idp: IdentityProvider, municipal_user: User) -> None:
    response = idp.log_in(client, email="M.Jansen@gemeente.example.nl")

    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("cases:caseload")).status_code == 200
    device = IdentityProviderDevice.objects.get(user=municipal_user)
    assert device.last_used_at is not None


@override_settings(**OIDC_ON)
def test_an_unknown_person_is_not_logged_in_and_no_account_is_made(client: Client, idp: IdentityProvider) -> None:
    users_before = User.objects.count()
    response = idp.log_in(client, email="stranger@gemeente.example.nl")
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users_before
    assert "Inloggen via uw gemeente is niet gelukt" in client.get(reverse("login")).content.decode()


@override_settings(**OIDC_ON)
def test_an_id_token_for_another_client_is_refused(client: Client, idp: IdentityProvider, municipal_user: User) -> None:
    response = idp.log_in(client, email=municipal_user.email, aud="someone-else")
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


@override_settings(**OIDC_ON, OIDC_REQUIRE_MFA_CLAIM="amr")
def test_with_the_mfa_claim_required_a_password_only_login_is_refused(
    client: Client, idp: IdentityProvider, municipal_user: User
) -> None:
    response = idp.log_in(client, email=municipal_user.email, amr=["pwd"])
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session

    response = idp.log_in(client, email=municipal_user.email, amr=["pwd", "mfa"])
    assert response["Location"] == reverse("home")


@override_settings(**OIDC_ON)
def test_an_administrator_can_switch_the_municipal_route_off_for_one_user(
    client: Client, idp: IdentityProvider, municipal_user: User
) -> None:
    IdentityProviderDevice.objects.create(user=municipal_user, name="identity provider", confirmed=False)
    idp.log_in(client, email=municipal_user.email)
    response = client.get(reverse("cases:caseload"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login_enrol"))

"""Security settings of issue 4: CSP, no-store, HSTS, cookies, CSRF, and Django's deploy check."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.crypto import get_random_string

from tests.accounts.conftest import load_settings_module, post_password
from tests.conftest import Personas

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "wijkteam.settings.production",
    "DJANGO_SECRET_KEY": get_random_string(64),
    "DJANGO_ALLOWED_HOSTS": "wijkteam.example.nl",
}


def csp_directives(response: HttpResponse) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The production settings module as it loads from a production environment."""
    return load_settings_module("wijkteam.settings.production", PRODUCTION_ENV, monkeypatch)


def test_every_page_has_a_content_security_policy_without_inline_script_or_style(client: Client) -> None:
    directives = csp_directives(client.get(reverse("login")))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value for values in directives.values() for value in values)


def test_the_base_template_keeps_htmx_from_injecting_inline_styles(client: Client) -> None:
    html = client.get(reverse("login")).content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles":false,""" in html
    assert "<style" not in html and " style=" not in html and "<script>" not in html


def test_every_response_to_a_logged_in_user_is_marked_no_store(log_in, personas: Personas) -> None:
    client = log_in(personas.professional)
    for response in [client.get(reverse("home")), client.get(reverse("healthz")), client.get("/no-such-page/")]:
        assert "no-store" in response["Cache-Control"], response.request["PATH_INFO"]


def test_the_steps_before_the_code_are_marked_no_store_too(client: Client, personas: Personas) -> None:
    """The enrolment page shows the secret key of the user's app."""
    post_password(client, "prof-a")
    response = client.get(reverse("login_enrol"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_anonymous_responses_are_not_forced_to_no_store(client: Client) -> None:
    assert "Cache-Control" not in client.get(reverse("healthz"))


def test_an_unsafe_request_without_a_csrf_token_is_refused(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "prof-a", "password": "correct horse battery staple"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def all_views() -> Iterator[tuple[str, object]]:
    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> Iterator[tuple[str, object]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.callback

    return walk(get_resolver().url_patterns, "/")


def test_no_view_is_exempt_from_csrf_protection() -> None:
    """Django views keep the middleware's check; DRF views are exempt from it but check CSRF themselves
    for session-authenticated requests (SessionAuthentication.enforce_csrf), which the API must keep."""
    from rest_framework.authentication import SessionAuthentication
    from rest_framework.settings import api_settings

    def drf(view: object) -> bool:
        return hasattr(view, "cls") and hasattr(view.cls, "authentication_classes")  # type: ignore[attr-defined]

    exempt = [path for path, view in all_views() if getattr(view, "csrf_exempt", False) and not drf(view)]
    assert exempt == []
    assert SessionAuthentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES


def test_production_sends_hsts_and_redirects_plain_http(client: Client, production: ModuleType) -> None:
    names = ["SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT"]
    with override_settings(**{name: getattr(production, name) for name in names}):
        assert client.get(reverse("login")).status_code == 301
        response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_production_cookies_are_secure_http_only_and_same_site(
    client: Client, personas: Personas, production: ModuleType
) -> None:
    names = [
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_SAMESITE",
        "LANGUAGE_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SAMESITE",
    ]
    with override_settings(**{name: getattr(production, name) for name in names}):
        client.get(reverse("login"), secure=True)
        post_password(client, "prof-a", secure=True)
        client.post(reverse("set_language"), {"language": "en"}, secure=True)
    for name in [settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME]:
        cookie = client.cookies[name]
        assert cookie["secure"] is True, name
        assert cookie["samesite"] == "Lax", name
    assert client.cookies[settings.SESSION_COOKIE_NAME]["httponly"] is True


def test_production_settings_pass_the_deploy_check() -> None:
    """`manage.py check --deploy --fail-level WARNING` with nothing but the required environment."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "OIDC_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**env, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_serves_static_files_behind_the_security_middleware(production: ModuleType) -> None:
    """WhiteNoise answers static files itself: before SecurityMiddleware they went out without HSTS or nosniff."""
    order = production.MIDDLEWARE
    security = order.index("django.middleware.security.SecurityMiddleware")
    assert order.index("whitenoise.middleware.WhiteNoiseMiddleware") == security + 1
    assert order[0] == "wijkteam.middleware.RequestIdMiddleware"  # still first: every log line carries the id

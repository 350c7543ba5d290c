"""Helpers for walking the login steps by hand (tests of the steps themselves; others use log_in)."""

import importlib
import sys
from dataclasses import dataclass
from types import ModuleType

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from organisations.models import User
from tests.conftest import PASSWORD, Personas


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the user's app shows now (or that many 30-second steps later)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, drift=steps_ahead):06d}"


def post_password(client: Client, username: str, password: str = PASSWORD, **extra: object) -> HttpResponse:
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def session_key(client: Client) -> str | None:
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie else None


@dataclass
class AppUser:
    user: User
    device: TOTPDevice


@pytest.fixture
def app_user(personas: Personas) -> AppUser:
    """The team-A professional, with a linked authenticator app."""
    device = TOTPDevice.objects.create(user=personas.professional, name="app", confirmed=True)
    return AppUser(user=personas.professional, device=device)


@pytest.fixture
def after_password(client: Client, app_user: AppUser) -> Client:
    """A client past the password step, not yet past the code."""
    response = post_password(client, app_user.user.username)
    assert response.status_code == 302, "the password step should have succeeded"
    return client


def load_settings_module(name: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Execute a settings module afresh under the given environment, leaving the running settings alone.

    The module and the settings modules it imports are loaded anew and then
    taken out of sys.modules again, so later imports see the originals.
    """
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    package = importlib.import_module("wijkteam.settings")
    originals = {key: module for key, module in sys.modules.items() if key.startswith("wijkteam.settings.")}
    for key in originals:
        del sys.modules[key]
    try:
        return importlib.import_module(name)
    finally:
        for key in [key for key in sys.modules if key.startswith("wijkteam.settings.")]:
            del sys.modules[key]
        sys.modules.update(originals)
        for key, module in originals.items():
            setattr(package, key.rsplit(".", 1)[1], module)

"""Shared by the ``bench_*`` measurement commands: a test client logged in past both login steps.

A measurement shortcut that lives only in management commands, never behind a
URL. Callers run inside a transaction they roll back, so the session, the
last-login stamp and the throw-away TOTP device do not stay behind.
"""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.sessions import session_start
from organisations.models import User


def verified_client(user: User) -> Client:
    """A client for ``user`` as the code step leaves it: password and second factor done."""
    host = next((name for name in settings.ALLOWED_HOSTS if name and "*" not in name), "localhost")
    client = Client(HTTP_HOST=host.lstrip("."))
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session_start(session)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client

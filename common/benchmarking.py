"""Helpers shared by the ``bench_*`` commands: a logged-in test client and a percentile."""

from __future__ import annotations

import math

from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.sessions import session_start
from organisations.models import User


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with ``fraction`` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(len(ordered) * fraction)) - 1]


def bench_client(user: User) -> Client:
    """An in-process client logged in as ``user``, past the second factor.

    ``force_login`` is a measurement shortcut past the login steps that lives only in
    the bench commands, never behind a URL. It writes a session, a last-login stamp and
    a TOTP device: call this inside a transaction that is rolled back.
    """
    host = next((name for name in settings.ALLOWED_HOSTS if name and "*" not in name), "localhost")
    client = Client(HTTP_HOST=host.lstrip("."))
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session_start(session)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client

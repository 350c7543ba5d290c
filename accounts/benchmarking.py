"""A client for the ``bench_*`` commands, logged in past the second factor."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from organisations.models import User

from .sessions import session_start


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

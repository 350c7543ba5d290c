"""Writes of the login flow: marking a session verified, checking codes, enrolling an app."""

from dataclasses import dataclass
from datetime import datetime

import django_otp
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.middleware.csrf import rotate_token
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from organisations.models import User

from . import totp
from .models import IdentityProviderDevice

PENDING_KEY = "wijkteam_pending_totp_key"


class AlreadyEnrolled(Exception):
    """The user already has a confirmed authenticator app; enrolling another would skip the code step."""


@dataclass(frozen=True)
class CodeCheck:
    device: TOTPDevice | None
    # Set when wrong codes have locked the device for a while.
    retry_after: datetime | None = None


def session_mark_verified(*, request: HttpRequest, device: Device) -> None:
    """The second factor is passed: remember the device and give the session a new key.

    A new key (and CSRF token) here means that a session identifier seen before
    the second step (say, on a shared computer) is worthless after it.
    """
    django_otp.login(request, device)
    request.session.cycle_key()
    rotate_token(request)


@transaction.atomic
def totp_verify(*, user: User, token: str) -> CodeCheck:
    # Locked so that two simultaneous submissions cannot both pass the replay
    # check (last_t) or slip past the throttle between its read and its write.
    devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update().order_by("pk"))
    for device in devices:
        allowed, details = device.verify_is_allowed()
        if not allowed:
            return CodeCheck(device=None, retry_after=(details or {}).get("locked_until"))
        if device.verify_token(token):
            return CodeCheck(device=device)
    return CodeCheck(device=None)


@transaction.atomic
def totp_enrol(*, user: User, key: str, token: str) -> TOTPDevice | None:
    """Link an authenticator app: saved only when the code from it is right, else nothing is saved."""
    # Lock the user row: two tabs confirming at once must not leave two devices.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        raise AlreadyEnrolled
    step = totp.token_matches(key=key, token=token)
    if step is None:
        return None
    TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
    device = TOTPDevice(
        user=user,
        name="authenticator",
        key=key,
        step=totp.STEP,
        digits=totp.DIGITS,
        tolerance=totp.TOLERANCE,
        confirmed=True,
        # The code just used may not be used again to log in.
        last_t=step,
    )
    device.full_clean()
    device.save()
    return device


@transaction.atomic
def identity_provider_verify(*, request: HttpRequest, user: User) -> bool:
    """After an OIDC login: the municipality's identity provider was the second factor.

    Returns False when an administrator has switched this route off for the user.
    """
    device, _created = IdentityProviderDevice.objects.get_or_create(
        user=user, defaults={"name": "identity provider", "confirmed": True}
    )
    if not device.confirmed:
        return False
    device.set_last_used_timestamp(commit=True)
    session_mark_verified(request=request, device=device)
    return True

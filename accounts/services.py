"""Writes of the login flow: marking a session verified, checking codes, enrolling an app; API tokens."""

import datetime as dt
import secrets
from dataclasses import dataclass
from datetime import datetime

import django_otp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.middleware.csrf import rotate_token
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from organisations.models import User
from privacy import policy
from privacy.actor import service

from . import totp
from .models import ApiToken, IdentityProviderDevice
from .querysets import secret_digest

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


# --- Personal API tokens ------------------------------------------------------------

API_TOKEN_DEFAULT_DAYS = 90
API_TOKEN_MAX_DAYS = 365
API_TOKEN_PREFIX = "wt_"  # noqa: S105 (not a secret: recognisable in a leaked file, for secret scanners)


@dataclass(frozen=True)
class NewApiToken:
    token: ApiToken
    secret: str  # shown once; only its hash is kept


def api_token_default_expiry(*, today: dt.date | None = None) -> dt.date:
    return (today or timezone.localdate()) + dt.timedelta(days=API_TOKEN_DEFAULT_DAYS)


@service
def language_choose(*, by: User, language: str) -> None:
    """Remember ``by``'s interface language for every later session and device (only a supported one)."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Choose one of the languages offered.")]})
    User.objects.filter(pk=by.pk).update(language=language)
    by.language = language


@service
def api_token_create(*, by: User, name: str, expires_on: dt.date) -> NewApiToken:
    """A token for ``by``, valid through ``expires_on`` (at most a year ahead); the secret is returned once."""
    today = timezone.localdate()
    if expires_on <= today:
        raise ValidationError({"expires_on": [_("Choose a date after today.")]})
    if expires_on > today + dt.timedelta(days=API_TOKEN_MAX_DAYS):
        raise ValidationError({"expires_on": [_("A token is valid for at most a year.")]})
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    # Valid through the whole last day, in the municipality's time zone.
    expires_at = timezone.make_aware(dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time.min))
    token = ApiToken(
        user=by,
        name=name.strip(),
        prefix=secret[:10],
        secret_hash=secret_digest(secret),
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return NewApiToken(token=token, secret=secret)


@service
def api_token_revoke(*, by: User, token: ApiToken) -> ApiToken:
    """Revoke a token (your own; an administrator any); it stops working at once. Revoking twice changes nothing."""
    if token.user_id != by.pk and not policy.may_revoke_any_api_token(by):
        raise PermissionDenied
    # Locked so that a revocation and a concurrent one do not both write history.
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.full_clean()
        token.save(update_fields=["revoked_at"])
    return token

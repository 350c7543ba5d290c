"""Reads about a user's second factor and API tokens."""

from __future__ import annotations

import datetime
import hashlib
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from organisations.models import User
from privacy.policy import account_in_force_condition

if TYPE_CHECKING:
    from .models import ApiToken  # noqa: F401


def has_authenticator(user: User) -> bool:
    """Has the user linked an authenticator app (a confirmed TOTP device)?"""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def of(self, user: User) -> ApiTokenQuerySet:
        return self.filter(user_id=user.pk)

    def usable(self, *, now: datetime.datetime | None = None) -> ApiTokenQuerySet:
        """Not revoked, not expired, and its owner's account still in force (policy.account_in_force_condition)."""
        moment = now or timezone.now()
        return self.filter(Q(revoked_at__isnull=True), Q(expires_at__gt=moment), account_in_force_condition("user__"))

    def for_secret(self, secret: str) -> ApiTokenQuerySet:
        """The token a presented secret belongs to, with its owner, in one query."""
        return self.filter(secret_hash=secret_digest(secret)).select_related("user", "user__organisation")

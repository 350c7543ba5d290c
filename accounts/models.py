import datetime
import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, DeviceManager, TimestampMixin
from simple_history.models import HistoricalRecords

from privacy.actor import history_user

from .querysets import ApiTokenQuerySet


class IdentityProviderDeviceManager(DeviceManager, models.Manager["IdentityProviderDevice"]):
    """django-otp's manager; the typed base lets django-stubs type the user's related manager."""


class IdentityProviderDevice(TimestampMixin, Device):
    """The municipality's identity provider, as the second factor of a user who logs in with OIDC.

    A django-otp device so that ``request.user.is_verified()`` means the same for
    both routes. It verifies no codes itself: the identity provider did that
    (and, with OIDC_REQUIRE_MFA_CLAIM, said so in the ID token). An administrator
    who unticks ``confirmed`` stops this route for that user.
    """

    objects = IdentityProviderDeviceManager()
    # django-stubs cannot see through django-otp's untyped base classes; say it here.
    _default_manager: ClassVar[IdentityProviderDeviceManager]

    class Meta:
        verbose_name = _("identity provider login")
        verbose_name_plural = _("identity provider logins")
        constraints = [models.UniqueConstraint(fields=["user"], name="identity_provider_device_one_per_user")]

    def verify_token(self, token: object) -> bool:
        return False


class ApiToken(models.Model):
    """A personal API token: its owner acts through the API as if logged in, within the same access policy.

    Only a SHA-256 hash of the secret is stored; the secret is shown once, when
    the token is made. The secret is 256 random bits, so a fast hash suffices
    (no password stretching is needed against guessing). Every token expires.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What you use this token for."))
    # The first characters of the secret, shown in lists so the owner can tell tokens apart.
    prefix = models.CharField(_("starts with"), max_length=12, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    history = HistoricalRecords(get_user=history_user, excluded_fields=["last_used_at"])

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="api_token_expires_after_creation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, *, now: datetime.datetime | None = None) -> bool:
        moment = now or timezone.now()
        return self.revoked_at is None and self.expires_at > moment

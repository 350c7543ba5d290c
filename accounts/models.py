from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, DeviceManager, TimestampMixin


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

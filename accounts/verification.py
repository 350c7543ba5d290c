"""Whether a request has passed the second factor: the one question every guard asks."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser


def is_verified(user: AbstractBaseUser | AnonymousUser) -> bool:
    """True when django-otp's middleware found a confirmed device for this session.

    A TOTP code or the municipality's identity provider (accounts.models.
    IdentityProviderDevice) both count. Without the middleware the answer is no.
    """
    check = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and check is not None and check())

"""Reads about a user's second factor."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from organisations.models import User


def has_authenticator(user: User) -> bool:
    """Has the user linked an authenticator app (a confirmed TOTP device)?"""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()

"""Where a half-logged-in user goes next: the code step, or enrolment when no app is linked yet."""

from urllib.parse import urlencode

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.urls import reverse

from organisations.models import User

from .querysets import has_authenticator


def second_step_url(user: User, next_url: str = "") -> str:
    url = reverse("login_verify" if has_authenticator(user) else "login_enrol")
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url

"""The address a login attempt came from, for django-axes' lockout."""

from django.conf import settings
from django.http import HttpRequest


def client_ip_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address our own proxies put in X-Forwarded-For.

    Each trusted proxy appends the address it received the request from, so the
    client is the n-th entry from the right. Entries further left were written
    by the client and are never believed: otherwise a new made-up address per
    attempt would escape the lockout.
    """
    proxies = settings.WIJKTEAM_TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR", "")
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]

"""API authentication by personal token: ``Authorization: Bearer <secret>``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from organisations.models import User

from .models import ApiToken

# last_used_at is a hint for the owner, not an audit trail (the access log is that):
# writing it at most this often keeps most API requests free of a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """A request with a bearer token acts as the token's owner; any fault in the token is a 401.

    The token is refused when it is unknown, revoked or expired, when its owner's
    account is disabled, or when a role that works in a team has no team today
    (``privacy.policy.account_in_force_condition``). All of that is checked on
    every request, in the same query that finds the token, so ending an account
    or a membership ends its tokens at once.
    """

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: the session may authenticate the request
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after Bearer, without spaces."))
        try:
            secret = header[1].decode()
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from error
        now = timezone.now()
        token = ApiToken.objects.usable(now=now).for_secret(secret).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid, has expired or has been revoked."))
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes the bearer token in the OpenAPI schema (drf-spectacular finds it on import)."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer")  # noqa: S106 (a scheme name, not a secret)

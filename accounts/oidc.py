"""Optional login with the municipality's identity provider (OpenID Connect, mozilla-django-oidc).

On only when OIDC_RP_CLIENT_ID is set (settings.WIJKTEAM_OIDC_ENABLED). Only
existing, active accounts can log in this way, matched on one claim; nobody is
registered by logging in. The identity provider supplies the second factor; with
OIDC_REQUIRE_MFA_CLAIM set, its ID token must say that it did.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, SuspiciousOperation
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from organisations.models import User

from .services import identity_provider_verify
from .sessions import session_start

logger = logging.getLogger(__name__)

MATCH_CLAIMS = {"email": "email__iexact", "preferred_username": "username"}


@dataclass(frozen=True)
class MfaRequirement:
    """Which ID-token claim must show a multi-factor login, and with which values (any one suffices)."""

    claim: str
    values: frozenset[str]

    def is_met_by(self, claims: Mapping[str, Any]) -> bool:
        value = claims.get(self.claim)
        given = {value} if isinstance(value, str) else set(value) if isinstance(value, list | tuple) else set()
        return bool(given & self.values)


def parse_mfa_requirement(text: str) -> MfaRequirement | None:
    """'' → none; 'amr' → amr contains 'mfa' (RFC 8176); 'amr=mfa,hwk' or 'acr=urn:…' → one of those."""
    text = text.strip()
    if not text:
        return None
    claim, _sep, values = text.partition("=")
    claim = claim.strip()
    if claim not in {"amr", "acr"}:
        raise ImproperlyConfigured(f"OIDC_REQUIRE_MFA_CLAIM must name the amr or acr claim, not {claim!r}")
    wanted = frozenset(value.strip() for value in values.split(",") if value.strip())
    if not wanted:
        if claim == "acr":
            raise ImproperlyConfigured("OIDC_REQUIRE_MFA_CLAIM=acr needs the accepted values: acr=value,…")
        wanted = frozenset({"mfa"})
    return MfaRequirement(claim=claim, values=wanted)


def users_matching_claims(claims: Mapping[str, Any], *, claim: str) -> QuerySet[User]:
    """Active accounts whose username or e-mail address is the claim's value; none when in doubt."""
    users: QuerySet[User] = get_user_model()._default_manager.filter(is_active=True)
    lookup = MATCH_CLAIMS.get(claim)
    if lookup is None:
        raise ImproperlyConfigured(f"OIDC_MATCH_CLAIM must be one of {', '.join(MATCH_CLAIMS)}, not {claim!r}")
    value = claims.get(claim)
    if not isinstance(value, str) or not value.strip():
        return users.none()
    if claim == "email" and claims.get("email_verified") is False:
        # An address the identity provider has not checked names nobody.
        return users.none()
    return users.filter(**{lookup: value.strip()})


class MunicipalityOIDCBackend(OIDCAuthenticationBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.match_claim = settings.OIDC_MATCH_CLAIM
        self.mfa_requirement = parse_mfa_requirement(settings.OIDC_REQUIRE_MFA_CLAIM)

    def verify_claims(self, claims: Mapping[str, Any]) -> bool:
        return bool(claims.get(self.match_claim))

    def filter_users_by_claims(self, claims: Mapping[str, Any]) -> QuerySet[User]:
        return users_matching_claims(claims, claim=self.match_claim)

    def create_user(self, claims: Mapping[str, Any]) -> User:
        raise PermissionDenied("Accounts are made by the functional administrator, never by logging in.")

    def get_or_create_user(self, access_token: str, id_token: str, payload: Mapping[str, Any]) -> User | None:
        # mozilla-django-oidc does not check the audience; a token for another client is not ours.
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token audience is not this client")
        # acr and amr are ID-token claims (OpenID Connect Core 2); userinfo is not asked.
        if self.mfa_requirement is not None and not self.mfa_requirement.is_met_by(payload):
            logger.warning("OIDC login refused: the ID token shows no multi-factor login")
            return None
        user: User | None = super().get_or_create_user(access_token, id_token, payload)
        return user

    def get_user(self, user_id: int) -> User | None:
        # mozilla-django-oidc's get_user would return a disabled account; ModelBackend's does not.
        user: User | None = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class MunicipalityLoginView(OIDCAuthenticationRequestView):
    """Sends the browser to the identity provider (with state, nonce and PKCE)."""

    def get(self, request: HttpRequest) -> HttpResponseBase:
        if not settings.WIJKTEAM_OIDC_ENABLED:
            raise Http404
        response: HttpResponseBase = super().get(request)
        return response


class MunicipalityCallbackView(OIDCAuthenticationCallbackView):
    """Where the identity provider sends the browser back; logs in and counts as the second factor."""

    def get(self, request: HttpRequest) -> HttpResponseBase:
        if not settings.WIJKTEAM_OIDC_ENABLED:
            raise Http404
        response: HttpResponseBase = super().get(request)
        return response

    def login_success(self) -> HttpResponse:
        response: HttpResponse = super().login_success()  # django.contrib.auth.login: a new session key
        session_start(self.request.session)
        if not identity_provider_verify(request=self.request, user=self.user):
            # Logged in, not verified: the middleware sends them on to the code step.
            logger.info("OIDC login of user %s: identity-provider route switched off", self.user.pk)
        return response

    def login_failure(self) -> HttpResponse:
        messages.error(
            self.request, _("Logging in with your municipality did not succeed. Try again or use your password.")
        )
        return redirect("login")

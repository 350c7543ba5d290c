"""Guards that hold for every request, so that a view written as merely @login_required is safe too."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from organisations.models import User

from .flow import second_step_url
from .sessions import session_expired, session_touch
from .verification import is_verified

API_PREFIX = "/api/"

GetResponse = Callable[[HttpRequest], HttpResponseBase]


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _redirect(request: HttpRequest, url: str) -> HttpResponseBase:
    # htmx would swap a followed redirect into part of the page; make it load the whole page instead.
    return HttpResponseClientRedirect(url) if _is_htmx(request) else HttpResponseRedirect(url)


class NoStoreMiddleware:
    """Personal data only ever appears behind login, so nothing a logged-in user sees may be cached.

    Not by the browser (a shared computer's back button, its disk cache) and not by a proxy.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # Asked before and after: logging out turns the user anonymous half-way.
        authenticated = request.user.is_authenticated
        response = self.get_response(request)
        if authenticated or request.user.is_authenticated:
            add_never_cache_headers(response)
        return response


class SessionTimeoutMiddleware:
    """Ends a session after WIJKTEAM_SESSION_IDLE_SECONDS idle, or WIJKTEAM_SESSION_ABSOLUTE_SECONDS after login."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            now = time.time()
            if session_expired(request.session, now=now):
                logout(request)
                if _is_api(request):
                    return JsonResponse({"detail": _("Your session has expired. Log in again.")}, status=401)
                messages.warning(request, _("Your session has expired. Log in again."))
                return _redirect(request, redirect_to_login(request.get_full_path()).url)
            session_touch(request.session, now=now)
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """After the password, only the login steps are open until the second factor is passed.

    Also open: logout, the language switch, static files and the health probes.
    Everything else redirects to the code step (or to enrolment); the API answers 403.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and not is_verified(user) and not self._is_open(request.path):
            if _is_api(request):
                return JsonResponse({"detail": _("Log in with your second factor first.")}, status=403)
            assert isinstance(user, User)
            next_url = request.get_full_path() if request.method == "GET" else ""
            return _redirect(request, second_step_url(user, next_url))
        return self.get_response(request)

    @staticmethod
    def _is_open(path: str) -> bool:
        # Every login step lives under the password step's URL (/inloggen/…).
        prefixes = (reverse("login"), "/" + settings.STATIC_URL.lstrip("/"))
        exact = (reverse("logout"), reverse("set_language"), reverse("healthz"), reverse("readyz"))
        return path in exact or path.startswith(prefixes)


class ChosenLanguageMiddleware(LocaleMiddleware):
    """The interface is Dutch unless the user chose English: a browser's Accept-Language never decides.

    The choice is the logged-in user's stored language, else the language cookie that the
    language switch sets (the login page before anyone is known), else ``LANGUAGE_CODE``.
    Placed after the authentication middleware, so that the user is known.
    """

    def process_request(self, request: HttpRequest) -> None:
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()


def chosen_language(request: HttpRequest) -> str:
    supported = dict(settings.LANGUAGES)
    user = getattr(request, "user", None)
    stored = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
    if stored in supported:
        return stored
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return cookie if cookie in supported else settings.LANGUAGE_CODE

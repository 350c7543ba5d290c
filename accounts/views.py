"""The login steps: password (/inloggen/), code (/inloggen/verificatie/), enrolment (/inloggen/koppelen/)."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, RedirectURLMixin, redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils import formats, timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from organisations.models import User

from . import totp
from .flow import second_step_url
from .forms import CodeForm, LoginForm
from .querysets import has_authenticator
from .services import (
    PENDING_KEY,
    AlreadyEnrolled,
    language_choose,
    session_mark_verified,
    totp_enrol,
    totp_verify,
)
from .sessions import session_start
from .verification import is_verified


class PasswordStepView(LoginView):
    """Step 1: username and password (argon2; every attempt counted by django-axes)."""

    template_name = "accounts/login.html"
    form_class = LoginForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            if is_verified(request.user):
                return HttpResponseRedirect(self.get_success_url())
            assert isinstance(request.user, User)
            return redirect(second_step_url(request.user, self.get_redirect_url()))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        auth_login(self.request, user)  # a new session key, and a new CSRF token
        session_start(self.request.session)
        return redirect(second_step_url(user, self.get_redirect_url()))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "oidc_enabled": settings.WIJKTEAM_OIDC_ENABLED}


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: object = None
) -> HttpResponse:
    """django-axes' lockout response: exactly what a wrong password gets.

    The login view has already answered with the failed form (a locked-out
    attempt fails like any other), so that answer is passed on unchanged.
    """
    if isinstance(original_response, HttpResponse):
        return original_response
    # django-axes' async path calls without the original response.
    context = {"form": LoginForm.failed(request), "next": "", "oidc_enabled": settings.WIJKTEAM_OIDC_ENABLED}
    return render(request, PasswordStepView.template_name, context)


@method_decorator([never_cache, sensitive_post_parameters("token")], name="dispatch")
class SecondStepView(RedirectURLMixin, FormView):
    """What the code step and enrolment share: only for a logged-in, not yet verified user."""

    form_class = CodeForm
    next_page = settings.LOGIN_REDIRECT_URL
    # The code step is for users with a linked app, enrolment for users without one.
    for_users_with_authenticator: bool

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(self.get_redirect_url() or resolve_url(settings.LOGIN_REDIRECT_URL))
        if is_verified(user):
            return HttpResponseRedirect(self.get_success_url())
        assert isinstance(user, User)
        if has_authenticator(user) != self.for_users_with_authenticator:
            return redirect(second_step_url(user, self.get_redirect_url()))
        self.user = user
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), self.redirect_field_name: self.get_redirect_url()}


class CodeStepView(SecondStepView):
    """Step 2: the code from the user's authenticator app (wrong codes slow down exponentially)."""

    template_name = "accounts/verify.html"
    for_users_with_authenticator = True

    def form_valid(self, form: CodeForm) -> HttpResponse:
        check = totp_verify(user=self.user, token=form.cleaned_data["token"])
        if check.device is None:
            if check.retry_after is not None:
                moment = formats.time_format(timezone.localtime(check.retry_after), "H:i:s")
                message = _("Too many wrong codes. Try again with a new code after %(time)s.") % {"time": moment}
            else:
                message = _(
                    "This code is not right. Check that the time on your phone is correct, and try the newest code."
                )
            form.add_error("token", message)
            return self.form_invalid(form)
        session_mark_verified(request=self.request, device=check.device)
        return HttpResponseRedirect(self.get_success_url())


class EnrolView(SecondStepView):
    """First login: link an authenticator app by scanning a QR code, then confirm with a code from it."""

    template_name = "accounts/enrol.html"
    for_users_with_authenticator = False

    def pending_key(self) -> str:
        """The key on offer, kept in the session (not the database) until a code confirms it."""
        key = self.request.session.get(PENDING_KEY)
        if not isinstance(key, str):
            key = totp.new_key()
            self.request.session[PENDING_KEY] = key
        return key

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        key = self.pending_key()
        uri = totp.otpauth_uri(key=key, account=self.user.get_username())
        return {
            **super().get_context_data(**kwargs),
            "qr_code": totp.qr_svg(uri, label=_("QR code to scan with your authenticator app")),
            "secret": totp.grouped(totp.key_to_base32(key)),
        }

    def form_valid(self, form: CodeForm) -> HttpResponse:
        try:
            device = totp_enrol(user=self.user, key=self.pending_key(), token=form.cleaned_data["token"])
        except AlreadyEnrolled:
            return redirect(second_step_url(self.user, self.get_redirect_url()))
        if device is None:
            message = _(
                "This code is not right. Check that the time on your phone is correct, and try the newest code."
            )
            form.add_error("token", message)
            return self.form_invalid(form)
        del self.request.session[PENDING_KEY]
        session_mark_verified(request=self.request, device=device)
        messages.success(
            self.request, _("Your authenticator app is linked. From now on you log in with a code from it.")
        )
        return HttpResponseRedirect(self.get_success_url())


def set_language(request: HttpRequest) -> HttpResponseBase:
    """Django's language switch (cookie and redirect back), and for a logged-in user the choice remembered."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and request.user.is_authenticated and language in dict(settings.LANGUAGES):
        language_choose(by=request.user, language=language)
    return response

import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# One message for an unknown user, a wrong password, a disabled account and a
# lockout, so the answer never tells which (issue 4).
LOGIN_FAILED = _(
    "Enter a correct username and password. After too many failed attempts, logging in is blocked for a while."
)


class LoginForm(AuthenticationForm):
    error_messages = {"invalid_login": LOGIN_FAILED, "inactive": LOGIN_FAILED}

    @classmethod
    def failed(cls, request: HttpRequest) -> "LoginForm":
        """An unbound form that carries the failure message, without authenticating again."""
        form = cls(request)
        form.cleaned_data = {}  # add_error expects it; an unbound form never cleans
        form.add_error(None, forms.ValidationError(LOGIN_FAILED, code="invalid_login"))
        return form


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        help_text=_("The 6 digits your authenticator app shows now."),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self) -> str:
        token = re.sub(r"\s", "", self.cleaned_data["token"])
        if not re.fullmatch(r"\d{6}", token):
            raise forms.ValidationError(_("Enter the 6 digits from your authenticator app."), code="format")
        return token


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        help_text=_("What you use this token for, so you recognise it later."),
        max_length=100,
    )
    expires_on = forms.DateField(
        label=_("Valid through"),
        help_text=_("At most a year from today."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ProfileForm(forms.Form):
    """What a user keeps up to date themselves: the work phone number colleagues see on the cases they share."""

    phone = forms.CharField(
        label=_("Work phone number"),
        max_length=20,
        required=False,
        help_text=_("The number colleagues and partners call you on, for example 030 123 45 67 or 06 12345678."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

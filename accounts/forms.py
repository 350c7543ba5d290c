import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

# One message for an unknown user, a wrong password and a disabled account,
# so the answer never tells which (issue 4).
LOGIN_FAILED = _("Enter a correct username and password.")


class LoginForm(AuthenticationForm):
    error_messages = {"invalid_login": LOGIN_FAILED, "inactive": LOGIN_FAILED}


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        help_text=_("The 6 digits your authenticator app shows now."),
        max_length=20,
    )

    def clean_token(self) -> str:
        token = re.sub(r"\s", "", self.cleaned_data["token"])
        if not re.fullmatch(r"\d{6}", token):
            raise forms.ValidationError(_("Enter the 6 digits from your authenticator app."), code="format")
        return token

"""The account area's API tokens: list mine, make one (its secret shown once), revoke one.

The second-factor middleware keeps these pages closed to a password-only session.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.forms import apply_errors
from common.http import AuthenticatedHttpRequest

from .forms import ApiTokenForm
from .models import ApiToken
from .services import NewApiToken, api_token_create, api_token_default_expiry, api_token_revoke


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None, initial={"expires_on": api_token_default_expiry()})
    created: NewApiToken | None = None
    if request.method == "POST" and form.is_valid():
        try:
            created = api_token_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(error, form)
        else:
            # Rendered, not redirected: the secret must never be kept in the session to show it later.
            form = ApiTokenForm(initial={"expires_on": api_token_default_expiry()})
    tokens = ApiToken.objects.of(request.user)
    return render(request, "accounts/api_tokens.html", {"form": form, "tokens": tokens, "created": created})


@login_required
@require_POST
def api_token_revoke_view(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.of(request.user), uuid=uuid)
    api_token_revoke(by=request.user, token=token)
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("api_tokens")

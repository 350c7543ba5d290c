"""My profile: the contact details the other professionals on my cases see (issue 15, item 7)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.forms import apply_errors
from common.http import AuthenticatedHttpRequest

from .forms import ProfileForm
from .services import profile_update


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, initial={"phone": user.phone})
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(user=user, by=user, phone=form.cleaned_data["phone"])
        except ValidationError as error:
            apply_errors(error, form)
        else:
            messages.success(request, _("Your contact details are saved."))
            return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form, "profile_user": user})

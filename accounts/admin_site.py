"""The admin site (/beheer/) asks for the same two login steps as every other page."""

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.db.models.base import ModelBase
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from privacy.admin_door import guarded

from .verification import is_verified


class VerifiedAdminSite(admin.AdminSite):
    def register(
        self,
        model_or_iterable: type[Model] | Iterable[type[Model]],
        admin_class: type[admin.ModelAdmin] | None = None,
        **options: Any,
    ) -> None:
        """Every admin of a model with personal data gets the privacy door in front (``privacy/admin_door.py``)."""
        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else list(model_or_iterable)
        for model in models:
            super().register(model, guarded(model, admin_class or admin.ModelAdmin), **options)

    def has_permission(self, request: HttpRequest) -> bool:
        # SecondFactorRequiredMiddleware already stops unverified sessions; this
        # keeps the admin closed should the middleware ever be left out.
        return super().has_permission(request) and is_verified(request.user)

    def login(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        """No second login form: anonymous visitors go through /inloggen/, others are refused."""
        if request.user.is_authenticated:
            # Logged in (and, past the middleware, verified) but not staff.
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))

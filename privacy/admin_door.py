"""The admin site (/beheer/) as a door to personal data, like every screen and the API.

Every admin of a model with personal data (``personal_data.PERSONAL_DATA``) gets :class:`PersonalDataDoor`
in front of it when it is registered (``accounts.admin_site.VerifiedAdminSite.register``), so no model can
be registered without it:

- the lists and pages start from the admin's queryset, which for casework is the access policy's
  (``policy.visible``; the admin classes of cases and funding), and from the admin site's own rule
  (``policy.may_use_admin_site``) and the model permissions;
- a list logs the rows it shows (one row per object, in one INSERT), an object's page (change, history,
  delete) logs the object, each with its processing activity, derived from the model and the reader's role
  (``register.activities_for_model``);
- an object the reader may not see is a logged 404 (Django's admin would redirect to its index with
  "does not exist", which also says nothing, but logs nothing), one they may see without the permission to
  open it a logged 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse

from . import access_log, register
from .personal_data import PERSONAL_DATA


def holds_personal_data(model: type[models.Model]) -> bool:
    return model._meta.label_lower in PERSONAL_DATA


def admin_activity(label: str, role: str) -> str:
    """The activity of an admin read: the register's activity for this model that the reader's role serves,
    else the one derived from the role (``access_log.record`` then asks ``register.activity_for``)."""
    for entry in register.activities_for_model(label):
        if role in entry.roles:
            return entry.code
    return ""


class PersonalDataDoor:
    """Put in front of a ``ModelAdmin`` (first base): logs every read and answers an unseen object with 404."""

    model: type[models.Model]
    # What the log says was read; the access log's own admin keeps "access log (admin)" (its officer's activity).
    log_detail = ""

    def _detail(self, page: str) -> str:
        return self.log_detail or f"admin {self.model._meta.label_lower} {page}"

    def _log(
        self,
        request: HttpRequest,
        subjects: list[access_log.Subject],
        *,
        page: str,
        outcome: str = access_log.Outcome.ALLOWED,
        action: str = access_log.Action.READ,
    ) -> None:
        label = self.model._meta.label_lower
        access_log.record_many(
            user=request.user,
            action=action,
            subjects=subjects or [access_log.Subject(object_type=label)],
            outcome=outcome,
            request=request,
            detail=self._detail(page),
            activity="" if outcome == access_log.Outcome.REFUSED else admin_activity(label, _role(request)),
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        try:
            response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        except PermissionDenied:
            self._log(request, [], page="list", outcome=access_log.Outcome.REFUSED, action=access_log.Action.SEARCH)
            raise
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            # The page's rows, read once: the template iterates the same evaluated queryset.
            shown = list(changelist.result_list)
            self._log(
                request, [access_log.subject_for(obj) for obj in shown], page="list", action=access_log.Action.SEARCH
            )
        return response

    def _door(self, request: HttpRequest, object_id: str, *, page: str, action: str = access_log.Action.READ) -> None:
        """The object's page: permitted, visible (the admin's queryset), or a logged 403 / 404.

        Without the model's permission it is a 403 whether or not the object exists (as Django's change page)."""
        if not self.has_view_or_change_permission(request):  # type: ignore[attr-defined]
            self._log(request, [], page=page, outcome=access_log.Outcome.REFUSED, action=action)
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if obj is None:
            self._log(
                request,
                [access_log.subject_for(self._unscoped(object_id))],
                page=page,
                outcome=access_log.Outcome.REFUSED,
                action=action,
            )
            raise Http404
        allowed = (
            self.has_delete_permission(request, obj)  # type: ignore[attr-defined]
            if page == "delete"
            else self.has_view_or_change_permission(request, obj)  # type: ignore[attr-defined]
        )
        if not allowed:
            self._log(
                request, [access_log.subject_for(obj)], page=page, outcome=access_log.Outcome.REFUSED, action=action
            )
            raise PermissionDenied
        self._log(request, [access_log.subject_for(obj)], page=page, action=action)

    def _unscoped(self, object_id: str) -> models.Model | None:
        """The object aimed at, found without the policy, for the refused row only (never shown)."""
        try:
            return self.model._default_manager.filter(pk=unquote(object_id)).first()
        except (ValueError, TypeError, ValidationError):
            return None

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        self._door(request, object_id, page="change")
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        self._door(request, object_id, page="history")
        return super().history_view(request, object_id, extra_context)  # type: ignore[misc]

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        self._door(
            request,
            object_id,
            page="delete",
            action=access_log.Action.DELETE if request.method == "POST" else access_log.Action.READ,
        )
        return super().delete_view(request, object_id, extra_context)  # type: ignore[misc]


def _role(request: HttpRequest) -> str:
    return str(getattr(request.user, "role", "") or "")


def guarded(model: type[models.Model], admin_class: type) -> type:
    """``admin_class`` with the door in front when ``model`` holds personal data (else unchanged)."""
    if not holds_personal_data(model) or issubclass(admin_class, PersonalDataDoor):
        return admin_class
    return type(admin_class.__name__, (PersonalDataDoor, admin_class), {"__module__": admin_class.__module__})

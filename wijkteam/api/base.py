from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from privacy import access_log
from privacy.access import get_visible_or_404
from wijkteam.errors import DATABASE_UNREACHABLE, RETRY_AFTER_SECONDS

from .pagination import CursorPagination

logger = logging.getLogger(__name__)


def code_ref(**kwargs: Any) -> serializers.SlugRelatedField[Any]:
    """A reference by code (themes, silos, areas, instruments): read-only unless a queryset is given."""
    if "queryset" not in kwargs:
        kwargs.setdefault("read_only", True)
    return serializers.SlugRelatedField(slug_field="code", **kwargs)


class StrictSerializerMixin:
    """Reject unknown and read-only fields in a write (no mass assignment), with a clear message per field."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}  # type: ignore[attr-defined]
            unexpected = sorted(set(data) - writable)
            if unexpected:
                raise serializers.ValidationError(
                    {name: ["This field is unknown or read-only."] for name in unexpected}
                )
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(StrictSerializerMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    pass


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Services speak Django (ValidationError, PermissionDenied); the API answers in DRF's shape.

    A database out of reach is a 503 the client may retry. Anything else this does not know
    goes on to Django, which logs it; ``wijkteam.errors`` then answers it as JSON.
    """
    if isinstance(exc, DATABASE_UNREACHABLE):
        logger.warning("The database cannot be reached", exc_info=exc)
        return Response(
            {"detail": _("The service is temporarily unavailable. Try again in a moment.")},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)


class PolicyScopedViewSet(viewsets.GenericViewSet):
    """Every queryset starts from ``visible_to(user)``; every read is logged; unseen objects are a logged 404.

    Subclasses set ``model`` and may narrow ``base_queryset`` (select_related,
    prefetches). Lookups are by UUID.
    """

    model: ClassVar[type[models.Model]]
    lookup_field = "uuid"
    pagination_class = CursorPagination

    def base_queryset(self) -> models.QuerySet[Any]:
        return self.model._default_manager.all()

    def scope(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """The policy's door; a viewset whose model has another policy door overrides this."""
        return queryset.visible_to(self.request.user)  # type: ignore[attr-defined]

    def get_queryset(self) -> models.QuerySet[Any]:
        return self.scope(self.base_queryset())

    def get_object(self) -> Any:
        action = access_log.Action.READ if self.request.method == "GET" else access_log.Action.UPDATE
        obj = self.visible_object(action=action)
        self.check_object_permissions(self.request, obj)
        return obj

    def visible_object(self, *, action: str, log_read: bool = True) -> Any:
        """The object the URL names, through the policy's door: a logged 404 when unseen or malformed.

        ``log_read=False`` logs only a refusal; the caller logs what it then does with the object.
        """
        lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
        try:
            return get_visible_or_404(
                self.base_queryset(), self.request, action=action, scope=self.scope, log_read=log_read, **lookup
            )
        except (DjangoValidationError, ValueError) as error:  # a malformed UUID
            raise Http404 from error

    def log_listed(self, objects: Sequence[models.Model]) -> None:
        access_log.record_many(
            user=self.request.user,
            action=access_log.Action.READ,
            subjects=[access_log.subject_for(obj) for obj in objects],
            request=self.request,
            detail=f"list {self.basename}",
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        assert page is not None  # every personal-data list is paginated
        self.log_listed(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self.get_object()).data)


class ReportSchema(AutoSchema):
    """A report answers one object at its collection URL; without this the schema would promise a list."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False

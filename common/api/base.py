from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.http import DATABASE_UNREACHABLE, RETRY_AFTER_SECONDS

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
                    {name: [_("This field is unknown or read-only.")] for name in unexpected}
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


class ReportSchema(AutoSchema):
    """A report answers one object at its collection URL; without this the schema would promise a list."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False

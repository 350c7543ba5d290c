"""The API's door to personal data, as ``privacy.access.get_visible_or_404`` is the screens'."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.pagination import CursorPagination
from privacy import access_log, policy
from privacy.access import get_visible_or_404


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
        return policy.visible(queryset, self.request.user)

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

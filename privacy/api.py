"""The API's door to personal data, as ``privacy.access.get_visible_or_404`` is the screens'.

A viewset marked ``purpose_bound`` serves one household's data: a team lead who reads a household they do
not work on gives the reason in the ``X-Wijkteam-Reason`` header (``privacy/purpose.py``), on every request,
or gets a 403 with code ``reason_required`` and the reasons to choose from; the rows of that read carry the
activity ``team-supervision`` and the reason. The schema documents the header and the 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.pagination import CursorPagination, KeysFirst
from common.api.rows import Rows
from privacy import access_log, policy, purpose
from privacy.access import get_visible_or_404

REASON_DESCRIPTION = (
    "The reason for a read outside the reader's usual purpose: needed when a team lead reads a household "
    "they do not work on themselves (no active involvement in its cases). One of the codes "
    + ", ".join(code for code, _label in purpose.REASONS)
    + ', or "other: " followed by a short explanation without names (UTF-8 may be percent-encoded). '
    "Sent on every such request (the API keeps no session); without it the answer is 403 with code "
    "reason_required and the reasons to choose from, a malformed one is 400 with code reason_invalid. "
    "The reason is written on the access-log rows of that read, where the privacy officer sees it."
)


class ReasonRequired(exceptions.APIException):
    status_code = 403
    default_code = "reason_required"

    def __init__(self) -> None:
        super().__init__(
            {
                "code": self.default_code,
                "detail": _(
                    "You do not work on this household yourself. Give the reason for this read in the "
                    "X-Wijkteam-Reason header: one of the codes below, or “other: ” followed by a short "
                    "explanation without names."
                ),
                "reasons": purpose.reason_choices(),
            }
        )


class ReasonInvalid(exceptions.APIException):
    status_code = 400
    default_code = "reason_invalid"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(
            {
                "code": self.default_code,
                "detail": _("The reason in the X-Wijkteam-Reason header is not valid."),
                "errors": errors,
                "reasons": purpose.reason_choices(),
            }
        )


class PurposeBoundSchema(AutoSchema):
    """Documents the reason header and the 403 on every operation that reads existing household data."""

    def _reads_existing(self) -> bool:
        return bool(getattr(self.view, "purpose_bound", False)) and not (
            self.method == "POST" and getattr(self.view, "action", "") == "create"
        )

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self._reads_existing():
            parameters.append(
                OpenApiParameter(
                    purpose.REASON_HEADER, str, OpenApiParameter.HEADER, required=False, description=REASON_DESCRIPTION
                )
            )
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        if direction == "response" and self._reads_existing():
            reason = {"type": "object", "properties": {"code": {"type": "string"}, "label": {"type": "string"}}}
            body = {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "enum": ["reason_required", "reason_invalid"]},
                    "detail": {"type": "string"},
                    "errors": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                    "reasons": {"type": "array", "items": reason},
                },
                "required": ["code", "detail", "reasons"],
            }
            content = {"content": {"application/json": {"schema": body}}}
            responses["403"] = {"description": "A read outside the usual purpose without a reason.", **content}
            # A 400 may also be the endpoint's own (an unknown filter, a bad cursor): only the reason's
            # shape is described, nothing of it required.
            invalid = {key: value for key, value in body.items() if key != "required"}
            responses.setdefault(
                "400",
                {
                    "description": "The request is not valid, for example the reason.",
                    "content": {"application/json": {"schema": invalid}},
                },
            )
        return responses


class PolicyScopedViewSet(viewsets.GenericViewSet):
    """Every queryset starts from ``visible_to(user)``; every read is logged; unseen objects are a logged 404.

    Subclasses set ``model`` and may narrow ``base_queryset`` (select_related,
    prefetches). Lookups are by UUID.
    """

    model: ClassVar[type[models.Model]]
    lookup_field = "uuid"
    pagination_class = CursorPagination
    schema = PurposeBoundSchema()
    # One household's data: a team lead outside their own work gives the reason (see the module).
    purpose_bound: ClassVar[bool] = False
    # The processing activity of this endpoint's reads, when not derived from the role (register.activity_for).
    activity: ClassVar[str] = ""
    # How the list writes its page: the serializer's rows without DRF's round per field (common/api/rows.py).
    list_rows: ClassVar[Rows | None] = None

    def base_queryset(self) -> models.QuerySet[Any]:
        return self.model._default_manager.all()

    def list_queryset(self) -> models.QuerySet[Any]:
        """The list's rows before the policy: ``base_queryset`` unless the list reads its references otherwise.

        A list whose ``list_rows`` takes references as annotations reads them here for its page only, so the
        related rows are neither joined to every candidate row before the sort nor loaded as objects.
        """
        return self.base_queryset()

    def scope(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """The policy's door; a viewset whose model has another policy door overrides this."""
        return policy.visible(queryset, self.request.user)

    def get_queryset(self) -> models.QuerySet[Any]:
        return self.scope(self.list_queryset() if self.action == "list" else self.base_queryset())

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
            obj = get_visible_or_404(
                self.base_queryset(), self.request, action=action, scope=self.scope, log_read=False, **lookup
            )
        except (DjangoValidationError, ValueError) as error:  # a malformed UUID
            raise Http404 from error
        subjects = [access_log.subject_for(obj)]
        purposes = self.read_purposes(subjects)  # a missing reason answers 403 before anything is read
        if log_read:
            self.log_reads(action, subjects, purposes, detail="")
        return obj

    def read_purposes(self, subjects: Sequence[access_log.Subject]) -> list[purpose.ReadPurpose | None]:
        """Per subject, why it is read (None: the endpoint's or role's activity); raises 403/400 for the reason."""
        if not self.purpose_bound:
            return [None] * len(subjects)
        try:
            return purpose.api_purposes(self.request.user, subjects, self.request.headers.get(purpose.REASON_HEADER))
        except purpose.ReasonMissing as missing:
            raise ReasonRequired from missing
        except purpose.ReasonInvalid as invalid:
            raise ReasonInvalid(invalid.errors) from invalid

    def log_reads(
        self,
        action: str,
        subjects: Sequence[access_log.Subject],
        purposes: Sequence[purpose.ReadPurpose | None],
        *,
        detail: str,
    ) -> None:
        """One INSERT per purpose among the subjects (one, unless a list mixes a lead's own and other households)."""
        groups: dict[purpose.ReadPurpose | None, list[access_log.Subject]] = {}
        for subject, read_purpose in zip(subjects, purposes, strict=True):
            groups.setdefault(read_purpose, []).append(subject)
        for read_purpose, group in groups.items():
            access_log.record_many(
                user=self.request.user,
                action=action,
                subjects=group,
                request=self.request,
                detail=detail,
                **(read_purpose.as_log() if read_purpose else {"activity": self.activity}),
            )

    def log_listed(self, objects: Sequence[models.Model]) -> None:
        subjects = [access_log.subject_for(obj) for obj in objects]
        self.log_reads(access_log.Action.READ, subjects, self.read_purposes(subjects), detail=f"list {self.basename}")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        keys = self.filter_queryset(self.get_queryset())
        # The page's keys through the policy and the filters, then the list's columns for those keys alone.
        page = self.paginate_queryset(cast(models.QuerySet[Any], KeysFirst(keys, rows=self.list_queryset())))
        assert page is not None  # every personal-data list is paginated
        self.log_listed(page)
        rows = self.list_rows.write(page) if self.list_rows is not None else self.get_serializer(page, many=True).data
        return self.get_paginated_response(rows)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

"""Funding endpoints: the same doors, logs and services as the funding screens (``funding/views.py``)."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases.models import Action, Case
from common.api.base import ReportSchema
from common.api.rows import ColumnOf, Rows
from organisations.models import User
from privacy import access_log, policy
from privacy.access import get_visible_or_404
from privacy.api import PolicyScopedViewSet

from .. import iv3, report, services, spend_import, uploads, workflow
from ..models import Allocation, Blockage, FundingStream, Silo, SpendImport
from . import filters
from . import serializers as s


def _user(request: Request) -> User:
    return cast(User, request.user)  # behind IsAuthenticated: a real user


def _input(viewset: viewsets.GenericViewSet, serializer_class: type) -> dict[str, Any]:
    serializer = serializer_class(data=viewset.request.data, context=viewset.get_serializer_context())
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class UploadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = uploads.TOO_LARGE


def _refuse_a_stopped_upload(request: Request) -> None:
    """Say why the upload handler stopped reading the file (too large: 413), before the serializer says "no file"."""
    request.data  # noqa: B018 - parses the body through the upload handlers (funding/uploads.py)
    if uploads.refusal_of(request) is None:
        return
    try:
        uploads.spend_file_content(None, request=request)
    except DjangoValidationError as error:
        detail = {"file": error.messages}
        if error.code == uploads.TOO_LARGE:
            raise UploadTooLarge(detail) from None
        raise exceptions.ValidationError(detail) from None


class SiloViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Silo.objects.all()
    serializer_class = s.SiloSerializer
    lookup_field = "code"
    pagination_class = None


class FundingStreamViewSet(viewsets.ReadOnlyModelViewSet):
    """Budgets of the caller's municipality and the national streams: no personal data."""

    serializer_class = s.FundingStreamSerializer
    lookup_field = "uuid"

    def get_queryset(self) -> QuerySet[FundingStream]:
        municipality_id = policy.funding_municipality_id(self.request.user)
        streams = (
            FundingStream.objects.select_related("silo", "municipality")
            .prefetch_related("themes", "organisation_kinds", "areas")
            .with_remaining()
        )
        if municipality_id is None:
            return streams.filter(municipality__isnull=True).order_by("code")
        return streams.for_municipality(municipality_id).order_by("code")


class AllocationViewSet(PolicyScopedViewSet):
    """The team's allocations, as the household's funding page shows them (``visible_to``)."""

    model = Allocation
    activity = "funding-accountability"
    serializer_class = s.AllocationSerializer
    filterset_class = filters.AllocationFilter

    list_rows = Rows(
        s.AllocationSerializer, references={"action": "action_uuid", "case": "case_uuid", "stream": "stream_code"}
    )

    def base_queryset(self) -> QuerySet[Any]:
        return Allocation.objects.select_related("action__case", "stream")

    def list_queryset(self) -> QuerySet[Any]:
        # The action's case id too: the access log names each allocation's case (subject_for), and its household
        # from the allocation's own column.
        return Allocation.objects.annotate(
            case_id=ColumnOf(Action, "case_id", "action_id"),
            case_uuid=ColumnOf(Case, "uuid", ColumnOf(Action, "case_id", "action_id")),
            action_uuid=ColumnOf(Action, "uuid", "action_id"),
            stream_code=ColumnOf(FundingStream, "code", "stream_id"),
        )

    @extend_schema(request=s.AllocationInputSerializer, responses={201: s.PaymentSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Pay an action from a stream, as the screen does; an action the caller may not see is a logged 404."""
        data = _input(self, s.AllocationInputSerializer)
        action = get_visible_or_404(
            Action.objects.all(), request, action=access_log.Action.CREATE, detail="pay action", uuid=data["action"]
        )
        stream = FundingStream.objects.filter(code=data["stream"]).first()
        if stream is None:
            raise exceptions.ValidationError({"stream": ["Unknown funding stream."]})
        payment = services.allocation_create(
            action=action,
            stream=stream,
            amount=data["amount"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            by=_user(request),
        )
        allocations = list(
            self.base_queryset()
            .filter(pk__in=[allocation.pk for allocation in payment.allocations])
            .order_by("period_start")
        )
        blockage = (
            Blockage.objects.select_related("action__case", "action__theme", "neighbourhood", "silo", "stream").get(
                pk=payment.blockage.pk
            )
            if payment.blockage
            else None
        )
        body = s.PaymentSerializer({"allocations": allocations, "blockage": blockage}).data
        return Response(body, status=status.HTTP_201_CREATED)


class BlockageViewSet(PolicyScopedViewSet):
    """Blockages through either door of the screens: the team's (``visible_to``) or the register's.

    The register door (programme bureau, auditor) is pseudonymous, so every
    caller gets register columns only. Steps go through the workflow services,
    which check the transition table and who may take the step.
    """

    model = Blockage
    activity = "funding-accountability"
    serializer_class = s.BlockageSerializer

    def scope(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.reachable_by(self.request.user)  # type: ignore[attr-defined]

    def base_queryset(self) -> QuerySet[Any]:
        return Blockage.objects.select_related("action__case", "action__theme", "neighbourhood", "silo", "stream")

    def _answer(self, blockage: Blockage, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.base_queryset().get(pk=blockage.pk)).data, status=code)

    def _step_target(self, request: Request, uuid: str, step: str) -> Blockage:
        """The blockage a step names, logged once: refused when the caller may not take this step at its level.

        A step the transition table refuses (wrong status) is the caller's bad
        request: logged as an allowed update, answered 400 by the service.
        """
        blockage: Blockage = self.visible_object(action=access_log.Action.UPDATE, log_read=False)
        refused = workflow.refusal(blockage.status, blockage.level, step) is None and not services.may_take_step(
            _user(request), blockage, step
        )
        access_log.record(
            user=request.user,
            action=access_log.Action.UPDATE,
            subject=access_log.subject_for(blockage),
            outcome=access_log.Outcome.REFUSED if refused else access_log.Outcome.ALLOWED,
            request=request,
            detail=f"blockage {step}",
        )
        if refused:
            raise exceptions.PermissionDenied
        return blockage

    @extend_schema(request=s.BlockageInputSerializer, responses={201: s.BlockageSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _input(self, s.BlockageInputSerializer)
        blockage = services.blockage_register(by=_user(request), **data)
        access_log.record(
            user=request.user,
            action=access_log.Action.CREATE,
            subject=access_log.subject_for(blockage.action),
            request=request,
            detail="blockage",
        )
        return self._answer(blockage, status.HTTP_201_CREATED)

    @extend_schema(request=s.EscalateSerializer, responses={200: s.BlockageSerializer})
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, uuid: str) -> Response:
        blockage = self._step_target(request, uuid, "escalate")
        data = _input(self, s.EscalateSerializer)
        return self._answer(services.blockage_escalate(blockage=blockage, by=_user(request), **data))

    @extend_schema(request=s.ResolveSerializer, responses={200: s.BlockageSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, uuid: str) -> Response:
        blockage = self._step_target(request, uuid, "resolve")
        data = _input(self, s.ResolveSerializer)
        return self._answer(services.blockage_resolve(blockage=blockage, by=_user(request), **data))


class SpendImportViewSet(viewsets.GenericViewSet):
    """The auditor's spend files: status and errors; an upload takes the screen's path (record, then a task)."""

    lookup_field = "uuid"
    serializer_class = s.SpendImportSerializer
    parser_classes = [parsers.MultiPartParser]

    def get_queryset(self) -> QuerySet[SpendImport]:
        return (
            SpendImport.objects.visible_to(self.request.user)
            .defer("content", "errors")
            .select_related("uploaded_by")
            .order_by("-uploaded_at", "-pk")
        )

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses=s.SpendImportDetailSerializer)
    def retrieve(self, request: Request, uuid: str) -> Response:
        record = self.get_object()
        record.refresh_from_db(fields=["errors"])
        return Response(s.SpendImportDetailSerializer(record).data)

    @extend_schema(request=s.SpendUploadSerializer, responses={202: s.SpendImportSerializer})
    def create(self, request: Request) -> Response:
        if not policy.may_import_spend(request.user):
            raise exceptions.PermissionDenied
        _refuse_a_stopped_upload(request)
        data = _input(self, s.SpendUploadSerializer)
        content, name = data["content"], data["file"].name
        record = spend_import.spend_import_upload(
            filename=name, content=content, by=_user(request), dialect=data["dialect"]
        )
        return Response(s.SpendImportSerializer(record).data, status=status.HTTP_202_ACCEPTED)


class FundingFlowReportViewSet(viewsets.GenericViewSet):
    """The funding-flow audit (``funding/report.py``): same filters, same suppression, bureau and auditor only."""

    throttle_scope = "reports"
    schema = ReportSchema()
    filter_backends: list[type] = []  # filters are the report's own query parameters
    serializer_class = s.FlowReportSerializer
    pagination_class = None

    @extend_schema(parameters=[s.FlowReportQuerySerializer], responses=s.FlowReportSerializer)
    def list(self, request: Request) -> Response:
        if not policy.may_see_funding_aggregates(request.user):
            raise exceptions.NotFound  # as the screen: a report the caller may not see does not exist
        query = s.FlowReportQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = query.validated_data
        municipality_id = policy.funding_municipality_id(request.user)
        assert municipality_id is not None
        params = report.ReportParams(
            municipality_id=municipality_id,
            year=data["year"],
            level=data["level"],
            granularity=data["granularity"],
            silo_id=data["silo"].pk if data.get("silo") else None,
            exact=policy.may_see_case_references(request.user),
        )
        flow = report.funding_flow(params, language=get_language() or "nl")
        body = {
            "year": params.year,
            "level": params.level,
            "granularity": params.granularity,
            "refreshed_at": flow.refreshed_at,
            "counts": report.exact_label() if flow.exact else "",
            "rows": flow.rows,
        }
        if data["dimension"] == "iv3":
            body["taakvelden"] = iv3.taakveld_flow(params)
        return Response(s.FlowReportSerializer(body).data)

"""The programme report: the monitoring dashboard's figures, suppressed, for the bureau and team leads in scope."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from common.api.base import ReportSchema, StrictSerializer
from organisations.models import Area, Municipality, User
from privacy import policy
from privacy.suppression import Cell
from themes.models import Theme

from .dashboard import Filters, NeighbourhoodLines, dashboard


def _newest(model: type[models.Model], code: str) -> Any:
    """Areas and municipalities by CBS code; codes carry a year, and the newest year is meant."""
    found = model._default_manager.filter(code=code).order_by("-code_year").first()
    if found is None:
        raise serializers.ValidationError(_("Unknown code."))
    return found


class ProgrammeQuerySerializer(StrictSerializer):
    """The dashboard's filters, by code."""

    municipality = serializers.CharField(required=False, max_length=6)
    area = serializers.CharField(required=False, max_length=10)
    theme = serializers.SlugRelatedField(slug_field="code", queryset=Theme.objects.all(), required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate_municipality(self, value: str) -> Municipality:
        return _newest(Municipality, value)

    def validate_area(self, value: str) -> Area:
        return _newest(Area, value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("start") and attrs.get("end") and attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end of the period lies before its start.")]})
        return attrs


def _plain(value: Any) -> Any:
    """The dashboard as JSON: a suppressed cell keeps its display ("<5") and has no value."""
    if isinstance(value, Cell):
        return {"value": value.value, "display": value.display}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | NeighbourhoodLines):
        return [_plain(item) for item in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class ProgrammeReportViewSet(viewsets.GenericViewSet):
    throttle_scope = "reports"
    schema = ReportSchema()
    filter_backends: list[type] = []  # filters are the report's own query parameters
    pagination_class = None
    serializer_class = ProgrammeQuerySerializer  # the filters; the answer is described below

    @extend_schema(parameters=[ProgrammeQuerySerializer], responses=OpenApiTypes.OBJECT)
    def list(self, request: Request) -> Response:
        if not policy.may_see_monitoring(request.user):
            raise exceptions.NotFound  # as the screen
        assert isinstance(request.user, User)
        query = ProgrammeQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = Filters(
            municipality_id=data["municipality"].pk if data.get("municipality") else None,
            area_id=data["area"].pk if data.get("area") else None,
            theme_id=data["theme"].pk if data.get("theme") else None,
            start=data.get("start"),
            end=data.get("end"),
        )
        board = dashboard(scope=policy.monitoring_buurten_in_scope(request.user), filters=filters)
        freshness = board.freshness
        body = {
            "refreshed_at": freshness.finished_at.isoformat() if freshness and freshness.finished_at else None,
            **{
                field.name: _plain(getattr(board, field.name))
                for field in dataclasses.fields(board)
                if field.name != "freshness"
            },
        }
        return Response(body)

"""Funding serializers. Blockages show register columns only (no rule text, no household impact, no names)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from cases.models import Action
from common.api.base import StrictSerializer, code_ref

from .. import uploads
from ..models import Allocation, Blockage, BlockageReason, BlockageResolution, FundingStream, Silo, SpendImport


class SiloSerializer(serializers.ModelSerializer):
    class Meta:
        model = Silo
        fields = ["code", "name_nl", "name_en", "silo_free", "order"]


class EligibilitySerializer(serializers.Serializer):
    """A stream's eligibility rules; an empty list or a null bound means no restriction."""

    themes = serializers.SerializerMethodField()
    organisation_kinds = serializers.SerializerMethodField()
    min_age = serializers.IntegerField(allow_null=True)
    max_age = serializers.IntegerField(allow_null=True)
    household_level = serializers.BooleanField()
    areas = serializers.SerializerMethodField()

    # The viewset prefetches the three relations; sorting here keeps the answer stable without a query.
    def get_themes(self, stream: FundingStream) -> list[str]:
        return sorted(theme.code for theme in stream.themes.all())

    def get_organisation_kinds(self, stream: FundingStream) -> list[str]:
        return sorted(kind.code for kind in stream.organisation_kinds.all())

    def get_areas(self, stream: FundingStream) -> list[str]:
        return sorted(area.code for area in stream.areas.all())


class FundingStreamSerializer(serializers.ModelSerializer):
    silo = code_ref()
    municipality = serializers.CharField(source="municipality.code", read_only=True, allow_null=True)
    allocated = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    remaining = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    eligibility = EligibilitySerializer(source="*", read_only=True)

    class Meta:
        model = FundingStream
        fields = [
            "uuid",
            "code",
            "name",
            "silo",
            "funder",
            "municipality",
            "valid_from",
            "valid_until",
            "budget",
            "allocated",
            "remaining",
            "funding_logic",
            "iv3_taakveld",
            "eligibility",
        ]


class AllocationSerializer(serializers.ModelSerializer):
    action = serializers.UUIDField(source="action.uuid", read_only=True)
    case = serializers.UUIDField(source="action.case.uuid", read_only=True)
    stream = serializers.CharField(source="stream.code", read_only=True)

    class Meta:
        model = Allocation
        fields = ["uuid", "reference", "action", "case", "stream", "amount", "period_start", "period_end", "created_at"]


class AllocationInputSerializer(StrictSerializer):
    """Paying an action from a stream (the screen's form): the action by UUID, the stream by code."""

    action = serializers.UUIDField()
    # A code, looked up after the action: a caller who may not see the action learns nothing else first.
    stream = serializers.CharField(max_length=40)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    period_start = serializers.DateField()
    period_end = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["period_end"] < attrs["period_start"]:
            raise serializers.ValidationError({"period_end": ["The end cannot be before the start."]})
        return attrs


class BlockageSerializer(serializers.ModelSerializer):
    action = serializers.UUIDField(source="action.uuid", read_only=True)
    case_reference = serializers.CharField(source="action.case.reference", read_only=True)
    theme = serializers.CharField(source="action.theme.code", read_only=True)
    neighbourhood = serializers.CharField(source="neighbourhood.code", read_only=True)
    silo = code_ref(allow_null=True)
    stream = serializers.CharField(source="stream.code", read_only=True, allow_null=True)

    class Meta:
        model = Blockage
        fields = [
            "uuid",
            "action",
            "case_reference",
            "theme",
            "neighbourhood",
            "silo",
            "stream",
            "source",
            "reason",
            "status",
            "level",
            "resolution",
            "euros_stuck",
            "delay_days",
            "opened_at",
            "closed_at",
        ]


class BlockageInputSerializer(StrictSerializer):
    """Registering a blockage by hand (the same fields as the screen's form)."""

    action = serializers.SlugRelatedField(slug_field="uuid", queryset=Action.objects.none())
    reason = serializers.ChoiceField(choices=BlockageReason.choices, default=BlockageReason.OTHER)
    silo = serializers.SlugRelatedField(
        slug_field="code", queryset=Silo.objects.filter(silo_free=False), required=False, allow_null=True
    )
    rule = serializers.CharField(max_length=2000)
    household_impact = serializers.CharField(max_length=2000)
    euros_stuck = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    delay_days = serializers.IntegerField(min_value=0, max_value=3650)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only actions the caller may see can be named; another is "does not exist", as a 404 would say.
        request = self.context.get("request")
        if request is not None:
            self.fields["action"].queryset = Action.objects.visible_to(request.user)  # type: ignore[attr-defined]


class EscalateSerializer(StrictSerializer):
    note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class ResolveSerializer(StrictSerializer):
    resolution = serializers.ChoiceField(choices=[BlockageResolution.EXEMPTION, BlockageResolution.OTHER_ROUTE])
    note = serializers.CharField(max_length=2000)


class SpendImportSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True, allow_null=True)

    class Meta:
        model = SpendImport
        fields = [
            "uuid",
            "filename",
            "status",
            "phase",
            "progress",
            "rows_total",
            "rows_imported",
            "amount_imported",
            "error_count",
            "uploaded_by",
            "uploaded_at",
            "finished_at",
        ]


class SpendImportDetailSerializer(SpendImportSerializer):
    error_lines = serializers.SerializerMethodField()

    class Meta(SpendImportSerializer.Meta):
        fields = [*SpendImportSerializer.Meta.fields, "error_lines"]

    def get_error_lines(self, record: SpendImport) -> list[dict[str, Any]]:
        from ..spend_import import error_message

        return [
            {"line": e.get("line"), "column": e.get("column", ""), "message": error_message(e)} for e in record.errors
        ]


class SpendUploadSerializer(StrictSerializer):
    """The API's door to ``funding.uploads``: the same check as the screen's."""

    file = serializers.FileField(help_text="CSV text (UTF-8 or Windows-1252), at most 200 MB; checked by content.")
    dialect = serializers.ChoiceField(choices=SpendImport.Dialect.choices, default=SpendImport.Dialect.AUTO)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["content"] = uploads.spend_file_content(attrs["file"], request=self.context["request"])
        except DjangoValidationError as error:
            raise serializers.ValidationError({"file": error.messages}) from None
        return attrs


class FlowReportQuerySerializer(StrictSerializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    level = serializers.ChoiceField(choices=["wijk", "buurt"], default="wijk")
    granularity = serializers.ChoiceField(choices=["month", "quarter", "year"], default="quarter")
    silo = serializers.SlugRelatedField(slug_field="code", queryset=Silo.objects.all(), required=False, allow_null=True)
    dimension = serializers.ChoiceField(choices=["area", "iv3"], default="area")


class FlowRowSerializer(serializers.Serializer):
    silo_code = serializers.CharField()
    area_code = serializers.CharField()
    area_name = serializers.CharField()
    period = serializers.DateField()
    budget = serializers.DecimalField(max_digits=16, decimal_places=2)
    allocated = serializers.DecimalField(max_digits=16, decimal_places=2)
    spent = serializers.DecimalField(max_digits=16, decimal_places=2)
    spent_outside = serializers.DecimalField(max_digits=16, decimal_places=2)
    households = serializers.SerializerMethodField(help_text="A count, or null when fewer than the threshold.")
    households_display = serializers.SerializerMethodField()
    blocked = serializers.SerializerMethodField()
    blocked_display = serializers.SerializerMethodField()
    euros_stuck = serializers.DecimalField(max_digits=16, decimal_places=2)
    is_subtotal = serializers.BooleanField()

    def get_households(self, row: Any) -> int | None:
        return row.households if isinstance(row.households, int) else None

    def get_households_display(self, row: Any) -> str:
        return str(row.households)

    def get_blocked(self, row: Any) -> int | None:
        return row.blocked if isinstance(row.blocked, int) else None

    def get_blocked_display(self, row: Any) -> str:
        return str(row.blocked)


class TaakveldRowSerializer(serializers.Serializer):
    iv3_taakveld = serializers.CharField(
        help_text="Empty for streams without one (money from outside the municipality)."
    )
    period = serializers.DateField(source="period_start")
    budget = serializers.DecimalField(max_digits=16, decimal_places=2)
    allocated = serializers.DecimalField(max_digits=16, decimal_places=2)
    spent = serializers.DecimalField(max_digits=16, decimal_places=2)
    households = serializers.SerializerMethodField(help_text="A count, or null when fewer than the threshold.")
    households_display = serializers.SerializerMethodField()

    def get_households(self, row: Any) -> int | None:
        return row.households if isinstance(row.households, int) else None

    def get_households_display(self, row: Any) -> str:
        return str(row.households)


class FlowReportSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    level = serializers.CharField()
    granularity = serializers.CharField()
    refreshed_at = serializers.DateTimeField(allow_null=True)
    # Empty for the bureau (suppressed counts); for the auditor, that the counts are exact and not for publication.
    counts = serializers.CharField()
    rows = FlowRowSerializer(many=True)
    taakvelden = TaakveldRowSerializer(many=True, required=False, help_text="With dimension=iv3: per Iv3 taakveld.")


class PaymentSerializer(serializers.Serializer):
    """What paying did: the allocations (one per stream the period runs through) and any blockage opened."""

    allocations = AllocationSerializer(many=True)
    blockage = BlockageSerializer(allow_null=True)

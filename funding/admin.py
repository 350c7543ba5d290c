"""Funding in the admin. Silos and streams are configuration for the functional administrator;
allocations, spend and blockages hang under a household's case, so their lists are scoped by the
access policy like every other door (empty for roles without casework)."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from privacy import policy

from .models import (
    Allocation,
    Blockage,
    BlockageEvent,
    FlowCell,
    FlowTaakveldCell,
    FundingStream,
    ProductCategory,
    Silo,
    Spend,
    SpendImport,
)


class PolicyScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            # The admin is no door to casework: a staff account that is also a professional
            # reads households on the casework screens, where every read is logged.
            return queryset.none()
        return policy.visible(queryset, request.user)


@admin.register(Silo)
class SiloAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nl", "name_en", "silo_free", "order"]
    list_filter = ["silo_free"]
    search_fields = ["code", "name_nl", "name_en"]


@admin.register(FundingStream)
class FundingStreamAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "silo", "funder", "valid_from", "valid_until", "budget", "funding_logic"]
    list_filter = ["silo", "funding_logic", "municipality", "household_level", "valid_from"]
    search_fields = ["code", "name", "funder", "iv3_taakveld"]
    list_select_related = ["silo"]
    filter_horizontal = ["themes", "organisation_kinds"]
    autocomplete_fields = ["areas"]


@admin.register(Allocation)
class AllocationAdmin(PolicyScopedAdmin):
    list_display = ["reference", "stream", "amount", "period_start", "period_end", "created_at"]
    list_filter = ["stream__silo", "period_start"]
    search_fields = ["=reference", "=action__case__reference"]
    list_select_related = ["stream"]
    raw_id_fields = ["action", "stream", "created_by"]


@admin.register(Spend)
class SpendAdmin(PolicyScopedAdmin):
    list_display = ["allocation", "month", "amount", "stream"]
    list_filter = ["month", "stream__silo"]
    search_fields = ["=allocation__reference"]
    list_select_related = ["allocation", "stream"]
    raw_id_fields = ["allocation", "spend_import", "stream", "neighbourhood"]
    show_full_result_count = False  # millions of rows


@admin.register(SpendImport)
class SpendImportAdmin(admin.ModelAdmin):
    list_display = ["filename", "status", "rows_total", "rows_imported", "error_count", "uploaded_by", "uploaded_at"]
    list_filter = ["status", "uploaded_at"]
    search_fields = ["filename", "=content_hash"]
    exclude = ["content"]
    raw_id_fields = ["uploaded_by", "duplicate_of"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).defer("content")


@admin.register(Blockage)
class BlockageAdmin(PolicyScopedAdmin):
    list_display = ["__str__", "reason", "source", "status", "level", "silo", "euros_stuck", "opened_at"]
    list_filter = ["status", "level", "reason", "source", "silo"]
    search_fields = ["=action__case__reference", "rule"]
    list_select_related = ["silo"]
    raw_id_fields = ["action", "stream", "allocation", "opened_by"]


@admin.register(BlockageEvent)
class BlockageEventAdmin(PolicyScopedAdmin):
    list_display = ["blockage", "kind", "from_status", "to_status", "level", "by", "at"]
    list_filter = ["kind", "level", "at"]
    search_fields = ["=blockage__action__case__reference"]
    list_select_related = ["blockage", "by"]
    raw_id_fields = ["blockage", "by"]


@admin.register(FlowCell)
class FlowCellAdmin(admin.ModelAdmin):
    """Derived data with unsuppressed counts per buurt: superusers only (the audit screen suppresses)."""

    list_display = ["municipality", "granularity", "period", "silo", "neighbourhood", "allocated", "spent"]
    list_filter = ["granularity", "silo", "municipality"]
    search_fields = ["=neighbourhood__code"]
    raw_id_fields = ["municipality", "silo", "neighbourhood"]
    show_full_result_count = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(FlowTaakveldCell)
class FlowTaakveldCellAdmin(FlowCellAdmin):
    """The audit's summary per Iv3 taakveld: derived data with unsuppressed counts, superusers only."""

    list_display = ["municipality", "granularity", "period", "iv3_taakveld", "allocated", "spent"]
    list_filter = ["granularity", "municipality"]
    search_fields = ["=iv3_taakveld"]
    raw_id_fields = ["municipality"]


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    """Reference data from the iStandaarden; loaded by ``reference.py``, extended here when a release adds one."""

    list_display = ["code", "name", "standard", "version", "source"]
    list_filter = ["standard", "version"]
    search_fields = ["code", "name"]

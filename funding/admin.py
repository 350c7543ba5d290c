"""Funding in the admin. Silos and streams are configuration for the functional administrator;
allocations, spend and blockages hang under a household's case, so their lists are scoped by the
access policy like every other door (empty for roles without casework)."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.admin import PolicyScopedAdmin

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

    # The delete screens look for spend before they delete, but spend an import has written and not yet
    # committed is out of their sight; the database refuses the delete then (funding/0019). Either screen says
    # so instead of failing, and deletes nothing.

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)  # one transaction, rolled back whole
        except IntegrityError as error:
            if not _spend_kept(error):
                raise
        self.message_user(
            request, _("The allocation is not deleted: spend was booked on it meanwhile."), messages.ERROR
        )
        return redirect(reverse("admin:funding_allocation_change", args=[object_id]))

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        entry = actions.get("delete_selected")
        if entry is not None:
            actions["delete_selected"] = (_delete_selected_or_none, *entry[1:])
        return actions


@admin.action(permissions=["delete"], description=gettext_lazy("Delete selected %(verbose_name_plural)s"))
def _delete_selected_or_none(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Django's bulk delete in one transaction with its log entries: all of the allocations, or none."""
    try:
        with transaction.atomic():
            return delete_selected(modeladmin, request, queryset)
    except IntegrityError as error:
        if not _spend_kept(error):
            raise
    modeladmin.message_user(
        request, _("No allocation is deleted: spend was booked on one of them meanwhile."), messages.ERROR
    )
    return None


def _spend_kept(error: IntegrityError) -> bool:
    """Whether the database refused to delete an allocation because it has spend (funding/0019)."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == "allocation_keeps_its_spend"


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

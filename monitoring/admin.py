"""Monitoring in the admin, for checking a refresh. Summaries are derived and unsuppressed per buurt, so:
read-only, and superusers only (the dashboard is where figures are shown, suppressed). Per-case and
per-blockage fact rows hide their row ids. Precision reviews are read here; they are written through
their screens (the service freezes the snapshot)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    BlockageCell,
    BlockageFact,
    CaseMonthSummary,
    CaseTiming,
    CoordinationMonthSummary,
    FundingMonthSummary,
    GoalMonthSummary,
    InstrumentMonthSummary,
    PrecisionReview,
    SummaryRun,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SummaryAdmin(ReadOnlyAdmin):
    list_filter = ["municipality", "month"]
    search_fields = ["=buurt__code"]
    raw_id_fields = ["buurt", "wijk", "municipality"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(SummaryRun)
class SummaryRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "mode", "finished_at", "watermark", "buurten", "rows"]
    list_filter = ["mode"]


@admin.register(CaseMonthSummary)
class CaseMonthSummaryAdmin(SummaryAdmin):
    list_display = ["buurt", "month", "active_cases", "active_households", "inflow", "outflow", "stapeling_households"]


@admin.register(GoalMonthSummary)
class GoalMonthSummaryAdmin(SummaryAdmin):
    list_display = ["buurt", "month", "theme", "goals", "achieved", "households"]


@admin.register(InstrumentMonthSummary)
class InstrumentMonthSummaryAdmin(SummaryAdmin):
    list_display = ["buurt", "month", "domain", "persons", "households", "improved"]


@admin.register(CoordinationMonthSummary)
class CoordinationMonthSummaryAdmin(SummaryAdmin):
    list_display = ["buurt", "month", "organisation_kind", "minutes", "contacts", "households"]


@admin.register(CaseTiming)
class CaseTimingAdmin(SummaryAdmin):
    list_display = ["buurt", "month", "days_to_first_contact", "days_to_plan"]
    exclude = ["case_id"]


@admin.register(FundingMonthSummary)
class FundingMonthSummaryAdmin(SummaryAdmin):
    list_display = ["buurt", "month", "silo", "allocated", "allocated_households", "spent", "spent_households"]


@admin.register(BlockageFact)
class BlockageFactAdmin(SummaryAdmin):
    list_display = ["buurt", "month", "silo", "status", "resolution", "euros_stuck", "opened_on", "closed_on"]
    exclude = ["blockage_id", "household_id"]


@admin.register(BlockageCell)
class BlockageCellAdmin(SummaryAdmin):
    list_display = ["buurt", "month", "theme", "silo", "open_n", "open_households", "stuck", "closed_households"]


@admin.register(PrecisionReview)
class PrecisionReviewAdmin(ReadOnlyAdmin):
    list_display = ["programme", "municipality", "period_start", "period_end", "snapshot_taken_at", "version"]
    list_filter = ["municipality"]
    search_fields = ["programme"]

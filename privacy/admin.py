from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from . import policy
from .models import AccessLogAnchor, AccessLogEntry, DataSubjectRequest, DisclosureDecision, OfficerVisit, RetentionRule


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that screens or services write; the admin only shows them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    """Read-only, for the privacy officer only; reading the log is itself logged."""

    list_display = ["seq", "occurred_at", "username", "role", "action", "outcome", "channel", "object_type"]
    list_filter = ["action", "outcome", "channel", "role", "occurred_at"]
    search_fields = ["=username", "=request_id", "=household_id", "=case_id", "=person_id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if not policy.may_handle_privacy(request.user):
            return queryset.none()
        return queryset

    # Reading the log is supervising access (the officer's activity); the admin door logs it (admin_door.py).
    log_detail = "access log (admin)"


@admin.register(AccessLogAnchor)
class AccessLogAnchorAdmin(ReadOnlyAdmin):
    """Where the access log starts after retention removed its oldest rows (written by the owner's step)."""

    list_display = ["seq", "entry_hash", "removed_rows", "made_at"]
    list_filter = ["made_at"]
    search_fields = ["=seq", "=entry_hash"]


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    """Configured by the functional administrator together with the privacy officer."""

    list_display = ["silo", "years_after_closure", "legal_ground"]
    list_filter = ["years_after_closure"]
    search_fields = ["silo__name_nl", "legal_ground"]


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(ReadOnlyAdmin):
    """A record of what was handled; read-only, the privacy screens create them."""

    list_display = ["kind", "received_on", "handled_at", "handled_by", "outcome"]
    list_filter = ["kind", "outcome", "received_on"]
    search_fields = ["=person_id", "note"]


@admin.register(DisclosureDecision)
class DisclosureDecisionAdmin(ReadOnlyAdmin):
    """The officer's decisions on access-request items; read-only, the review screen records them."""

    list_display = ["request", "item", "withhold", "decided_by", "decided_at"]
    list_filter = ["withhold", "decided_at"]
    search_fields = ["=request__uuid", "item"]


@admin.register(OfficerVisit)
class OfficerVisitAdmin(ReadOnlyAdmin):
    """When each privacy officer last opened the start page; read-only."""

    list_display = ["user", "seen_until"]
    list_filter = ["seen_until"]
    search_fields = ["user__username"]

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Read-only, for superusers: who asked for what and how it went; never the file (``content`` is left out)."""

    list_display = ["uuid", "kind", "format", "status", "role", "created_at", "row_count", "size"]
    list_filter = ["kind", "status", "format"]
    fields = (
        "uuid",
        "requested_by",
        "role",
        "organisation",
        "kind",
        "format",
        "language",
        "status",
        "failure",
        "row_count",
        "size",
        "created_at",
        "started_at",
        "finished_at",
        "expires_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("content", "parameters").select_related("requested_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

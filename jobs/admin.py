from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from .models import OutboxMessage, Probe, TaskExecution
from .services import outbox_publish


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of the job machinery: edited by hand they would break its guarantees, so they are read-only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class PendingFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, StrOrPromise]]:
        return [("pending", _("waiting for the broker")), ("published", _("published"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> QuerySet[OutboxMessage]:
        if self.value() == "pending":
            return queryset.filter(published_at__isnull=True)
        if self.value() == "published":
            return queryset.filter(published_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["task_name", "idempotency_key", "created_at", "attempts", "published_at"]
    list_filter = [PendingFilter, "task_name", "created_at"]
    search_fields = ["task_name", "idempotency_key", "request_id", "=task_id"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
    actions = ["publish_now"]

    @admin.action(description=_("Publish the selected pending messages now"))
    def publish_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        published = sum(
            outbox_publish(message_id=pk)
            for pk in queryset.filter(published_at__isnull=True).values_list("pk", flat=True)
        )
        self.message_user(
            request,
            ngettext("%(count)d message published.", "%(count)d messages published.", published) % {"count": published},
            messages.SUCCESS if published else messages.WARNING,
        )


@admin.register(TaskExecution)
class TaskExecutionAdmin(ReadOnlyAdmin):
    list_display = ["task_name", "idempotency_key", "retries", "completed_at"]
    list_filter = ["task_name", "completed_at"]
    search_fields = ["task_name", "idempotency_key", "=task_id"]
    readonly_fields = [field.name for field in TaskExecution._meta.fields]


@admin.register(Probe)
class ProbeAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "requested_by", "requested_at", "hold_seconds", "hold_phase", "runs", "completed_at"]
    list_filter = ["hold_phase", "runs", "requested_at"]
    search_fields = ["requested_by__username", "worker"]
    list_select_related = ["requested_by"]
    readonly_fields = [field.name for field in Probe._meta.fields]

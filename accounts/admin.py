from django.contrib import admin

from .models import IdentityProviderDevice


@admin.register(IdentityProviderDevice)
class IdentityProviderDeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    readonly_fields = ["created_at", "last_used_at"]
    raw_id_fields = ["user"]

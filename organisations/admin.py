from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Area, Municipality, Organisation, OrganisationKind, Team, TeamMembership, User


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "code_year"]
    list_filter = ["code_year"]
    search_fields = ["name", "code"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "parent", "municipality", "code_year"]
    list_filter = ["kind", "municipality", "code_year"]
    search_fields = ["name", "code"]
    list_select_related = ["parent", "municipality"]
    autocomplete_fields = ["parent"]


@admin.register(OrganisationKind)
class OrganisationKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nl", "name_en", "order"]
    search_fields = ["code", "name_nl", "name_en"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "municipality", "active"]
    list_filter = ["kind", "municipality", "active", "silos"]
    search_fields = ["name"]
    list_select_related = ["kind", "municipality"]
    filter_horizontal = ["silos"]


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "allocated_by"]
    list_filter = ["municipality"]
    search_fields = ["name"]
    list_select_related = ["municipality"]
    filter_horizontal = ["areas"]
    inlines = [TeamMembershipInline]


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "start_date", "end_date"]
    list_filter = ["team", "start_date", "end_date"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]
    list_select_related = ["user", "team"]
    autocomplete_fields = ["user", "team"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active", "is_staff", "organisation__kind"]
    search_fields = ["username", "first_name", "last_name", "email", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Wijkteam"), {"fields": ("role", "organisation")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Wijkteam"), {"fields": ("role", "organisation")}),
    )

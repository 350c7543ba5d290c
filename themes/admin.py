from django.contrib import admin

from .models import Instrument, InstrumentDomain, SubTheme, Theme


class SubThemeInline(admin.TabularInline):
    model = SubTheme
    extra = 0


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nl", "name_en", "order"]
    search_fields = ["code", "name_nl", "name_en"]
    inlines = [SubThemeInline]


@admin.register(SubTheme)
class SubThemeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nl", "theme", "active"]
    list_filter = ["theme", "active"]
    search_fields = ["code", "name_nl", "name_en"]
    list_select_related = ["theme"]


class InstrumentDomainInline(admin.TabularInline):
    model = InstrumentDomain
    extra = 0


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nl", "min_score", "max_score", "trended", "active"]
    list_filter = ["trended", "active"]
    search_fields = ["code", "name_nl", "name_en"]
    inlines = [InstrumentDomainInline]


@admin.register(InstrumentDomain)
class InstrumentDomainAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nl", "instrument", "order"]
    list_filter = ["instrument"]
    search_fields = ["code", "name_nl", "name_en"]
    list_select_related = ["instrument"]

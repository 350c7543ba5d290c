from django.contrib import admin

from .models import Silo


@admin.register(Silo)
class SiloAdmin(admin.ModelAdmin):
    list_display = ["code", "name_nl", "name_en", "silo_free", "order"]
    list_filter = ["silo_free"]
    search_fields = ["code", "name_nl", "name_en"]

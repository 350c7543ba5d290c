from django.urls import path

from . import views

app_name = "funding"

urlpatterns = [
    path("knelpunten/", views.team_blockages, name="team_blockages"),
    path("knelpunten/<uuid:uuid>/", views.blockage_detail, name="blockage"),
    path("knelpunten/<uuid:uuid>/<slug:step>/", views.blockage_step, name="blockage_step"),
    path("acties/<uuid:action_uuid>/knelpunt/", views.blockage_register, name="blockage_register"),
    path("acties/<uuid:action_uuid>/betalen/", views.action_pay, name="action_pay"),
    path("huishoudens/<uuid:uuid>/", views.household, name="household"),
    path("register/", views.register, name="register"),
    path("register/export.<str:fmt>", views.register_export, name="register_export"),
    path("audit/", views.audit, name="audit"),
    path("audit/export.<str:fmt>", views.audit_export, name="audit_export"),
    path("audit/cel/", views.audit_cell, name="audit_cell"),
    path("uitgaven/", views.spend_imports, name="spend_imports"),
    path("uitgaven/<uuid:uuid>/", views.spend_import_detail, name="spend_import"),
    path("uitgaven/<uuid:uuid>/voortgang/", views.spend_import_progress, name="spend_import_progress"),
    path("uitgaven/<uuid:uuid>/fouten.csv", views.spend_import_errors, name="spend_import_errors"),
]

from django.contrib import admin
from django.urls import include, path

from . import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("accounts.urls")),
    path("api/v1/", include("wijkteam.api.urls")),
    path("", include("privacy.urls")),
    path("financiering/", include("funding.urls")),
    path("beheer/", admin.site.urls),
    path("achtergrondtaken/", include("jobs.urls")),
    path("mijn-exports/", include("exports.urls")),
    path("meldingen/", include("notifications.urls")),
    path("", include("cases.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("team/", include("organisations.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

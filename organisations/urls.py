from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("wijzigingen/", views.membership_changes, name="membership-changes"),
    path("instellingen/", views.team_settings, name="team-settings"),
]

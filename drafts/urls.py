from django.urls import path

from . import views

app_name = "drafts"

urlpatterns = [
    path("opslaan/", views.draft_save, name="save"),
    path("terugzetten/", views.draft_restore, name="restore"),
    path("weggooien/", views.draft_throw_away, name="throw-away"),
]

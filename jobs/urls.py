from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("testtaak/", views.probe, name="probe"),
]

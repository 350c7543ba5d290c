from django.urls import path

from . import views

app_name = "exports"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("<uuid:uuid>/downloaden/", views.job_download, name="download"),
]

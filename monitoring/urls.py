from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.index, name="index"),
    path("afdrukken/", views.printable, name="print"),
    path("export.<str:fmt>", views.export, name="export"),
    path("verversen/", views.refresh, name="refresh"),
]

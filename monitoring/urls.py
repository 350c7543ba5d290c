from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.index, name="index"),
    path("afdrukken/", views.printable, name="print"),
    path("gebieden/", views.areas, name="areas"),
    path("export.<str:fmt>", views.export, name="export"),
    path("verversen/", views.refresh, name="refresh"),
    path("precisiereviews/", views.review_list, name="reviews"),
    path("precisiereviews/nieuw/", views.review_create, name="review_create"),
    path("precisiereviews/vergelijken/", views.review_compare, name="review_compare"),
    path("precisiereviews/<uuid:uuid>/", views.review_detail, name="review"),
    path("precisiereviews/<uuid:uuid>/bewerken/", views.review_edit, name="review_edit"),
]

from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("privacy/toegangslog/", views.log_search, name="log"),
    path("privacy/verzoeken/", views.subject_requests, name="requests"),
    path("privacy/verzoeken/inzage.<str:fmt>", views.subject_export, name="export"),
    path("privacy/verzoeken/anonimiseren/", views.subject_anonymise, name="anonymise"),
    path("privacy/bewaartermijnen/", views.retention, name="retention"),
]

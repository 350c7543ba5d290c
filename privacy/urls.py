from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("privacy/", views.home, name="home"),
    path("privacy/toegangslog/", views.log_search, name="log"),
    path("privacy/verzoeken/", views.subject_requests, name="requests"),
    path("privacy/verzoeken/inzage/", views.access_open, name="access-open"),
    path("privacy/verzoeken/<uuid:uuid>/", views.access_review, name="access-review"),
    path("privacy/verzoeken/<uuid:uuid>/vrijgeven/", views.access_release, name="access-release"),
    path("privacy/verzoeken/<uuid:uuid>/brief/", views.access_letter, name="access-letter"),
    path("privacy/verzoeken/<uuid:uuid>/wie-las/", views.access_reads, name="access-reads"),
    path("privacy/verzoeken/inzage.json", views.subject_export, name="export"),
    path("privacy/verzoeken/anonimiseren/", views.subject_anonymise, name="anonymise"),
    path("privacy/bewaartermijnen/", views.retention, name="retention"),
    path("privacy/verwerkingsregister/", views.processing_register, name="register"),
    path("privacy/verwerkingsregister.<str:fmt>", views.processing_register_export, name="register-export"),
    path("privacy/verzoeken/logboek.json", views.subject_logboek, name="logboek"),
]

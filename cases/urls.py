"""Casework URLs. Personal data is addressed by UUID only, never by integer id or BSN."""

from django.urls import path

from .views import contacts, pages

app_name = "cases"

urlpatterns = [
    path("casussen/", pages.caseload, name="caseload"),
    path("huishoudens/<uuid:uuid>/", pages.household_detail, name="household"),
    path("casussen/<uuid:uuid>/contacten/", pages.contact_list, name="contact-list"),
    path("casussen/<uuid:uuid>/contacten/nieuw/", contacts.contact_create, name="contact-create"),
]

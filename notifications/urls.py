from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("aantal/", views.unread_count, name="count"),
    path("instellingen/", views.save_settings, name="settings"),
    path("alles-gelezen/", views.mark_all_read, name="mark_all_read"),
    path("<uuid:uuid>/gelezen/", views.mark_read, name="mark_read"),
]

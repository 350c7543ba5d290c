from django.urls import path

from . import views

app_name = "agenda"
case = "casussen/<uuid:case>/"

urlpatterns = [
    path(f"{case}taken/nieuw/", views.TaskCreateView.as_view(), name="task-create"),
    path(f"{case}afspraken/nieuw/", views.AppointmentCreateView.as_view(), name="appointment-create"),
    path("taken/<uuid:uuid>/klaar/", views.task_done, name="task-done"),
    path("afspraken/<uuid:uuid>/annuleren/", views.appointment_cancel, name="appointment-cancel"),
    path("kalender/", views.calendar_settings, name="calendar"),
    path("kalender/<str:token>.ics", views.calendar_feed, name="feed"),
]

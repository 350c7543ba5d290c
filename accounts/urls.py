from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

# Every login step lives under /inloggen/: SecondFactorRequiredMiddleware keeps that prefix open.
urlpatterns = [
    path("inloggen/", views.PasswordStepView.as_view(), name="login"),
    path("inloggen/verificatie/", views.CodeStepView.as_view(), name="login_verify"),
    path("inloggen/koppelen/", views.EnrolView.as_view(), name="login_enrol"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
]

from django.contrib.auth import views as auth_views
from django.urls import path

from . import oidc, token_views, views

# Every login step lives under /inloggen/: SecondFactorRequiredMiddleware keeps that prefix open.
urlpatterns = [
    path("inloggen/", views.PasswordStepView.as_view(), name="login"),
    path("inloggen/verificatie/", views.CodeStepView.as_view(), name="login_verify"),
    path("inloggen/koppelen/", views.EnrolView.as_view(), name="login_enrol"),
    # The names are the ones mozilla-django-oidc reverses; both answer 404 while OIDC is off.
    path("inloggen/gemeente/", oidc.MunicipalityLoginView.as_view(), name="oidc_authentication_init"),
    path("inloggen/gemeente/terug/", oidc.MunicipalityCallbackView.as_view(), name="oidc_authentication_callback"),
    # Django's switch, and the choice remembered for a logged-in user (Dutch stays the default).
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("mijn-account/api-sleutels/", token_views.api_tokens, name="api_tokens"),
    path(
        "mijn-account/api-sleutels/<uuid:uuid>/intrekken/", token_views.api_token_revoke_view, name="api_token_revoke"
    ),
]

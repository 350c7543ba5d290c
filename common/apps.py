from django.apps import AppConfig


class CommonConfig(AppConfig):
    """The ground floor: building blocks every app may use, which import no app above them."""

    name = "common"
    verbose_name = "Common building blocks"

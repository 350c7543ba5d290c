from django.apps import AppConfig


class WijkteamConfig(AppConfig):
    name = "wijkteam"
    verbose_name = "Wijkteam"

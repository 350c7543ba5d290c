from django.apps import AppConfig


class WijkteamConfig(AppConfig):
    name = "wijkteam"
    verbose_name = "Wijkteam"

    def ready(self) -> None:
        from wijkteam.celery import app

        # Import every app's tasks.py now, in web processes too: enqueue() checks
        # task names against the registry, and Celery would otherwise import them
        # only when a worker starts.
        app.autodiscover_tasks(force=True)

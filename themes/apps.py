from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ThemesConfig(AppConfig):
    name = "themes"
    verbose_name = _("Themes and instruments")

    def ready(self) -> None:
        from . import cache  # noqa: F401  (connects the signals that clear the cached themes)

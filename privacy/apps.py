from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy and access")

    def ready(self) -> None:
        from exports.kinds import register

        from . import checks  # noqa: F401 - registers the system checks
        from .exports import SubjectAccess

        register(SubjectAccess())

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from exports.kinds import register

        from .exports import MonitoringDashboard

        register(MonitoringDashboard())

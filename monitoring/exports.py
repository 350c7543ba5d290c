"""The monitoring dashboard as a file: the same filter form, the same suppressed figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exports.kinds import Built, ExportInvalid, Kind, form_errors, table
from exports.models import ExportFormat, ExportJob
from organisations.models import User

from .dashboard import export_rows, may_see_monitoring
from .forms import DashboardFilterForm, filtered_board

MONITORING_DASHBOARD = "monitoring_dashboard"


class MonitoringDashboard(Kind):
    key = MONITORING_DASHBOARD
    label = gettext_lazy("monitoring dashboard")
    formats = frozenset({ExportFormat.CSV, ExportFormat.XLSX})
    fields = ("municipality", "area", "theme", "start", "end")

    def may_request(self, user: User) -> bool:
        return may_see_monitoring(user)

    def errors(self, user: User, parameters: Mapping[str, Any]) -> dict[str, list[str]]:
        form = DashboardFilterForm(parameters)
        return form_errors(form)

    def build(self, job: ExportJob) -> Built:
        form, board = filtered_board(job.requested_by, job.parameters)
        if form.is_bound and not form.is_valid():
            raise ExportInvalid
        header, *rows = export_rows(board)
        return table(job, "monitoring", _("Monitoring"), header, rows)

"""The funding room's exports: the funding-flow audit and the blockage register, as their screens show them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exports.kinds import Built, ExportInvalid, Kind, form_errors, table
from exports.models import ExportFormat, ExportJob
from organisations.models import User
from privacy import policy

from . import iv3, register, report
from .forms import report_dimension, report_params_for

FUNDING_AUDIT = "funding_audit"
BLOCKAGE_REGISTER = "blockage_register"


class FundingAudit(Kind):
    key = FUNDING_AUDIT
    label = gettext_lazy("funding-flow audit")
    formats = frozenset({ExportFormat.CSV, ExportFormat.XLSX})
    fields = ("year", "level", "granularity", "silo", "dimension")

    def may_request(self, user: User) -> bool:
        return policy.may_see_funding_aggregates(user)

    def errors(self, user: User, parameters: Mapping[str, Any]) -> dict[str, list[str]]:
        form, _params = report_params_for(user, parameters)
        return form_errors(form)

    def build(self, job: ExportJob) -> Built:
        form, params = report_params_for(job.requested_by, job.parameters)
        if params is None:
            raise ExportInvalid
        if report_dimension(form) == "iv3":
            name = f"financieringsstromen-iv3-{params.year}-{params.granularity}"
            rows = iv3.export_rows(iv3.taakveld_flow(params))
            return table(job, name, _("Funding flows per Iv3 taakveld"), iv3.export_header(), rows)
        flow = report.funding_flow(params, language=job.language)
        name = f"financieringsstromen-{params.year}-{params.level}-{params.granularity}"
        header = report.export_header(exact=flow.exact)
        return table(job, name, _("Funding flows"), header, report.export_rows(flow))


class BlockageRegister(Kind):
    """The blockage register as filtered on its screen: pseudonymous case references, areas, amounts."""

    key = BLOCKAGE_REGISTER
    label = gettext_lazy("blockage register")
    formats = frozenset({ExportFormat.CSV, ExportFormat.XLSX})
    fields = ("status", "area", "opened_from", "opened_to", "silo", "reason", "level", "sort")

    def may_request(self, user: User) -> bool:
        return policy.may_see_blockage_register(user)

    def errors(self, user: User, parameters: Mapping[str, Any]) -> dict[str, list[str]]:
        return form_errors(register.register_form(user, parameters))

    def build(self, job: ExportJob) -> Built:
        form = register.register_form(job.requested_by, job.parameters)
        if not form.is_valid():
            raise ExportInvalid
        rows, subjects = register.export_rows(register.register_blockages(job.requested_by, form.cleaned_data))
        built = table(job, "knelpuntenregister", _("Blockage register"), register.export_header(), rows)
        built.subjects = subjects
        return built

"""What each kind of export contains, and who may have it: the screen's own code path, asked again at run time.

A kind names the screen it comes from and reuses that screen's functions: the
same filter form validates the parameters, the same query builds the rows, and
the same suppression (``privacy/suppression.py``, applied inside
``funding.report`` and ``monitoring.dashboard``) hides small numbers. Nothing
here queries on its own.

``may_request`` is asked when the job is created, when the task builds it and
when the file is downloaded: a user who loses the role in between gets nothing.
"""

from __future__ import annotations

import json
import uuid as uuid_module
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from common.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_bytes, xlsx_bytes
from organisations.models import User
from privacy import access_log, policy

from .models import ExportFormat, ExportJob, ExportKind


class ExportRefused(Exception):
    """The user may not (or no longer) see what the export would contain."""


class ExportInvalid(Exception):
    """The parameters no longer pass the screen's form (a silo or area was removed)."""


@dataclass
class Built:
    filename: str
    content_type: str
    content: bytes
    row_count: int
    # Whose personal data the file holds: one access-log row each.
    subjects: list[access_log.Subject] = field(default_factory=list)


def _table(job: ExportJob, name: str, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Built:
    if job.format == ExportFormat.XLSX:
        return Built(f"{name}.xlsx", XLSX_CONTENT_TYPE, xlsx_bytes(title, header, rows), len(rows))
    return Built(f"{name}.csv", CSV_CONTENT_TYPE, csv_bytes(header, rows), len(rows))


def _errors(form: Any) -> dict[str, list[str]]:
    """The form's errors per field, each named by its label: they are shown together, away from the form."""

    def label(name: str) -> str:
        field = form.fields.get(name)
        return f"{field.label}: " if field is not None and field.label else ""

    return {name: [label(name) + str(message) for message in messages] for name, messages in form.errors.items()}


class Kind(ABC):
    """What one kind of export holds and who may have it; each kind reuses its screen's form and query."""

    formats: frozenset[str] = frozenset()
    fields: tuple[str, ...] = ()
    personal_data = False

    @abstractmethod
    def may_request(self, user: User) -> bool: ...

    @abstractmethod
    def errors(self, user: User, parameters: Mapping[str, Any]) -> dict[str, list[str]]:
        """The screen's form errors for these parameters, per field (empty when they are valid)."""

    def person_id(self, user: User, parameters: Mapping[str, Any]) -> int | None:
        return None

    @abstractmethod
    def build(self, job: ExportJob) -> Built:
        """The file, built for ``job.requested_by`` as the screen would show it to them now."""

    def may_download(self, user: User, job: ExportJob) -> bool:
        return self.may_request(user)


class FundingAudit(Kind):
    formats = frozenset({ExportFormat.CSV, ExportFormat.XLSX})
    fields = ("year", "level", "granularity", "silo", "dimension")

    def may_request(self, user: User) -> bool:
        return policy.may_see_funding_aggregates(user)

    def errors(self, user: User, parameters: Mapping[str, Any]) -> dict[str, list[str]]:
        from funding.forms import report_params_for

        form, _params = report_params_for(user, parameters)
        return _errors(form)

    def build(self, job: ExportJob) -> Built:
        from funding import report
        from funding.forms import report_dimension, report_params_for

        form, params = report_params_for(job.requested_by, job.parameters)
        if params is None:
            raise ExportInvalid
        if report_dimension(form) == "iv3":
            from funding import iv3

            name = f"financieringsstromen-iv3-{params.year}-{params.granularity}"
            rows = iv3.export_rows(iv3.taakveld_flow(params))
            return _table(job, name, _("Funding flows per Iv3 taakveld"), iv3.export_header(), rows)
        flow = report.funding_flow(params, language=job.language)
        name = f"financieringsstromen-{params.year}-{params.level}-{params.granularity}"
        header = report.export_header(exact=flow.exact)
        return _table(job, name, _("Funding flows"), header, report.export_rows(flow))


class MonitoringDashboard(Kind):
    formats = frozenset({ExportFormat.CSV, ExportFormat.XLSX})
    fields = ("municipality", "area", "theme", "start", "end")

    def may_request(self, user: User) -> bool:

        return policy.may_see_monitoring(user)

    def errors(self, user: User, parameters: Mapping[str, Any]) -> dict[str, list[str]]:
        from monitoring.forms import DashboardFilterForm

        form = DashboardFilterForm(parameters)
        return _errors(form)

    def build(self, job: ExportJob) -> Built:
        from monitoring.dashboard import export_rows
        from monitoring.forms import filtered_board

        form, board = filtered_board(job.requested_by, job.parameters)
        if form.is_bound and not form.is_valid():
            raise ExportInvalid
        header, *rows = export_rows(board)
        return _table(job, "monitoring", _("Monitoring"), header, rows)


class BlockageRegister(Kind):
    """The blockage register as filtered on its screen: pseudonymous case references, areas, amounts."""

    formats = frozenset({ExportFormat.CSV, ExportFormat.XLSX})
    fields = ("status", "area", "opened_from", "opened_to", "silo", "reason", "level", "sort")

    def may_request(self, user: User) -> bool:
        return policy.may_see_blockage_register(user)

    def errors(self, user: User, parameters: Mapping[str, Any]) -> dict[str, list[str]]:
        from funding.register import register_form

        return _errors(register_form(user, parameters))

    def build(self, job: ExportJob) -> Built:
        from funding import register

        form = register.register_form(job.requested_by, job.parameters)
        if not form.is_valid():
            raise ExportInvalid
        rows, subjects = register.export_rows(register.register_blockages(job.requested_by, form.cleaned_data))
        built = _table(job, "knelpuntenregister", _("Blockage register"), register.export_header(), rows)
        built.subjects = subjects
        return built


class SubjectAccess(Kind):
    """Article 15 GDPR: the released letter of an access request as JSON, for the privacy officer.

    The file holds exactly the letter's content (``DataSubjectRequest.disclosure``),
    so it discloses nothing the review withheld; a request still in review has
    no file.
    """

    formats = frozenset({ExportFormat.JSON})
    fields = ("request",)
    personal_data = True

    def may_request(self, user: User) -> bool:
        return policy.may_handle_privacy(user)

    def _request(self, user: User, parameters: Mapping[str, Any]) -> Any:
        from cases.models import Person
        from privacy.models import DataSubjectRequest

        try:
            key = uuid_module.UUID(str(parameters.get("request", "")))
        except ValueError:
            return None
        return (
            DataSubjectRequest.objects.filter(uuid=key, kind=DataSubjectRequest.Kind.ACCESS)
            .filter(person_id__in=Person.objects.for_data_subject_request(user).values("pk"))
            .exclude(outcome=DataSubjectRequest.Outcome.IN_REVIEW)
            .first()
        )

    def errors(self, user: User, parameters: Mapping[str, Any]) -> dict[str, list[str]]:
        handled = self._request(user, parameters)
        if handled is None or handled.disclosure is None:
            return {"request": [_("This access request has no released letter.")]}
        return {}

    def person_id(self, user: User, parameters: Mapping[str, Any]) -> int | None:
        handled = self._request(user, parameters)
        return handled.person_id if handled is not None else None

    def build(self, job: ExportJob) -> Built:
        handled = self._request(job.requested_by, job.parameters)
        if handled is None or job.person_id is None:
            raise ExportRefused
        if handled.disclosure is None:
            raise ExportInvalid
        content = json.dumps(handled.disclosure, ensure_ascii=False, indent=2).encode("utf-8")
        return Built(
            "inzageverzoek.json",
            "application/json; charset=utf-8",
            content,
            sum(len(section["items"]) for section in handled.disclosure["sections"]),
            subjects=[access_log.Subject(person_id=job.person_id, object_type="cases.person")],
        )

    def may_download(self, user: User, job: ExportJob) -> bool:
        return self.may_request(user) and job.person_id is not None and self._person_pk_visible(user, job.person_id)

    def _person_pk_visible(self, user: User, person_id: int) -> bool:
        from cases.models import Person

        return Person.objects.for_data_subject_request(user).filter(pk=person_id).exists()


KINDS: dict[str, Kind] = {
    ExportKind.FUNDING_AUDIT: FundingAudit(),
    ExportKind.MONITORING_DASHBOARD: MonitoringDashboard(),
    ExportKind.SUBJECT_ACCESS: SubjectAccess(),
    ExportKind.BLOCKAGE_REGISTER: BlockageRegister(),
}

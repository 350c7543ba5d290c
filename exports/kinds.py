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
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from organisations.models import User
from privacy import access_log, policy
from wijkteam.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_bytes, xlsx_bytes

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
    fields = ("year", "level", "granularity", "silo")

    def may_request(self, user: User) -> bool:
        return policy.may_see_funding_aggregates(user)

    def errors(self, user: User, parameters: Mapping[str, Any]) -> dict[str, list[str]]:
        from funding.forms import report_params_for

        form, _params = report_params_for(user, parameters)
        return _errors(form)

    def build(self, job: ExportJob) -> Built:
        from funding import report
        from funding.forms import report_params_for

        _form, params = report_params_for(job.requested_by, job.parameters)
        if params is None:
            raise ExportInvalid
        flow = report.funding_flow(params, language=job.language)
        name = f"financieringsstromen-{params.year}-{params.level}-{params.granularity}"
        header = report.export_header(exact=flow.exact)
        return _table(job, name, _("Funding flows"), header, report.export_rows(flow))


class MonitoringDashboard(Kind):
    formats = frozenset({ExportFormat.CSV, ExportFormat.XLSX})
    fields = ("municipality", "area", "theme", "start", "end")

    def may_request(self, user: User) -> bool:
        from monitoring.dashboard import may_see_monitoring

        return may_see_monitoring(user)

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


class SubjectAccess(Kind):
    """Article 15 GDPR: everything held about one person, for the privacy officer (JSON).

    The printable page stays synchronous in ``privacy.views``: it is a page the
    officer prints from the browser, not a file to collect.
    """

    formats = frozenset({ExportFormat.JSON})
    fields = ("person", "received_on", "confirm")
    personal_data = True

    def may_request(self, user: User) -> bool:
        return policy.may_handle_privacy(user)

    def _form(self, parameters: Mapping[str, Any]) -> Any:
        from privacy.forms import SubjectActionForm

        return SubjectActionForm(parameters)

    def _person(self, user: User, person_uuid: Any) -> Any:
        from cases.models import Person

        return Person.objects.for_data_subject_request(user).filter(uuid=person_uuid).first()

    def errors(self, user: User, parameters: Mapping[str, Any]) -> dict[str, list[str]]:
        form = self._form(parameters)
        if not form.is_valid():
            return _errors(form)
        if self._person(user, form.cleaned_data["person"]) is None:
            return {"person": [_("This person cannot be found.")]}
        return {}

    def person_id(self, user: User, parameters: Mapping[str, Any]) -> int | None:
        form = self._form(parameters)
        person = self._person(user, form.cleaned_data["person"]) if form.is_valid() else None
        return person.pk if person is not None else None

    def build(self, job: ExportJob) -> Built:
        from privacy.subject_access import subject_access_handle

        form = self._form(job.parameters)
        if not form.is_valid():
            raise ExportInvalid
        person = self._person(job.requested_by, form.cleaned_data["person"])
        if person is None:
            raise ExportRefused
        # The request counts as handled when its file exists, in the same transaction.
        data = subject_access_handle(person=person, received_on=form.cleaned_data["received_on"], by=job.requested_by)
        content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        return Built(
            "inzageverzoek.json",
            "application/json; charset=utf-8",
            content,
            len(data.get("cases", [])),
            subjects=[access_log.subject_for(person)],
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
}

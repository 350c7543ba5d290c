"""The privacy room's export: the released letter of an access request (art. 15 GDPR) as JSON."""

from __future__ import annotations

import json
import uuid as uuid_module
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exports.kinds import Built, ExportInvalid, ExportRefused, Kind
from exports.models import ExportFormat, ExportJob
from organisations.models import User
from privacy import access_log, policy

SUBJECT_ACCESS = "subject_access"


class SubjectAccess(Kind):
    """Article 15 GDPR: the released letter of an access request as JSON, for the privacy officer.

    The file holds exactly the letter's content (``DataSubjectRequest.disclosure``),
    so it discloses nothing the review withheld; a request still in review has
    no file.
    """

    key = SUBJECT_ACCESS
    label = gettext_lazy("data-subject access request")
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

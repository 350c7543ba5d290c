"""Who is on the case and in the household: coordinator, status, involvements, members, consent."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import formats
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters

from common.forms import apply_errors
from common.http import AuthenticatedHttpRequest
from organisations.models import Organisation

from .. import services
from ..forms import (
    CaseTransitionForm,
    ConsentForm,
    CoordinatorForm,
    EndForm,
    InvolvementForm,
    MemberJoinForm,
    person_label,
)
from ..models import Case, Consent, HouseholdMembership, Involvement
from .base import CaseFormView
from .duplicates import DuplicateCheck

# --- The coordinator and the status ------------------------------------------------------------


class CoordinatorAssignView(CaseFormView):
    """Team lead only: one transaction, so the case never has zero or two coordinators."""

    form_class = CoordinatorForm
    template_name = "cases/forms/coordinator.html"
    title = gettext_lazy("Assign the coordinator")
    submit_label = gettext_lazy("Assign")

    def check_access(self) -> None:
        if not Case.objects.led_by(self.request.user).filter(pk=self.case.pk).exists():
            raise PermissionDenied

    @cached_property
    def coordinator(self) -> Involvement | None:
        return (
            Involvement.objects.visible_to(self.request.user)
            .filter(case_id=self.case.pk, is_coordinator=True, end_date__isnull=True)
            .select_related("professional", "organisation")
            .first()
        )

    def initial(self) -> dict[str, Any]:
        return {"professional": self.coordinator.professional_id if self.coordinator else None}

    def perform(self, form: forms.Form) -> None:
        data = form.cleaned_data
        services.coordinator_assign(
            case=self.case, professional=data["professional"], by=self.request.user, legal_basis=data["legal_basis"]
        )

    def get_success_message(self, form: forms.Form) -> str:
        return _("%(name)s is now the coordinator.") % {"name": form.cleaned_data["professional"]}

    def context(self) -> dict[str, Any]:
        return {"coordinator": self.coordinator}


class CaseTransitionView(CaseFormView):
    """Only the statuses the transition table allows from here; the coordinator and the team lead decide."""

    form_class = CaseTransitionForm
    template_name = "cases/forms/case_transition.html"
    title = gettext_lazy("Change the status of the case")
    submit_label = gettext_lazy("Change the status")

    @cached_property
    def may_change(self) -> bool:
        user = self.request.user
        mine = Case.objects.led_by(user) | Case.objects.coordinated_by(user)
        return mine.filter(pk=self.case.pk).exists()

    def check_access(self) -> None:
        # Others may read why they cannot; a POST is refused.
        if self.request.method == "POST" and not self.may_change:
            raise PermissionDenied

    def form_kwargs(self) -> dict[str, Any]:
        return {"case": self.case}

    def perform(self, form: forms.Form) -> None:
        data = form.cleaned_data
        services.case_transition(
            case=self.case, to_status=data["to_status"], by=self.request.user, reason=data["reason"]
        )

    def get_success_message(self, form: forms.Form) -> str:
        self.case.refresh_from_db(fields=["status"])
        return _("The case is now “%(status)s”.") % {"status": self.case.get_status_display()}

    def context(self) -> dict[str, Any]:
        return {"may_change": self.may_change}


# --- Involvements ---------------------------------------------------------------------------


class InvolvementsMixin(CaseFormView):
    def context(self) -> dict[str, Any]:
        involvements = (
            Involvement.objects.visible_to(self.request.user)
            .filter(case_id=self.case.pk)
            .select_related("professional", "organisation")
            .order_by("end_date", "start_date", "id")
        )
        return {"involvements": involvements}


class InvolvementCreateView(InvolvementsMixin):
    form_class = InvolvementForm
    template_name = "cases/forms/involvement.html"
    title = gettext_lazy("Involve a professional")
    submit_label = gettext_lazy("Involve")

    def perform(self, form: forms.Form) -> None:
        data = form.cleaned_data
        services.involvement_add(
            case=self.case,
            professional=data["professional"],
            by=self.request.user,
            role=data["role"],
            legal_basis=data["legal_basis"],
            start_date=data["start_date"],
        )

    def get_success_message(self, form: forms.Form) -> str:
        return _("%(name)s is now involved in the case.") % {"name": form.cleaned_data["professional"]}


class InvolvementEndView(CaseFormView):
    form_class = EndForm
    template_name = "cases/forms/end.html"
    title = gettext_lazy("End an involvement")
    submit_label = gettext_lazy("End the involvement")

    @cached_property
    def involvement(self) -> Involvement:
        return get_object_or_404(
            Involvement.objects.visible_to(self.request.user)
            .filter(case_id=self.case.pk, end_date__isnull=True)
            .select_related("professional", "organisation"),
            uuid=self.kwargs["involvement"],
        )

    def check_access(self) -> None:
        self.involvement  # noqa: B018 — 404 first when it is not an open involvement of this case

    def form_kwargs(self) -> dict[str, Any]:
        return {"start": self.involvement.start_date, "label": _("Last day of the involvement")}

    def perform(self, form: forms.Form) -> None:
        services.involvement_end(
            involvement=self.involvement, by=self.request.user, end_date=form.cleaned_data["end_date"]
        )

    def get_success_message(self, form: forms.Form) -> str:
        return _("The involvement of %(name)s has ended.") % {"name": self.involvement.professional}

    def context(self) -> dict[str, Any]:
        involvement = self.involvement
        return {
            "subject": _("%(name)s (%(organisation)s), involved since %(date)s")
            % {
                "name": involvement.professional,
                "organisation": involvement.organisation,
                "date": formats.date_format(involvement.start_date, "SHORT_DATE_FORMAT"),
            }
        }


# --- Members of the household ---------------------------------------------------------------


# The BSN field must not reach an error report or a log.
@method_decorator(sensitive_post_parameters(), name="dispatch")
class MemberCreateView(CaseFormView):
    form_class = MemberJoinForm
    template_name = "cases/forms/member.html"
    title = gettext_lazy("Add a member to the household")
    submit_label = gettext_lazy("Add the member")

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    def post(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Likely matches among the persons the user may see are shown first; nothing is saved until decided."""
        form = MemberJoinForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        review = DuplicateCheck(request, [form.to_input()])
        if not review.settled:
            return self.render(form, review=review, invalid=review.invalid)
        [member] = review.inputs()
        try:
            services.household_member_add(
                case=self.case, by=request.user, member=member, start_date=form.cleaned_data["start_date"]
            )
        except ValidationError as error:
            match_form = review.entries[0].form
            matched = match_form is not None and "match" in getattr(error, "error_dict", {})
            apply_errors(error, match_form if matched and match_form is not None else form)
            return self.render(form, review=review, invalid=True)
        if member.existing is not None:
            messages.success(
                request, _("%(name)s has been added to the household.") % {"name": member.existing.full_name}
            )
        else:
            messages.success(request, self.get_success_message(form))
        return redirect(self.get_success_url())

    def get_success_message(self, form: forms.Form) -> str:
        return _("%(name)s has been added to the household.") % {
            "name": " ".join(
                part for part in (form.cleaned_data[k] for k in ("first_name", "surname_prefix", "last_name")) if part
            )
        }

    def context(self) -> dict[str, Any]:
        memberships = (
            HouseholdMembership.objects.visible_to(self.request.user)
            .filter(household_id=self.case.household_id)
            .select_related("person")
            .order_by("end_date", "start_date", "id")
        )
        return {"memberships": memberships}


class MemberEndView(CaseFormView):
    form_class = EndForm
    template_name = "cases/forms/end.html"
    title = gettext_lazy("A member leaves the household")
    submit_label = gettext_lazy("Record the departure")

    @cached_property
    def membership(self) -> HouseholdMembership:
        return get_object_or_404(
            HouseholdMembership.objects.visible_to(self.request.user)
            .filter(household_id=self.case.household_id, end_date__isnull=True)
            .select_related("person"),
            person__uuid=self.kwargs["person"],
        )

    def check_access(self) -> None:
        self.membership  # noqa: B018 — 404 first when the person does not live in this household

    def form_kwargs(self) -> dict[str, Any]:
        return {"start": self.membership.start_date, "label": _("Left the household on")}

    def perform(self, form: forms.Form) -> None:
        services.household_member_end(
            case=self.case, membership=self.membership, by=self.request.user, end_date=form.cleaned_data["end_date"]
        )

    def get_success_message(self, form: forms.Form) -> str:
        return _("%(name)s no longer lives in the household; the history is kept.") % {
            "name": self.membership.person.full_name
        }

    def context(self) -> dict[str, Any]:
        return {"subject": person_label(self.membership.person)}


# --- Consent --------------------------------------------------------------------------------


class ConsentCreateView(CaseFormView):
    form_class = ConsentForm
    template_name = "cases/forms/consent.html"
    title = gettext_lazy("Record consent")
    submit_label = gettext_lazy("Record the consent")
    success_message = gettext_lazy("Consent recorded.")

    def perform(self, form: forms.Form) -> None:
        data = form.cleaned_data
        services.consent_record(
            case=self.case,
            person=data["person"],
            purpose=data["purpose"],
            organisations=data["organisations"],
            given_on=data["given_on"],
            expires_on=data["expires_on"],
            by=self.request.user,
        )

    def context(self) -> dict[str, Any]:
        consents = (
            Consent.objects.visible_to(self.request.user)
            .filter(case_id=self.case.pk)
            .select_related("person")
            .prefetch_related(Prefetch("organisations", queryset=Organisation.objects.order_by("name")))
        )
        return {"consents": consents}


class ConsentRevokeView(CaseFormView):
    form_class = EndForm
    template_name = "cases/forms/end.html"
    title = gettext_lazy("Revoke consent")
    submit_label = gettext_lazy("Revoke the consent")

    @cached_property
    def consent(self) -> Consent:
        return get_object_or_404(
            Consent.objects.visible_to(self.request.user)
            .filter(case_id=self.case.pk, revoked_on__isnull=True)
            .select_related("person"),
            uuid=self.kwargs["consent"],
        )

    def check_access(self) -> None:
        self.consent  # noqa: B018 — 404 first when it is not a standing consent of this case

    def form_kwargs(self) -> dict[str, Any]:
        return {"start": self.consent.given_on, "label": _("Revoked on")}

    def perform(self, form: forms.Form) -> None:
        services.consent_revoke(consent=self.consent, by=self.request.user, revoked_on=form.cleaned_data["end_date"])

    def get_success_message(self, form: forms.Form) -> str:
        return _("The consent of %(name)s has been revoked.") % {"name": self.consent.person.full_name}

    def context(self) -> dict[str, Any]:
        return {
            "subject": _("%(name)s: %(purpose)s")
            % {"name": self.consent.person.full_name, "purpose": self.consent.purpose}
        }

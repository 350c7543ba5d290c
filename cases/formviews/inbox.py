"""The team's referral inbox, its decisions, transfers between teams and a new case for a known household."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_GET

from common.forms import apply_errors
from common.http import AuthenticatedHttpRequest
from organisations.models import Team, User
from privacy import access_log, policy, purpose
from privacy.access import get_visible_or_404, record_refused

from .. import inbox
from ..forms import HandoverForm, KnownHouseholdCaseForm, ReasonForm, ReferralAcceptForm
from ..models import Case, CaseStatus, CaseTransfer, Household, HouseholdMembership
from .base import CaseFormView, household_url


def team_professionals(team_id: int) -> list[User]:
    """Current members of a team who can coordinate (one query)."""
    from organisations.models import TeamMembership

    memberships = TeamMembership.objects.current().filter(team_id=team_id)
    return list(
        User.objects.filter(
            memberships__in=memberships, role__in=policy.CASEWORK_ROLES, organisation__isnull=False, is_active=True
        )
        .select_related("organisation")
        .distinct()
        .order_by("first_name", "last_name", "id")
    )


def other_teams(case: Case) -> list[Team]:
    """The teams a case can move to: the other teams of its municipality."""
    return list(
        Team.objects.filter(municipality_id=case.team.municipality_id).exclude(pk=case.team_id).order_by("name")
    )


# --- The inbox ------------------------------------------------------------------------------------------------------


@login_required
@require_GET
def inbox_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The referrals waiting in the user's teams, and the transfers waiting for the teams they lead."""
    user = request.user
    if not policy.may_see_casework(user):
        record_refused(request, detail="inbox")
        raise PermissionDenied
    referrals = list(
        Case.objects.visible_to(user)
        .filter(status=CaseStatus.REFERRAL, team__in=policy.team_ids_of(user))
        .select_related("household", "team")
        .prefetch_related(
            Prefetch(
                "transfers",
                queryset=CaseTransfer.objects.filter(kind=CaseTransfer.Kind.FORWARD).select_related("from_team"),
                to_attr="forwards",
            ),
        )
        .order_by("referred_on", "id")
    )
    incoming = list(
        CaseTransfer.objects.visible_to(user)
        .pending()
        .filter(to_team__in=policy.led_team_ids(user))
        .select_related("case", "from_team", "to_team", "requested_by")
    )
    outgoing = list(
        CaseTransfer.objects.visible_to(user)
        .pending()
        .filter(from_team__in=policy.team_ids_of(user))
        .select_related("case__household", "to_team")
    )
    access_log.record_many(
        user=user,
        action=access_log.Action.READ,
        subjects=[
            *(access_log.subject_for(case) for case in referrals),
            *(access_log.subject_for(transfer) for transfer in incoming),
            *(access_log.subject_for(transfer.case) for transfer in outgoing),
        ],
        request=request,
        detail="inbox",
    )
    led = set(policy.led_team_ids(user))
    return render(
        request,
        "cases/inbox.html",
        {
            "referrals": [(case, case.team_id in led) for case in referrals],
            "incoming": incoming,
            "outgoing": outgoing,
        },
    )


class TriageView(CaseFormView):
    """A lead's decision on a referral in the team's inbox.

    Triage is the reason of the read (``purpose.TRIAGE``): the lead is not asked for one first, and the
    log row says so. A referral the user may not see is a 404; one of a team they do not lead a 403.
    """

    template_name = "cases/forms/triage.html"
    success_url_name = "cases:inbox"

    def dispatch(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        action = access_log.Action.READ if request.method in ("GET", "HEAD") else access_log.Action.UPDATE
        self.case = get_visible_or_404(
            Case.objects.select_related("household", "team"),
            request,
            action=action,
            log_read=False,
            uuid=kwargs["case"],
        )
        if not Case.objects.led_by(request.user).filter(pk=self.case.pk).exists():
            self.log_access(action, access_log.Outcome.REFUSED)
            raise PermissionDenied
        found = purpose.lead_purpose(request.user, self.case.household_id, case_ids=[self.case.pk])
        activity = found.activity if found else ""
        self.log_access(
            action, access_log.Outcome.ALLOWED, purpose.ReadPurpose(activity=activity, reason=purpose.TRIAGE)
        )
        return View.dispatch(self, request, *args, **kwargs)

    def get_success_url(self) -> str:
        return reverse("cases:inbox")

    def context(self) -> dict[str, Any]:
        members = list(
            HouseholdMembership.objects.visible_to(self.request.user)
            .current()
            .filter(household_id=self.case.household_id)
            .select_related("person")
            .order_by("start_date", "id")
        )
        forwards = list(
            self.case.transfers.filter(kind=CaseTransfer.Kind.FORWARD).select_related("from_team", "requested_by")
        )
        return {"members": members, "forwards": forwards, "in_inbox": self.case.status == CaseStatus.REFERRAL}


class ReferralAcceptView(TriageView):
    form_class = ReferralAcceptForm
    title = gettext_lazy("Accept the referral")
    submit_label = gettext_lazy("Accept and assign")

    def form_kwargs(self) -> dict[str, Any]:
        return {"professionals": team_professionals(self.case.team_id)}

    def perform(self, form: forms.Form) -> None:
        data = form.cleaned_data
        inbox.referral_accept(
            case=self.case, professional=data["professional"], by=self.request.user, legal_basis=data["legal_basis"]
        )

    def get_success_message(self, form: forms.Form) -> str:
        return _("Referral %(reference)s accepted; %(name)s is its coordinator.") % {
            "reference": self.case.reference,
            "name": form.cleaned_data["professional"],
        }

    def get_success_url(self) -> str:
        return household_url(self.case)


class ReferralRejectView(TriageView):
    form_class = ReasonForm
    title = gettext_lazy("Do not take the referral on")
    submit_label = gettext_lazy("Reject the referral")

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    def perform(self, form: forms.Form) -> None:
        inbox.referral_reject(case=self.case, reason=form.cleaned_data["reason"], by=self.request.user)

    def get_success_message(self, form: forms.Form) -> str:
        return _("Referral %(reference)s was not taken on; the case is closed.") % {"reference": self.case.reference}


class ReferralForwardView(TriageView):
    form_class = HandoverForm
    title = gettext_lazy("Forward the referral to another team")
    submit_label = gettext_lazy("Forward")

    def form_kwargs(self) -> dict[str, Any]:
        return {"teams": other_teams(self.case)}

    def perform(self, form: forms.Form) -> None:
        data = form.cleaned_data
        inbox.referral_forward(case=self.case, to_team=data["to_team"], note=data["note"], by=self.request.user)

    def get_success_message(self, form: forms.Form) -> str:
        return _("Referral %(reference)s was forwarded to %(team)s.") % {
            "reference": self.case.reference,
            "team": form.cleaned_data["to_team"].name,
        }


# --- Transfers of an open case -------------------------------------------------------------------------------------


class TransferRequestView(CaseFormView):
    """The coordinator or a lead of the case's team asks another team to take the case over."""

    form_class = HandoverForm
    template_name = "cases/forms/transfer_request.html"
    title = gettext_lazy("Transfer the case to another team")
    submit_label = gettext_lazy("Ask to take over")
    success_message = gettext_lazy("The receiving team's lead is asked to take the case over.")

    def check_access(self) -> None:
        if not policy.may_request_transfer(self.request.user, self.case.pk, self.case.team_id):
            raise PermissionDenied

    def form_kwargs(self) -> dict[str, Any]:
        return {"teams": other_teams(self.case)}

    def perform(self, form: forms.Form) -> None:
        data = form.cleaned_data
        inbox.transfer_request(case=self.case, to_team=data["to_team"], note=data["note"], by=self.request.user)

    def context(self) -> dict[str, Any]:
        return {"pending": self.case.transfers.pending().select_related("to_team").first()}


class TransferDecisionView(LoginRequiredMixin, View):
    """A lead of the receiving team accepts or declines a transfer; the household opens only once accepted."""

    request: AuthenticatedHttpRequest
    form_class: type[forms.Form]
    title: Any = ""
    submit_label: Any = ""

    def dispatch(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        action = access_log.Action.READ if request.method in ("GET", "HEAD") else access_log.Action.UPDATE
        self.transfer = get_visible_or_404(
            CaseTransfer.objects.select_related("case", "from_team", "to_team", "requested_by"),
            request,
            action=action,
            detail="transfer",
            log_read=False,
            uuid=kwargs["transfer"],
        )
        subject = access_log.subject_for(self.transfer)
        if self.transfer.status != CaseTransfer.Status.PENDING or not policy.leads_team(
            request.user, self.transfer.to_team_id
        ):
            access_log.record(
                user=request.user,
                action=action,
                subject=subject,
                outcome=access_log.Outcome.REFUSED,
                request=request,
                detail="transfer",
            )
            raise PermissionDenied
        access_log.record(user=request.user, action=action, subject=subject, request=request, detail="transfer")
        return super().dispatch(request, *args, **kwargs)

    def make_form(self, data: Any = None) -> forms.Form:
        return self.form_class(data)

    def get(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render(self.make_form())

    def post(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                url = self.perform(form)
            except ValidationError as error:
                apply_errors(error, form)
            else:
                return redirect(url)
        return self.render(form)

    def perform(self, form: forms.Form) -> str:
        raise NotImplementedError

    def render(self, form: forms.Form) -> HttpResponse:
        context = {"transfer": self.transfer, "form": form, "title": self.title, "submit_label": self.submit_label}
        return render(self.request, "cases/forms/transfer_decision.html", context)


class TransferAcceptView(TransferDecisionView):
    form_class = ReferralAcceptForm
    title = gettext_lazy("Take the case over")
    submit_label = gettext_lazy("Take over and assign")

    def make_form(self, data: Any = None) -> forms.Form:
        return ReferralAcceptForm(data, professionals=team_professionals(self.transfer.to_team_id))

    def perform(self, form: forms.Form) -> str:
        data = form.cleaned_data
        inbox.transfer_accept(
            transfer=self.transfer,
            professional=data["professional"],
            by=self.request.user,
            legal_basis=data["legal_basis"],
        )
        messages.success(
            self.request,
            _("Case %(reference)s is now with %(team)s; %(name)s is its coordinator.")
            % {
                "reference": self.transfer.case.reference,
                "team": self.transfer.to_team.name,
                "name": data["professional"],
            },
        )
        return household_url(self.transfer.case)


class TransferDeclineView(TransferDecisionView):
    form_class = ReasonForm
    title = gettext_lazy("Decline the transfer")
    submit_label = gettext_lazy("Decline")

    def perform(self, form: forms.Form) -> str:
        inbox.transfer_decline(transfer=self.transfer, reason=form.cleaned_data["reason"], by=self.request.user)
        messages.success(self.request, _("The transfer was declined; the case stays with its team."))
        return reverse("cases:inbox")


# --- A new case for a household known from a closed case ------------------------------------------------------


class KnownHouseholdCaseView(LoginRequiredMixin, View):
    """ "Nieuwe casus" on the household page of a closed case: the household and its people are reused."""

    request: AuthenticatedHttpRequest

    def dispatch(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        action = access_log.Action.READ if request.method in ("GET", "HEAD") else access_log.Action.CREATE
        self.household = get_visible_or_404(
            Household.objects.all(), request, action=action, log_read=False, detail="new case", uuid=kwargs["uuid"]
        )
        read_purpose, ask = purpose.screen_purpose(request, self.household)
        if ask is not None:
            return ask
        access_log.record(
            user=request.user,
            action=action,
            subject=access_log.subject_for(self.household),
            request=request,
            detail="new case",
            **(read_purpose.as_log() if read_purpose else {}),
        )
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def teams(self) -> list[Team]:
        return list(Team.objects.filter(pk__in=policy.team_ids_of(self.request.user)).order_by("name"))

    def get(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render(KnownHouseholdCaseForm(teams=self.teams))

    def post(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = KnownHouseholdCaseForm(request.POST, teams=self.teams)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = inbox.case_open_for_household(
                    household=self.household,
                    team=data["team"],
                    by=request.user,
                    referral_source=data["referral_source"],
                    referral_reason=data["referral_reason"],
                    referred_on=data["referred_on"],
                    legal_basis=data["legal_basis"],
                )
            except ValidationError as error:
                apply_errors(error, form)
            else:
                messages.success(
                    request,
                    _("Case %(reference)s registered for this household; it waits in the team's inbox.")
                    % {"reference": case.reference},
                )
                return redirect(f"{household_url(case)}?casus={case.uuid}")
        return self.render(form)

    def render(self, form: forms.Form) -> HttpResponse:
        members = list(
            HouseholdMembership.objects.visible_to(self.request.user)
            .current()
            .filter(household=self.household)
            .select_related("person")
            .order_by("start_date", "id")
        )
        return render(
            self.request,
            "cases/forms/known_household_case.html",
            {"form": form, "household": self.household, "members": members},
        )

"""The network around the household (ecogram): add, edit and end a person who is not a member."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from common.forms import apply_errors
from common.http import AuthenticatedHttpRequest
from privacy import access_log, purpose
from privacy.access import get_visible_or_404

from .. import network
from ..forms import EndForm, NetworkPersonForm
from ..models import Household, HouseholdMembership, NetworkPerson, Person


class HouseholdFormView(LoginRequiredMixin, View):
    """One form about one household the user may see (a 404 otherwise, logged), one service call."""

    request: AuthenticatedHttpRequest
    household: Household
    entry: NetworkPerson | None = None
    title: Any = ""
    submit_label: Any = ""

    def dispatch(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        action = access_log.Action.READ if request.method in ("GET", "HEAD") else access_log.Action.UPDATE
        self.household = get_visible_or_404(
            Household.objects.all(), request, action=action, log_read=False, detail="network", uuid=kwargs["uuid"]
        )
        if "entry" in kwargs:
            self.entry = get_visible_or_404(
                NetworkPerson.objects.select_related("related_to"),
                request,
                action=action,
                log_read=False,
                detail="network",
                household=self.household,
                uuid=kwargs["entry"],
            )
        read_purpose, ask = purpose.screen_purpose(request, self.household)
        if ask is not None:
            return ask
        access_log.record(
            user=request.user,
            action=action,
            subject=access_log.subject_for(self.entry or self.household),
            request=request,
            detail="network",
            **(read_purpose.as_log() if read_purpose else {}),
        )
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def members(self) -> list[Person]:
        memberships = (
            HouseholdMembership.objects.visible_to(self.request.user)
            .current()
            .filter(household=self.household)
            .select_related("person")
            .order_by("start_date", "id")
        )
        return [membership.person for membership in memberships]

    def make_form(self, data: Any = None) -> forms.Form:
        raise NotImplementedError

    def perform(self, form: forms.Form) -> str:
        """Call the service; return the success message."""
        raise NotImplementedError

    def get(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render(self.make_form())

    def post(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                message = self.perform(form)
            except ValidationError as error:
                apply_errors(error, form)
            else:
                messages.success(request, message)
                return redirect(reverse("cases:household", args=[self.household.uuid]) + "#netwerk")
        return self.render(form)

    def render(self, form: forms.Form) -> HttpResponse:
        context = {
            "household": self.household,
            "entry": self.entry,
            "form": form,
            "title": self.title,
            "submit_label": self.submit_label,
        }
        return render(self.request, "cases/forms/household_form.html", context)


def _input(form: forms.Form) -> network.NetworkInput:
    data = form.cleaned_data
    return network.NetworkInput(
        name=data["name"],
        related_to=data["related_to"],
        relation=data["relation"],
        relation_detail=data["relation_detail"],
    )


class NetworkCreateView(HouseholdFormView):
    title = gettext_lazy("Add someone from the household's network")
    submit_label = gettext_lazy("Add")

    def make_form(self, data: Any = None) -> forms.Form:
        return NetworkPersonForm(data, members=self.members)

    def perform(self, form: forms.Form) -> str:
        entry = network.network_person_add(household=self.household, data=_input(form), by=self.request.user)
        return _("%(name)s was added to the network.") % {"name": entry.name}


class NetworkEditView(HouseholdFormView):
    title = gettext_lazy("Change a person in the network")
    submit_label = gettext_lazy("Save")

    def make_form(self, data: Any = None) -> forms.Form:
        assert self.entry is not None
        members = self.members
        if self.entry.related_to not in members:  # related to someone who has since left: still shown
            members = [*members, self.entry.related_to]
        initial = {
            "name": self.entry.name,
            "related_to": self.entry.related_to,
            "relation": self.entry.relation,
            "relation_detail": self.entry.relation_detail,
        }
        return NetworkPersonForm(data, initial=initial, members=members)

    def perform(self, form: forms.Form) -> str:
        assert self.entry is not None
        entry = network.network_person_update(entry=self.entry, data=_input(form), by=self.request.user)
        return _("The details of %(name)s were saved.") % {"name": entry.name}


class NetworkEndView(HouseholdFormView):
    title = gettext_lazy("No longer in the network")
    submit_label = gettext_lazy("Save the end date")

    def make_form(self, data: Any = None) -> forms.Form:
        assert self.entry is not None
        return EndForm(data, start=self.entry.start_date, label=_("Until"))

    def perform(self, form: forms.Form) -> str:
        assert self.entry is not None
        entry = network.network_person_end(
            entry=self.entry, by=self.request.user, end_date=form.cleaned_data["end_date"]
        )
        return _("%(name)s is no longer in the network.") % {"name": entry.name}

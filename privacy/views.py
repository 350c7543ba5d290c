"""The privacy officer's screens: the access log, data-subject requests and retention."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case, Person
from exports.models import ExportKind
from exports.views import request_export
from wijkteam.exports import csv_response
from wijkteam.http import AuthenticatedHttpRequest

from . import access_log, policy, register
from .forms import LogSearchForm, SubjectActionForm, SubjectLookupForm
from .logboek import logboek_export
from .models import AccessLogEntry, DataSubjectRequest, RetentionRule
from .retention import retention_duty_for_person, subject_erasure
from .subject_access import subject_access_handle
from .tasks import apply_retention

LOG_PAGE = 100


# What a refused visitor attempted, per screen, when they submit its form (reading it is a read).
REFUSED_POST_ACTIONS = {
    "log_search": access_log.Action.SEARCH,
    "subject_requests": access_log.Action.SEARCH,
    "subject_export": access_log.Action.EXPORT,
    "subject_anonymise": access_log.Action.DELETE,
    "retention": access_log.Action.UPDATE,
    "processing_register": access_log.Action.READ,
    "processing_register_export": access_log.Action.EXPORT,
    "subject_logboek": access_log.Action.EXPORT,
}


def privacy_officer_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not policy.may_handle_privacy(request.user):
            log_refused(request, REFUSED_POST_ACTIONS[view.__name__])
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def log_refused(request: HttpRequest, post_action: str) -> None:
    """A refused attempt on the privacy screens, with the person it aimed at when the form named one."""
    person = None
    if request.method == "POST" and request.POST.get("person"):
        form = SubjectActionForm({"person": request.POST["person"]})
        form.is_valid()
        if "person" in getattr(form, "cleaned_data", {}):
            person = Person.objects.filter(uuid=form.cleaned_data["person"]).first()
    access_log.record(
        user=request.user,
        action=access_log.Action.READ if request.method in ("GET", "HEAD") else post_action,
        subject=access_log.subject_for(person) if person else access_log.Subject(object_type="cases.person"),
        outcome=access_log.Outcome.REFUSED,
        request=request,
        detail="privacy screens",
    )


@privacy_officer_only
def log_search(request: AuthenticatedHttpRequest) -> HttpResponse:
    """POST only, so that no BSN or name ever lands in a URL or a server log."""
    form = LogSearchForm(request.POST or None)
    rows: list[AccessLogEntry] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        query = AccessLogEntry.objects.all()
        if data["username"]:
            query = query.filter(username=data["username"])
        if data["bsn"]:
            person = Person.objects.for_data_subject_request(request.user).filter(bsn=data["bsn"]).first()
            household_ids = list(person.memberships.values_list("household_id", flat=True)) if person else []
            query = query.filter(Q(person_id=getattr(person, "pk", -1)) | Q(household_id__in=household_ids))
        if data["case_reference"]:
            case = Case.objects.filter(reference=data["case_reference"].strip().upper()).first()
            query = query.filter(case_id=getattr(case, "pk", -1))
        if data["date_from"]:
            query = query.filter(occurred_at__date__gte=data["date_from"])
        if data["date_to"]:
            query = query.filter(occurred_at__date__lte=data["date_to"])
        if data["outcome"]:
            query = query.filter(outcome=data["outcome"])
        if data["activity"]:
            query = query.filter(activity=data["activity"])
        if data["with_reason"]:
            query = query.exclude(reason="")
        rows = list(query.order_by("-seq")[:LOG_PAGE])
        access_log.record(
            user=request.user,
            action=access_log.Action.SEARCH,
            request=request,
            detail="access log search",
        )
    return render(request, "privacy/log_search.html", {"form": form, "rows": rows, "limit": LOG_PAGE})


@privacy_officer_only
def subject_requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SubjectLookupForm(request.POST or None)
    persons: list[Person] = []
    if request.method == "POST" and form.is_valid():
        people = Person.objects.for_data_subject_request(request.user)
        if form.cleaned_data["bsn"]:
            people = people.filter(bsn=form.cleaned_data["bsn"])
        else:
            reference = form.cleaned_data["case_reference"].strip().upper()
            people = people.filter(memberships__household__cases__reference=reference).distinct()
        persons = list(people.order_by("last_name", "first_name")[:20])
        access_log.record_many(
            user=request.user,
            action=access_log.Action.SEARCH,
            subjects=[access_log.subject_for(p) for p in persons] or [access_log.Subject()],
            request=request,
            detail="data-subject request lookup",
        )
    duties = {p.pk: retention_duty_for_person(p) for p in persons}
    return render(
        request,
        "privacy/subject_requests.html",
        {"form": form, "persons": persons, "duties": duties, "handled": DataSubjectRequest.objects.all()[:20]},
    )


def _subject(request: AuthenticatedHttpRequest) -> tuple[SubjectActionForm, Person | None]:
    form = SubjectActionForm(request.POST)
    if not form.is_valid():
        return form, None
    person = Person.objects.for_data_subject_request(request.user).filter(uuid=form.cleaned_data["person"]).first()
    if person is None:
        raise Http404
    return form, person


@privacy_officer_only
def subject_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    """JSON: a background export, collected on "Mijn exports". The printable page stays synchronous: it is a
    page the officer prints from the browser, not a file to keep, and it is built in a fixed number of queries."""
    if request.method != "POST":
        return redirect("privacy:requests")
    if fmt == "json":
        return request_export(request, kind=ExportKind.SUBJECT_ACCESS, fmt=fmt, back=reverse("privacy:requests"))
    if fmt != "html":
        raise Http404
    form, person = _subject(request)
    if person is None:
        messages.error(request, _("Confirm the requester's identity and the date the request came in."))
        return redirect("privacy:requests")
    data = subject_access_handle(person=person, received_on=form.cleaned_data["received_on"], by=request.user)
    access_log.record(
        user=request.user,
        action=access_log.Action.PRINT,
        subject=access_log.subject_for(person),
        request=request,
        detail="data-subject access request",
    )
    return render(request, "privacy/subject_export.html", {"data": data})


@privacy_officer_only
def subject_anonymise(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("privacy:requests")
    form, person = _subject(request)
    if person is None:
        messages.error(request, _("Confirm the requester's identity and the date the request came in."))
        return redirect("privacy:requests")
    handled = subject_erasure(person=person, received_on=form.cleaned_data["received_on"], by=request.user)
    duty = handled.outcome == DataSubjectRequest.Outcome.REFUSED
    if duty:
        messages.error(request, _("Not anonymised: a retention duty still applies to this person's case data."))
    else:
        messages.success(request, _("The person has been anonymised. The access log is kept."))
    access_log.record(
        user=request.user,
        action=access_log.Action.DELETE,
        subject=access_log.subject_for(person),
        outcome=access_log.Outcome.REFUSED if duty else access_log.Outcome.ALLOWED,
        request=request,
        detail="data-subject erasure request",
    )
    return redirect("privacy:requests")


@privacy_officer_only
def retention(request: AuthenticatedHttpRequest) -> HttpResponse:
    due = apply_retention(dry_run=True)
    references = list(Case.objects.filter(pk__in=due).order_by("reference").values_list("reference", flat=True)[:200])
    rules = RetentionRule.objects.select_related("silo")
    return render(request, "privacy/retention.html", {"rules": rules, "due": len(due), "references": references})


# --- The processing register (AVG art. 30) and the Logboek export ---------------------

REGISTER_COLUMNS = [
    ("code", _("Code")),
    ("name", _("Processing activity")),
    ("purpose", _("Purpose")),
    ("legal_bases", _("Legal basis")),
    ("persons", _("Categories of persons")),
    ("data", _("Categories of personal data")),
    ("recipients", _("Recipients")),
    ("retention", _("Retention period")),
    ("safeguards", _("Safeguards")),
    ("models", _("Where in Wijkteam")),
]


@privacy_officer_only
def processing_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Het verwerkingsregister: every processing activity, with the configuration filled in."""
    return render(request, "privacy/register.html", {"activities": register.register_rows()})


@privacy_officer_only
def processing_register_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    rows = register.register_rows()
    if fmt == "json":
        response = JsonResponse({"activities": rows}, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = 'attachment; filename="verwerkingsregister.json"'
        return response
    if fmt != "csv":
        raise Http404
    return csv_response(
        "verwerkingsregister.csv",
        [str(label) for _key, label in REGISTER_COLUMNS],
        (
            [
                "; ".join(map(str, row[key])) if isinstance(row[key], list) else row[key]
                for key, _label in REGISTER_COLUMNS
            ]
            for row in rows
        ),
    )


@privacy_officer_only
def subject_logboek(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The processings of one data subject in the shape of the Logboek Dataverwerkingen (JSON)."""
    if request.method != "POST":
        return redirect("privacy:requests")
    _form, person = _subject(request)
    if person is None:
        messages.error(request, _("Confirm the requester's identity and the date the request came in."))
        return redirect("privacy:requests")
    data = logboek_export(person, base_url=request.build_absolute_uri("/"))
    access_log.record(
        user=request.user,
        action=access_log.Action.EXPORT,
        subject=access_log.subject_for(person),
        request=request,
        detail="data-subject logboek export",
    )
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="logboek-dataverwerkingen.json"'
    return response

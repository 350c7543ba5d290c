"""The privacy officer's screens: the access log, data-subject requests and retention."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import Case, HouseholdMembership, Person
from common.forms import apply_errors
from common.http import AuthenticatedHttpRequest
from common.spreadsheets import csv_response
from exports.views import request_export

from . import access_log, policy, purpose, register
from . import exports as kinds
from .forms import DisclosureDecisionForm, ErasureConfirmForm, LogSearchForm, SubjectActionForm, SubjectLookupForm
from .logboek import logboek_export
from .models import AccessLogEntry, DataSubjectRequest, OfficerVisit, RetentionRule
from .personal_data import RULES
from .reads import read_row
from .retention import retention_apply, retention_duty_for_person, retention_overview, subject_erasure
from .services import officer_visit_record
from .subject_access import (
    disclosure_decide,
    file_reads_condition,
    membership_periods,
    person_disclosure,
    subject_access_open,
    subject_access_release,
    undecided_confidential,
    withheld_keys,
)

LOG_PAGE = 100
READS_PAGE = 50
HOME_ROWS = 50
FIRST_VISIT_LOOKBACK = datetime.timedelta(days=30)
HOME_WINDOW_KEY = "privacy_home_window"
SUBJECT_RIGHTS = "subject-rights"


# What a refused visitor attempted, per screen, when they submit its form (reading it is a read).
REFUSED_POST_ACTIONS = {
    "home": access_log.Action.READ,
    "access_open": access_log.Action.CREATE,
    "access_review": access_log.Action.UPDATE,
    "access_release": access_log.Action.EXPORT,
    "access_letter": access_log.Action.PRINT,
    "access_reads": access_log.Action.READ,
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
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The privacy officer's start page: their screens, and the refused reads and the reads outside the reader's
    usual purpose (those that carry a reason) since their last visit, newest first, paged.

    Opening the page (its first page) is a visit: the window runs from the previous visit to now and is kept in
    the session, so the later pages of the same visit show the same rows.
    """
    since, until = _visit_window(request)
    reports = AccessLogEntry.objects.officer_reports(since=since, until=until, officer_id=request.user.pk).order_by(
        "-occurred_at", "-seq"
    )
    page = Paginator(reports, HOME_ROWS).get_page(request.GET.get("pagina"))
    rows = list(page)  # read before this visit is logged
    access_log.record(
        user=request.user,
        action=access_log.Action.READ,
        request=request,
        detail="privacy start page",
        activity="access-supervision",
    )
    context = {
        "since": since,
        "first_visit": since == until - FIRST_VISIT_LOOKBACK,
        "page": page,
        "rows": rows,
        "in_review": DataSubjectRequest.objects.filter(outcome=DataSubjectRequest.Outcome.IN_REVIEW).count(),
    }
    return render(request, "privacy/home.html", context)


def _visit_window(request: AuthenticatedHttpRequest) -> tuple[datetime.datetime, datetime.datetime]:
    """From the last visit to this one; a later page of the same visit keeps its window."""
    kept = request.session.get(HOME_WINDOW_KEY)
    if "pagina" in request.GET and kept:
        return datetime.datetime.fromisoformat(kept[0]), datetime.datetime.fromisoformat(kept[1])
    now = timezone.now()
    visit = OfficerVisit.objects.filter(user=request.user).first()
    since = visit.seen_until if visit is not None else now - FIRST_VISIT_LOOKBACK
    officer_visit_record(user=request.user, at=now)
    request.session[HOME_WINDOW_KEY] = [since.isoformat(), now.isoformat()]
    return since, now


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
            # A BSN may belong to more than one person until the duplicate review merges them (docs/bsn-rule.md).
            persons = Person.objects.for_data_subject_request(request.user).filter(bsn=data["bsn"])
            household_ids = HouseholdMembership.objects.filter(person__in=persons).values("household_id")
            query = query.filter(Q(person_id__in=persons.values("pk")) | Q(household_id__in=household_ids))
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
        # Newest first: rows not yet chained (no seq) lead, newest of them first.
        rows = list(query.order_by(F("seq").desc(nulls_first=True), "-id")[:LOG_PAGE])
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
            activity=SUBJECT_RIGHTS,
            reason=purpose.subject_request_reason(),
        )
    duties = {p.pk: retention_duty_for_person(p) for p in persons}
    return render(
        request,
        "privacy/subject_requests.html",
        {"form": form, "persons": persons, "duties": duties, "handled": DataSubjectRequest.objects.all()[:20]},
    )


def _log_person_read(
    request: AuthenticatedHttpRequest,
    person: Person,
    detail: str,
    reason: str,
    *,
    action: str = access_log.Action.READ,
    outcome: str = access_log.Outcome.ALLOWED,
) -> None:
    """The officer's use of one person's file, as one row: handling a request is its own activity, and the
    request (its kind and the day it came in) is the reason, without a question to the officer."""
    access_log.record(
        user=request.user,
        action=action,
        subject=access_log.subject_for(person),
        outcome=outcome,
        request=request,
        detail=detail,
        activity=SUBJECT_RIGHTS,
        reason=reason,
    )


def _request_reason(handled: DataSubjectRequest) -> str:
    return purpose.subject_request_reason(handled.kind, handled.received_on)


def _subject(request: AuthenticatedHttpRequest) -> tuple[SubjectActionForm, Person | None]:
    form = SubjectActionForm(request.POST)
    if not form.is_valid():
        return form, None
    person = Person.objects.for_data_subject_request(request.user).filter(uuid=form.cleaned_data["person"]).first()
    if person is None:
        raise Http404
    return form, person


def _open_request(request: AuthenticatedHttpRequest, uuid: Any) -> tuple[DataSubjectRequest, Person]:
    """An access request of a person the officer may handle (the policy's one door to persons), else 404."""
    people = Person.objects.for_data_subject_request(request.user)
    handled = (
        DataSubjectRequest.objects.filter(uuid=uuid, kind=DataSubjectRequest.Kind.ACCESS)
        .filter(person_id__in=people.values("pk"))
        .first()
    )
    if handled is None:
        access_log.record(
            user=request.user,
            action=access_log.Action.READ,
            subject=access_log.Subject(object_type="privacy.datasubjectrequest", object_uuid=uuid),
            outcome=access_log.Outcome.REFUSED,
            request=request,
            detail="access request",
        )
        raise Http404
    return handled, people.get(pk=handled.person_id)


@privacy_officer_only
def access_open(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Register an access request and go to its review: nothing is disclosed before the release."""
    if request.method != "POST":
        return redirect("privacy:requests")
    form, person = _subject(request)
    if person is None:
        messages.error(request, _("Confirm the requester's identity and the date the request came in."))
        return redirect("privacy:requests")
    handled = subject_access_open(person=person, received_on=form.cleaned_data["received_on"], by=request.user)
    return redirect("privacy:access-review", uuid=handled.uuid)


@privacy_officer_only
def access_review(request: AuthenticatedHttpRequest, uuid: Any) -> HttpResponse:
    """What the letter would disclose, item by item; the officer withholds (with a reason) or releases items."""
    handled, person = _open_request(request, uuid)
    if handled.outcome != DataSubjectRequest.Outcome.IN_REVIEW:
        return redirect("privacy:access-letter", uuid=handled.uuid)
    form = DisclosureDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            disclosure_decide(
                request=handled,
                item=form.cleaned_data["item"],
                withhold=form.cleaned_data["decision"] == "withhold",
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            apply_errors(error, form)
        else:
            messages.success(request, _("Your decision has been recorded."))
            return redirect("privacy:access-review", uuid=handled.uuid)
    disclosure = person_disclosure(person)
    decisions = {d.item: d for d in handled.decisions.select_related("decided_by")}
    withheld = withheld_keys(disclosure, decisions)
    _log_person_read(request, person, "access request review", _request_reason(handled))
    return render(
        request,
        "privacy/access_review.html",
        {
            "handled": handled,
            "person": person,
            "disclosure": disclosure,
            "decisions": decisions,
            "withheld": withheld,
            "undecided": undecided_confidential(disclosure, decisions),
            "form": form,
        },
    )


@privacy_officer_only
def access_release(request: AuthenticatedHttpRequest, uuid: Any) -> HttpResponse:
    if request.method != "POST":
        return redirect("privacy:access-review", uuid=uuid)
    handled, person = _open_request(request, uuid)
    try:
        subject_access_release(request=handled, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("privacy:access-review", uuid=handled.uuid)
    _log_person_read(
        request, person, "access request released", _request_reason(handled), action=access_log.Action.EXPORT
    )
    messages.success(request, _("The letter has been released. Print it or send the JSON file with it."))
    return redirect("privacy:access-letter", uuid=handled.uuid)


@privacy_officer_only
def access_letter(request: AuthenticatedHttpRequest, uuid: Any) -> HttpResponse:
    """The released letter, in the language it was released in, to print for the resident."""
    handled, person = _open_request(request, uuid)
    if handled.outcome == DataSubjectRequest.Outcome.IN_REVIEW:
        return redirect("privacy:access-review", uuid=handled.uuid)
    _log_person_read(request, person, "access request letter", _request_reason(handled), action=access_log.Action.PRINT)
    letter = handled.disclosure
    # A cleared letter (past its keeping period) is only a sentence, in the reader's own language.
    with translation.override(letter["language"] if letter else translation.get_language()):
        return render(request, "privacy/access_letter.html", {"handled": handled, "letter": letter})


@privacy_officer_only
def subject_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The released letter as JSON: a background export, collected on "Mijn exports"."""
    if request.method != "POST":
        return redirect("privacy:requests")
    return request_export(request, kind=kinds.SUBJECT_ACCESS, fmt="json", back=reverse("privacy:requests"))


@privacy_officer_only
def access_reads(request: AuthenticatedHttpRequest, uuid: Any) -> HttpResponse:
    """Who read the person's file: every allowed read, newest first, paged; in words, never technical keys."""
    handled, person = _open_request(request, uuid)
    memberships = list(person.memberships.all())
    periods = membership_periods(memberships)
    case_ids = list(
        Case.objects.filter(household_id__in=[m.household_id for m in memberships]).values_list("pk", flat=True)
    )
    rows = (
        AccessLogEntry.objects.filter(outcome=AccessLogEntry.Outcome.ALLOWED)
        .filter(file_reads_condition(person, periods, case_ids))
        .only("occurred_at", "organisation_name", "role", "action", "detail", "object_type")
        .order_by("-occurred_at", "-seq")
    )
    page = Paginator(rows, READS_PAGE).get_page(request.GET.get("pagina"))
    # Read the page before this look at it is logged: the rows and their count belong together.
    reads = [read_row(row) for row in page]
    _log_person_read(request, person, "who read the file", _request_reason(handled))
    return render(
        request,
        "privacy/access_reads.html",
        {"handled": handled, "page": page, "reads": reads},
    )


@privacy_officer_only
def subject_anonymise(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Erasure (art. 17) is its own deliberate step: a page that names the consequences and asks the officer
    to type the person's initials or a case reference of their household before anything is removed."""
    if request.method != "POST":
        return redirect("privacy:requests")
    form, person = _subject(request)
    if person is None:
        messages.error(request, _("Confirm the requester's identity and the date the request came in."))
        return redirect("privacy:requests")
    reason = purpose.subject_request_reason(DataSubjectRequest.Kind.ERASURE, form.cleaned_data["received_on"])
    confirmation = ErasureConfirmForm(request.POST if "typed" in request.POST else None, person=person)
    if not confirmation.is_valid():
        _log_person_read(request, person, "erasure confirmation", reason)
        context = {
            "form": form,
            "confirmation": confirmation,
            "person": person,
            "duty": retention_duty_for_person(person),
        }
        return render(request, "privacy/anonymise_confirm.html", context)
    handled = subject_erasure(person=person, received_on=form.cleaned_data["received_on"], by=request.user)
    duty = handled.outcome == DataSubjectRequest.Outcome.REFUSED
    if duty:
        messages.error(request, _("Not anonymised: a retention duty still applies to this person's case data."))
    else:
        messages.success(request, _("The person has been anonymised. The access log is kept."))
    _log_person_read(
        request,
        person,
        "data-subject erasure request",
        reason,
        action=access_log.Action.DELETE,
        outcome=access_log.Outcome.REFUSED if duty else access_log.Outcome.ALLOWED,
    )
    return redirect("privacy:requests")


@privacy_officer_only
def retention(request: AuthenticatedHttpRequest) -> HttpResponse:
    due = retention_apply(dry_run=True)
    references = list(Case.objects.filter(pk__in=due).order_by("reference").values_list("reference", flat=True)[:200])
    rules = RetentionRule.objects.select_related("silo")
    context = {
        "rules": rules,
        "due": len(due),
        "references": references,
        "housekeeping": retention_overview(),
        "other_rules": [rule for rule in RULES.values() if rule.code != "case"],
    }
    return render(request, "privacy/retention.html", context)


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
    form, person = _subject(request)
    if person is None:
        messages.error(request, _("Confirm the requester's identity and the date the request came in."))
        return redirect("privacy:requests")
    data = logboek_export(person, base_url=request.build_absolute_uri("/"))
    reason = purpose.subject_request_reason(DataSubjectRequest.Kind.ACCESS, form.cleaned_data["received_on"])
    _log_person_read(request, person, "data-subject logboek export", reason, action=access_log.Action.EXPORT)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="logboek-dataverwerkingen.json"'
    return response

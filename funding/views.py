"""Funding screens. Thin: resolve the object through the policy, validate shape, call a service, render.

Two ways in to a blockage: with household context through ``visible_to`` (the
team), or pseudonymously through the register scope (programme bureau and
auditor: case reference, area, silo, theme, amounts and dates only). Anything
else answers 404, exactly as if it did not exist.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max
from django.forms import Form
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases.models import Action, Household
from common.forms import apply_errors
from common.http import AuthenticatedHttpRequest, bad_request
from common.paging import PAGE_PARAMETER, OpenEndedPage, old_page_links
from common.spreadsheets import csv_response
from exports.views import request_export
from organisations.models import Area
from privacy import access_log, policy, suppression
from privacy.access import get_visible_or_404, record_refused

from . import exports as kinds
from . import iv3, report, services, spend_import, workflow
from . import register as register_list
from .forms import (
    BlockageRegisterForm,
    CellForm,
    DoorbraakForm,
    EscalateForm,
    NotResolvableForm,
    PayForm,
    ResolveForm,
    SpendUploadForm,
    report_defaults,
    report_dimension,
    report_params_for,
)
from .models import Blockage, BlockageLevel, BlockageStatus, FundingStream, Silo, SpendImport
from .payable import payable_streams
from .selectors import household_funding

PAGE_SIZE = 50
MAX_SCREEN_ROWS = 600


# --- Blockages: the team's list ------------------------------------------------------------------------


@login_required
@old_page_links
def team_blockages(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not policy.may_see_casework(request.user):
        record_refused(request, detail="team blockages")
        raise Http404
    teams = list(request.user.current_teams())
    status = request.GET.get("status", "open")
    blockages = Blockage.objects.visible_to(request.user)
    if status == "open":
        blockages = blockages.open()
    elif status == "closed":
        blockages = blockages.exclude(status__in=[BlockageStatus.OPEN, BlockageStatus.ESCALATED])
    team = next((team for team in teams if str(team.uuid) == request.GET.get("team")), None)
    if team is not None:
        blockages = blockages.filter(action__case__team=team)
    blockages = blockages.select_related(
        "action__case__household", "action__theme", "action__delivering_organisation", "silo"
    ).order_by("-opened_at", "-pk")
    page = Paginator(blockages, PAGE_SIZE).get_page(request.GET.get(PAGE_PARAMETER))
    _log_blockages(request, page.object_list, detail="team blockages")
    return render(
        request, "funding/team_blockages.html", {"page": page, "teams": teams, "team": team, "status": status}
    )


# --- Blockages: the programme bureau's register ------------------------------------------------------


@login_required
@old_page_links
def register(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not policy.may_see_blockage_register(request.user):
        record_refused(request, detail="blockage register")
        raise Http404
    form = register_list.register_form(request.user, request.GET)
    valid = form.is_valid()
    blockages = register_list.register_blockages(request.user, form.cleaned_data if valid else {})
    if not valid:
        blockages = blockages.none()
    page = Paginator(blockages.for_register(), PAGE_SIZE).get_page(request.GET.get(PAGE_PARAMETER))
    _log_blockages(request, page.object_list, detail="blockage register")
    return render(
        request,
        "funding/register.html",
        {
            "page": page,
            "form": form,
            "totals": register_list.register_totals(blockages) if valid else None,
            "export_params": {name: request.GET.get(name, "") for name in register_list.EXPORT_FIELDS},
        },
        status=200 if valid else 400,
    )


@login_required
def register_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    """The register as filtered, as a file: a background export, collected on "Mijn exports"."""
    if not policy.may_see_blockage_register(request.user):
        raise Http404
    if request.method != "POST":
        return redirect("funding:register")
    return request_export(request, kind=kinds.BLOCKAGE_REGISTER, fmt=fmt, back=reverse("funding:register"))


def _log_blockages(request: AuthenticatedHttpRequest, blockages: Any, *, detail: str) -> None:
    """The cases behind the blockages listed (by pseudonymous reference or with household), in one INSERT."""
    access_log.record_many(
        user=request.user,
        action=access_log.Action.READ,
        subjects=[access_log.subject_for(blockage) for blockage in blockages],
        request=request,
        detail=detail,
    )


# --- One blockage: its page, its history, its steps ---------------------------------------------------


def _blockage_for(request: AuthenticatedHttpRequest, uuid: str, *, log_read: bool = True) -> tuple[Blockage, bool]:
    """The blockage and whether the user sees it with household context; a logged 404 when not at all.

    ``log_read=False`` leaves the allowed access to the caller (a step logs its own outcome).
    """
    user = request.user
    action = access_log.Action.READ if request.method in ("GET", "HEAD") else access_log.Action.UPDATE
    related = (
        "action__case__household__neighbourhood__parent",
        "action__theme",
        "silo",
        "stream",
        "allocation",
        "takeover_stream__silo",
    )
    blockage = Blockage.objects.visible_to(user).select_related(*related).filter(uuid=uuid).first()
    full = blockage is not None
    if blockage is None:
        blockage = Blockage.objects.in_register_of(user).select_related(*related).filter(uuid=uuid).first()
    if blockage is None:
        target = Blockage.objects.select_related("action").filter(uuid=uuid).first()
        access_log.record(
            user=user,
            action=action,
            subject=access_log.subject_for(target),
            outcome=access_log.Outcome.REFUSED,
            request=request,
            detail="blockage",
        )
        raise Http404
    if log_read:
        access_log.record(
            user=user, action=action, subject=access_log.subject_for(blockage), request=request, detail="blockage"
        )
    return blockage, full


STEP_FORMS: dict[str, Callable[..., Form]] = {
    "escalate": EscalateForm,
    "resolve": ResolveForm,
    "not_resolvable": NotResolvableForm,
    "doorbraak": DoorbraakForm,
}


def _render_blockage(
    request: AuthenticatedHttpRequest,
    blockage: Blockage,
    full: bool,
    bound: dict[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    allowed = {
        step: services.may_take_step(request.user, blockage, step)
        for step in (workflow.Step.ESCALATE, workflow.Step.RESOLVE, workflow.Step.NOT_RESOLVABLE)
    }
    # Each step's form has its own prefix: four notes on one page need four ids.
    forms: dict[str, Form] = {}
    if allowed[workflow.Step.ESCALATE]:
        forms["escalate"] = EscalateForm(prefix="escalate", for_register=_note_for_register(blockage))
    if allowed[workflow.Step.RESOLVE]:
        forms["resolve"] = ResolveForm(prefix="resolve")
        forms["doorbraak"] = DoorbraakForm(
            prefix="doorbraak", initial={"amount": blockage.euros_stuck or blockage.action.planned_cost}
        )
    if allowed[workflow.Step.NOT_RESOLVABLE]:
        forms["not_resolvable"] = NotResolvableForm(prefix="not_resolvable")
    forms.update(bound or {})
    flexible = None
    if "doorbraak" in forms:
        flexible = (
            FundingStream.objects.flexible()
            .active_on()
            .for_municipality(blockage.action.case.team.municipality_id)
            .with_remaining()
            .order_by("valid_until", "pk")
            .first()
        )
    events = blockage.events.select_related("by").order_by("at", "pk")
    next_level = workflow.NEXT_LEVEL.get(blockage.level)
    return render(
        request,
        "funding/blockage.html",
        {
            "blockage": blockage,
            "full": full,
            "events": events,
            "forms": forms,
            "flexible": flexible,
            "next_level_label": BlockageLevel(next_level).label if next_level else "",
        },
        status=status,
    )


def _note_for_register(blockage: Blockage) -> bool:
    return workflow.NEXT_LEVEL.get(blockage.level) in workflow.REGISTER_LEVELS


@login_required
def blockage_detail(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    blockage, full = _blockage_for(request, uuid)
    return _render_blockage(request, blockage, full)


@login_required
@require_POST
def blockage_step(request: AuthenticatedHttpRequest, uuid: str, step: str) -> HttpResponse:
    if step not in STEP_FORMS:
        raise Http404
    blockage, full = _blockage_for(request, uuid, log_read=False)

    def log_step(outcome: str) -> None:
        access_log.record(
            user=request.user,
            action=access_log.Action.UPDATE,
            subject=access_log.subject_for(blockage),
            outcome=outcome,
            request=request,
            detail=f"blockage {step}",
        )

    extra = {"for_register": _note_for_register(blockage)} if step == "escalate" else {}
    form = STEP_FORMS[step](request.POST, prefix=step, **extra)
    if form.is_valid():
        data = form.cleaned_data
        run: dict[str, Callable[[], Blockage]] = {
            "escalate": lambda: services.blockage_escalate(blockage=blockage, by=request.user, note=data["note"]),
            "resolve": lambda: services.blockage_resolve(
                blockage=blockage, by=request.user, resolution=data["resolution"], note=data["note"]
            ),
            "not_resolvable": lambda: services.blockage_mark_not_resolvable(
                blockage=blockage, by=request.user, note=data["note"]
            ),
            "doorbraak": lambda: services.blockage_pay_flexible(
                blockage=blockage, by=request.user, amount=data["amount"], note=data["note"]
            ),
        }
        try:
            run[step]()
        except PermissionDenied:
            log_step(access_log.Outcome.REFUSED)
            raise
        except ValidationError as error:
            apply_errors(error, form)
        else:
            done = {
                "escalate": _("The blockage has been escalated."),
                "resolve": _("The blockage is resolved."),
                "not_resolvable": _("The blockage is recorded as not resolvable."),
                "doorbraak": _("The action is paid from the flexible budget and the blockage is resolved."),
            }
            messages.success(request, done[step])
            log_step(access_log.Outcome.ALLOWED)
            return HttpResponseRedirect(reverse("funding:blockage", args=[blockage.uuid]))
    log_step(access_log.Outcome.ALLOWED)
    blockage.refresh_from_db()
    return _render_blockage(request, blockage, full, bound={step: form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def blockage_register(request: AuthenticatedHttpRequest, action_uuid: str) -> HttpResponse:
    action = get_visible_or_404(
        Action.objects.select_related("case__household", "theme", "delivering_organisation"),
        request,
        action=access_log.Action.CREATE if request.method == "POST" else access_log.Action.READ,
        detail="blockage form",
        uuid=action_uuid,
    )
    posted = request.method == "POST"
    form = BlockageRegisterForm(request.POST if posted else None, initial={"euros_stuck": action.planned_cost})
    if request.method == "POST" and form.is_valid():
        try:
            blockage = services.blockage_register(action=action, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(error, form)
        else:
            messages.success(request, _("The blockage has been registered."))
            return HttpResponseRedirect(reverse("funding:blockage", args=[blockage.uuid]))
    return render(
        request,
        "funding/blockage_form.html",
        {"action": action, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- Paying an action from a stream --------------------------------------------------------------------


def _payment_message(payment: services.Payment) -> tuple[int, str]:
    """The flash message after paying: what was allocated, and the blockage for what was not."""
    parts = [
        _("%(reference)s: %(amount)s from %(stream)s, %(start)s to %(end)s")
        % {
            "reference": allocation.reference,
            "amount": f"€ {number_format(allocation.amount, decimal_pos=2, force_grouping=True)}",
            "stream": allocation.stream.name,
            "start": date_format(allocation.period_start),
            "end": date_format(allocation.period_end),
        }
        for allocation in payment.allocations
    ]
    text = _("Paid: %(parts)s.") % {"parts": "; ".join(parts)} if parts else ""
    if payment.blockage is None:
        return messages.SUCCESS, text
    blockage = payment.blockage
    gap = (
        " "
        + _("Not covered: %(start)s to %(end)s.")
        % {"start": date_format(blockage.gap_from), "end": date_format(blockage.gap_until)}
        if blockage.gap_from and blockage.gap_until
        else ""
    )
    blocked = _("A blockage has been registered: %(reason)s.") % {"reason": blockage.get_reason_display()} + gap
    return messages.WARNING, f"{text} {blocked}".strip()


@login_required
@require_http_methods(["GET", "POST"])
def action_pay(request: AuthenticatedHttpRequest, action_uuid: str) -> HttpResponse:
    """Pay an action from a stream: the streams that may pay, why the others may not, and the form.

    htmx swaps the form in place on an error and follows the redirect on success; without JavaScript it is
    an ordinary page with the same round trip.
    """
    log_action = access_log.Action.CREATE if request.method == "POST" else access_log.Action.READ
    action = get_visible_or_404(
        Action.objects.select_related(
            "case__household", "case__team", "theme", "delivering_organisation", "beneficiary"
        ),
        request,
        action=log_action,
        detail="pay action",
        log_read=False,
        uuid=action_uuid,
    )
    # One row either way: allowed, or refused where the team leaves paying to its lead.
    allowed = policy.may_pay_from_stream(request.user, action.case.team)
    access_log.record(
        user=request.user,
        action=log_action,
        subject=access_log.subject_for(action),
        outcome=access_log.Outcome.ALLOWED if allowed else access_log.Outcome.REFUSED,
        request=request,
        detail="pay action",
    )
    if not allowed:
        raise PermissionDenied
    # What is still to pay: from the day after the last paid day (the rest after an 18th birthday, say).
    start = action.start_date
    paid_until = action.allocations.aggregate(last=Max("period_end"))["last"]
    if paid_until is not None and action.end_date is not None and paid_until < action.end_date:
        start = max(start or paid_until, paid_until + datetime.timedelta(days=1))
    options = payable_streams(action, start, action.end_date) if start != action.start_date else payable_streams(action)
    payable = [option.stream for option in options if option.payable]
    initial = {
        "amount": action.planned_cost or None,
        "period_start": start,
        "period_end": action.end_date,
        "stream": str(payable[0].uuid) if len(payable) == 1 else "",
    }
    form = PayForm(request.POST if request.method == "POST" else None, initial=initial, streams=payable)
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.allocation_create(
                action=action,
                stream=form.chosen_stream(),
                amount=form.cleaned_data["amount"],
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                by=request.user,
            )
        except ValidationError as error:
            apply_errors(error, form)
        else:
            level, text = _payment_message(payment)
            messages.add_message(request, level, text)
            target = reverse("cases:household", args=[action.case.household.uuid]) + "#financiering"
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return HttpResponseRedirect(target)
    context = {"action": action, "options": options, "form": form}
    if request.htmx:  # htmx swaps only 2xx answers: the form with its errors comes back as 200
        return render(request, "funding/_pay_form.html", context)
    return render(request, "funding/pay.html", context, status=400 if request.method == "POST" else 200)


# --- The household's funding ------------------------------------------------------------------------


@login_required
def household(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    household = get_visible_or_404(Household.objects.all(), request, detail="household funding", uuid=uuid)
    return render(
        request,
        "funding/household.html",
        {"household": household, "funding": household_funding(household, request.user)},
    )


# --- The funding-flow audit ----------------------------------------------------------------------------


@login_required
def audit(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not policy.may_see_funding_aggregates(request.user):
        raise Http404
    form, params = report_params_for(request.user, request.GET)
    # A whole municipality by buurt and month is thousands of rows: on screen, one row per silo until a
    # silo is chosen; the export always has every row.
    condensed = params is not None and report.estimated_rows(params) > MAX_SCREEN_ROWS
    if params is not None and condensed:
        params = dataclasses.replace(params, by_silo=True)
    flow = report.funding_flow(params, language=get_language() or "nl") if params else None
    # Case references only for the auditor (the bureau sees aggregates only, policy.may_see_case_references).
    if flow is not None and params is not None and policy.may_see_case_references(request.user):
        for row in flow.rows:
            has_cases = row.allocated or row.spent or row.households or row.blocked
            if not row.whole_municipality and has_cases:
                # By code: the link names no row id. No silo code is the "no stream" row, no area code a total.
                row.cell_query = urlencode(
                    {
                        "year": params.year,
                        "level": params.level,
                        "granularity": params.granularity,
                        "silo": row.silo_code,
                        "area": row.area_code,
                        "period": row.period.isoformat(),
                    }
                )
    rows = flow.rows if flow else []
    taakvelden = iv3.taakveld_flow(params) if params is not None and report_dimension(form) == "iv3" else None
    return render(
        request,
        "funding/audit.html",
        {
            "form": form,
            "taakvelden": taakvelden,
            "flow": flow,
            "rows": rows,
            "condensed": condensed,
            "query": request.GET.urlencode() or urlencode(report_defaults()),
            "export_params": {name: form.data.get(name) or "" for name in form.fields},
            "threshold": suppression.threshold(),
            "exact_label": report.exact_label(),
        },
        status=200 if params else 400,
    )


@login_required
def audit_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    """Ask for the whole table as a file: a background export, collected on "Mijn exports"."""
    if not policy.may_see_funding_aggregates(request.user):
        raise Http404
    if request.method != "POST":
        return redirect("funding:audit")
    return request_export(request, kind=kinds.FUNDING_AUDIT, fmt=fmt, back=reverse("funding:audit"))


@login_required
@old_page_links
def audit_cell(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not policy.may_see_case_references(request.user):
        raise Http404  # the bureau too: aggregates only, never the cases beneath a cell
    form = CellForm(request.GET)
    if not form.is_valid():
        return bad_request(request, _("This cell does not exist. Open it from the funding-flow table."))
    data = form.cleaned_data
    municipality_id = policy.funding_municipality_id(request.user)
    assert municipality_id is not None
    silo: Silo | None = data["silo"]
    area = None
    if data["area"]:
        area = Area.objects.filter(code=data["area"], municipality_id=municipality_id).order_by("-code_year").first()
        if area is None:
            return bad_request(request, _("This cell does not exist. Open it from the funding-flow table."))
    params = report.ReportParams(
        municipality_id=municipality_id, year=data["year"], level=data["level"], granularity=data["granularity"]
    )
    page = data["pagina"] or 1
    size = 100
    rows = report.cell_cases(
        params,
        silo_id=silo.pk if silo else None,
        area_id=area.pk if area else None,
        period=data["period"],
        limit=size + 1,
        offset=(page - 1) * size,
    )
    return render(
        request,
        "funding/audit_cell.html",
        {
            "rows": rows[:size],
            "silo": silo,
            "area": area,
            "period": report.period_label(data["period"], data["granularity"]),
            "page": OpenEndedPage(number=page, has_next=len(rows) > size),
            "report_query": "&".join(f"{key}={data[key]}" for key in ("year", "level", "granularity")),
            "exact_label": report.exact_label(),
        },
    )


# --- Spend import ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def spend_imports(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not policy.may_import_spend(request.user):
        raise Http404
    posted = request.method == "POST"
    form = SpendUploadForm(request.POST if posted else None, request.FILES if posted else None, request=request)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = form.cleaned_data["content"]
        record = spend_import.spend_import_upload(
            filename=upload.name, content=content, by=request.user, dialect=form.cleaned_data["dialect"]
        )
        return HttpResponseRedirect(reverse("funding:spend_import", args=[record.uuid]))
    imports = SpendImport.objects.visible_to(request.user).defer("content", "errors").select_related("uploaded_by")
    return render(
        request,
        "funding/spend_imports.html",
        {"form": form, "imports": imports[:50]},
        status=400 if request.method == "POST" else 200,
    )


def _spend_import_for(request: AuthenticatedHttpRequest, uuid: str) -> SpendImport:
    return get_object_or_404(
        SpendImport.objects.visible_to(request.user).defer("content").select_related("uploaded_by", "duplicate_of"),
        uuid=uuid,
    )


def _described_errors(record: SpendImport) -> list[dict[str, Any]]:
    return [error | {"message": spend_import.error_message(error)} for error in record.errors]


@login_required
def spend_import_detail(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    record = _spend_import_for(request, uuid)
    return render(request, "funding/spend_import.html", {"record": record, "errors": _described_errors(record)})


@login_required
def spend_import_progress(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    """The progress fragment that the page polls with htmx; when done, the page reloads to show the outcome."""
    record = _spend_import_for(request, uuid)
    response = render(request, "funding/_spend_import_progress.html", {"record": record})
    if record.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
def spend_import_errors(request: AuthenticatedHttpRequest, uuid: str) -> HttpResponse:
    record = _spend_import_for(request, uuid)
    rows = [
        [error.get("line"), error.get("column"), error.get("value", ""), error["message"]]
        for error in _described_errors(record)
    ]
    return csv_response(
        f"fouten-{record.uploaded_at:%Y%m%d-%H%M}.csv", [_("Line"), _("Column"), _("Value"), _("Error")], rows
    )

"""The programme bureau's dashboard (team leads: their own team's areas). Reads summary tables only."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organisations.models import Role
from wijkteam.http import AuthenticatedHttpRequest

from .dashboard import Dashboard, Filters, buurten_in_scope, dashboard, may_see_monitoring
from .forms import DashboardFilterForm
from .tasks import refresh_summaries


def monitoring_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_see_monitoring(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _board(request: AuthenticatedHttpRequest) -> tuple[DashboardFilterForm, Dashboard]:
    form = DashboardFilterForm(request.GET or None)
    filters = Filters()
    if form.is_valid():
        data = form.cleaned_data
        filters = Filters(
            municipality_id=data["municipality"].pk if data["municipality"] else None,
            area_id=data["area"].pk if data["area"] else None,
            theme_id=data["theme"].pk if data["theme"] else None,
            start=data["start"],
            end=data["end"],
        )
    return form, dashboard(scope=buurten_in_scope(request.user), filters=filters)


def _chart_data(board: Dashboard) -> dict[str, Any]:
    """Only figures that survived suppression go to the chart (suppressed ones become gaps)."""
    return {
        "labels": [row["month"].strftime("%Y-%m") for row in board.trend],
        "series": [
            {"label": _("Active cases"), "data": [row["active"].value for row in board.trend]},
            {"label": _("Inflow"), "data": [row["inflow"].value for row in board.trend]},
            {"label": _("Outflow"), "data": [row["outflow"].value for row in board.trend]},
        ],
    }


@monitoring_only
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, board = _board(request)
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "form": form,
            "board": board,
            "chart": _chart_data(board),
            "may_refresh": request.user.role == Role.PROGRAMME_BUREAU,
            "query": request.GET.urlencode(),
        },
    )


@monitoring_only
def printable(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, board = _board(request)
    return render(request, "monitoring/print.html", {"form": form, "board": board})


def _rows(board: Dashboard) -> list[list[str]]:
    rows = [[_("Month"), _("Active cases"), _("Households"), _("Inflow"), _("Outflow"), _("Stapeling")]]
    for row in board.trend:
        rows.append(
            [row["month"].strftime("%Y-%m")]
            + [str(row[k]) for k in ("active", "households", "inflow", "outflow", "stapeling")]
        )
    rows.append([])
    rows.append([_("Neighbourhood"), _("Code"), _("Households"), _("Stapeling"), _("Inflow"), _("Outflow")])
    for entry in board.neighbourhoods:
        rows.append(
            [entry["name"], entry["code"]] + [str(entry[k]) for k in ("households", "stapeling", "inflow", "outflow")]
        )
    rows.append([])
    rows.append(
        [
            _("Silo"),
            _("Open blockages"),
            _("Median days open"),
            _("Euros stuck (open)"),
            _("Median days to close"),
            _("Resolved: flexible budget"),
            _("Resolved: exemption"),
            _("Resolved: another route"),
            _("Not resolvable"),
        ]
    )
    for entry in board.blockages:
        rows.append(
            [entry["name"] or _("No silo recorded")]
            + [str(entry[k]) for k in ("open", "days_open", "stuck", "days_to_close")]
            + [str(cell) for cell in entry["outcomes"]]
        )
    rows.append([])
    rows.append([_("Silo"), _("Budget (€)"), _("Allocated (€)"), _("Spent (€)")])
    for entry in board.funding:
        rows.append([entry["name"]] + [str(entry[k]) for k in ("budget", "allocated", "spent")])
    return rows


def neutralise(value: str) -> str:
    """A spreadsheet must not read a cell as a formula (CSV/formula injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@monitoring_only
def export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    _form, board = _board(request)
    rows = [[neutralise(cell) for cell in row] for row in _rows(board)]
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="monitoring.csv"'
        csv.writer(response).writerows(rows)
        return response
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="monitoring.xlsx"'
        return response
    raise Http404


@require_POST
@monitoring_only
def refresh(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.role != Role.PROGRAMME_BUREAU:
        raise Http404
    refresh_summaries.delay()
    messages.success(request, _("A refresh of the figures has been requested."))
    return redirect("monitoring:index")

"""The programme bureau's dashboard (team leads: their own team's areas). Reads summary tables only."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.forms import apply_errors
from common.http import AuthenticatedHttpRequest
from exports.views import request_export
from privacy import policy

from . import exports as kinds
from .dashboard import Dashboard
from .forms import DashboardFilterForm, PrecisionReviewForm, ReviewListFilterForm, filtered_board
from .models import PrecisionReview
from .reviews import figure_rows, precision_review_create, precision_review_update
from .services import summaries_refresh_request

QUESTIONS = PrecisionReview.QUESTION_FIELDS


def monitoring_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not policy.may_see_monitoring(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


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


# Neighbourhood table: rows per page, and the neutral orders it can be read in (never by a figure).
NEIGHBOURHOOD_PAGE_SIZE = 50
NEIGHBOURHOOD_ORDERS = ("code", "naam")


def _neighbourhood_page(request: HttpRequest, board: Dashboard) -> tuple[Page[dict[str, Any]], str]:
    """One page of the neighbourhood table, by CBS code or by name.

    Suppression was applied to the whole line in CBS-code order (``dashboard``) before any
    reordering or paging: the same hidden cells whatever page or order is asked for.
    """
    order = request.GET.get("sortering")
    if order not in NEIGHBOURHOOD_ORDERS:
        order = NEIGHBOURHOOD_ORDERS[0]
    rows = board.neighbourhoods.by_name() if order == "naam" else board.neighbourhoods
    return Paginator(rows, NEIGHBOURHOOD_PAGE_SIZE).get_page(request.GET.get("pagina")), order


@monitoring_only
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, board = filtered_board(request.user, request.GET)
    page, order = _neighbourhood_page(request, board)
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "form": form,
            "board": board,
            "neighbourhood_page": page,
            "neighbourhood_rows": page.object_list,
            "neighbourhood_order": order,
            "chart": _chart_data(board),
            "may_refresh": policy.may_refresh_summaries(request.user),
            "query": request.GET.urlencode(),
            "export_params": {name: form.data.get(name) or "" for name in form.fields},
        },
        status=400 if form.errors else 200,  # a refused filter (a row id for a code) is named next to its field
    )


@monitoring_only
def areas(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The area list of the filter form for the municipality chosen (htmx replaces the list with it)."""
    form = DashboardFilterForm(request.GET or None)
    return render(request, "monitoring/_area_select.html", {"field": form["area"]})


@monitoring_only
def printable(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, board = filtered_board(request.user, request.GET)
    return render(
        request,
        "monitoring/print.html",
        {"form": form, "board": board, "neighbourhood_rows": board.neighbourhoods},
        status=400 if form.errors else 200,
    )


@monitoring_only
def export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    """Ask for the dashboard's figures as a file: a background export, collected on "Mijn exports"."""
    if request.method != "POST":
        return redirect("monitoring:index")
    return request_export(request, kind=kinds.MONITORING_DASHBOARD, fmt=fmt, back=reverse("monitoring:index"))


@require_POST
@monitoring_only
def refresh(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not policy.may_refresh_summaries(request.user):
        raise Http404
    summaries_refresh_request(by=request.user)
    messages.success(request, _("A refresh of the figures has been requested."))
    return redirect("monitoring:index")


# --- Precision reviews -----------------------------------------------------------------------


def _bureau_only(request: AuthenticatedHttpRequest) -> None:
    """Team leads read reviews; only the bureau writes them (others never reach here: monitoring_only)."""
    if not policy.may_write_precision_reviews(request.user):
        raise Http404


@monitoring_only
def review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ReviewListFilterForm(request.GET or None)
    reviews = PrecisionReview.objects.visible_to(request.user).select_related("municipality")
    if form.is_valid():
        if form.cleaned_data["municipality"]:
            reviews = reviews.filter(municipality=form.cleaned_data["municipality"])
        if form.cleaned_data["programme"]:
            reviews = reviews.filter(programme__icontains=form.cleaned_data["programme"])
    return render(
        request,
        "monitoring/reviews/list.html",
        {
            "form": form,
            "reviews": reviews.order_by("municipality__name", "programme", "-period_end", "-id"),
            "may_write": policy.may_write_precision_reviews(request.user),
            "compare_error": request.GET.get("compare") == "too-few",
        },
    )


@monitoring_only
def review_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _bureau_only(request)
    form = PrecisionReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review = precision_review_create(
                by=request.user,
                programme=data["programme"],
                municipality=data["municipality"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                answers=form.answers(),
                decisions=data["decisions"],
            )
        except ValidationError as error:
            apply_errors(error, form)
        else:
            messages.success(request, _("The review has been saved with the figures as they stand now."))
            return redirect("monitoring:review", review.uuid)
    return render(request, "monitoring/reviews/form.html", {"form": form, "review": None})


@monitoring_only
def review_edit(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    _bureau_only(request)
    review = get_object_or_404(PrecisionReview.objects.visible_to(request.user), uuid=uuid)
    initial = {name: getattr(review, name) for name in (*PrecisionReview.QUESTION_FIELDS, "programme", "decisions")}
    initial["version"] = review.version
    form = PrecisionReviewForm(request.POST or None, initial=initial, with_period=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            precision_review_update(
                review=review,
                by=request.user,
                version=data["version"] or 0,
                programme=data["programme"],
                answers=form.answers(),
                decisions=data["decisions"],
            )
        except ValidationError as error:
            apply_errors(error, form)
        else:
            messages.success(request, _("The review has been saved."))
            return redirect("monitoring:review", review.uuid)
    return render(request, "monitoring/reviews/form.html", {"form": form, "review": review})


@monitoring_only
def review_detail(request: AuthenticatedHttpRequest, uuid: UUID) -> HttpResponse:
    review = get_object_or_404(
        PrecisionReview.objects.visible_to(request.user).select_related("municipality"), uuid=uuid
    )
    return render(
        request,
        "monitoring/reviews/detail.html",
        {
            "review": review,
            "reviews": [review],
            "questions": [(PrecisionReview.label_of(n), getattr(review, n)) for n in QUESTIONS],
            "figures": figure_rows([review]),
            "may_write": policy.may_write_precision_reviews(request.user),
        },
    )


@monitoring_only
def review_compare(request: AuthenticatedHttpRequest) -> HttpResponse:
    wanted = []
    for value in request.GET.getlist("review"):
        try:
            wanted.append(UUID(value))
        except ValueError:
            raise Http404 from None
    reviews = list(
        PrecisionReview.objects.visible_to(request.user)
        .select_related("municipality")
        .filter(uuid__in=wanted)
        .order_by("period_start", "id")
    )
    if len(reviews) != len(set(wanted)):
        raise Http404  # one of them does not exist or is not the user's to read
    if len(reviews) < 2:
        return redirect(reverse("monitoring:reviews") + "?compare=too-few")
    answers = [
        (PrecisionReview.label_of(name), [getattr(r, name) for r in reviews]) for name in (*QUESTIONS, "decisions")
    ]
    return render(
        request,
        "monitoring/reviews/compare.html",
        {"reviews": reviews, "answers": answers, "figures": figure_rows(reviews)},
    )

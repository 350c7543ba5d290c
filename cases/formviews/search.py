"""Find a household: by a member's name, by postcode and house number, or by an exact BSN.

The search form is sent with POST, for every kind of search: a URL ends up in server and proxy logs,
in the browser history and in Referer headers, and not only a BSN is sensitive there; a name plus the
fact that a neighbourhood team looked it up is too. The results page is not cached, the POST data is
kept out of error reports, and nothing of the criteria is logged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from common.http import AuthenticatedHttpRequest
from organisations.models import User
from privacy import access_log, policy
from privacy.access import record_refused

from ..forms import SearchForm
from ..models import Case, Household, HouseholdMembership
from ..search import name_words

MAX_RESULTS = 50


def search_households(
    user: User,
    *,
    name: str = "",
    postcode: str = "",
    house_number: int | None = None,
    bsn: str = "",
    pagina: int | None = None,
) -> list[Household]:
    """Visible households matching every criterion given, closest name first; one page of MAX_RESULTS + 1.

    The extra row tells there is a next page.

    Three queries whatever the number of results: the households, their current members, their cases
    the user may see (a household can also have cases of other teams; those stay out of sight).
    """
    households = Household.objects.search(user, name=name, postcode=postcode, house_number=house_number)
    if bsn:
        households = households.with_bsn(bsn)
    # Only the columns the list shows: a page builds some 500 objects, and a BSN has no business here.
    current = (
        HouseholdMembership.objects.current()
        .select_related("person")
        .only("household_id", "person__first_name", "person__surname_prefix", "person__last_name")
        .order_by("start_date", "id")
    )
    cases = (
        Case.objects.visible_to(user)
        .select_related("team")
        .only("reference", "status", "household_id", "team__name")
        .order_by("-referred_on", "-id")
    )
    order = ["postcode", "house_number", "house_number_suffix", "id"]
    if name_words(name):
        order.insert(0, "-closeness")
    start = ((pagina or 1) - 1) * MAX_RESULTS
    return list(
        households.select_related("neighbourhood")
        .prefetch_related(
            Prefetch("memberships", queryset=current, to_attr="current_memberships"),
            Prefetch("cases", queryset=cases, to_attr="visible_cases"),
        )
        .order_by(*order)[start : start + MAX_RESULTS + 1]
    )


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class SearchView(LoginRequiredMixin, View):
    request: AuthenticatedHttpRequest

    def dispatch(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        if request.user.is_authenticated and not policy.may_see_casework(request.user):
            record_refused(request, action=access_log.Action.SEARCH, detail="household search")
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        # Criteria in a query string are ignored on purpose: they would be in the URL.
        return self.render(SearchForm(), None)

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = SearchForm(request.POST)
        results = search_households(request.user, **form.cleaned_data) if form.is_valid() else None
        if results is not None:
            # Every household shown, or one row saying a search found nothing; never the criteria.
            access_log.record_many(
                user=request.user,
                action=access_log.Action.SEARCH,
                subjects=[access_log.subject_for(household) for household in results[:MAX_RESULTS]]
                or [access_log.Subject(object_type="cases.household")],
                request=request,
                detail="household search",
            )
        return self.render(form, results)

    def render(self, form: SearchForm, results: list[Household] | None) -> HttpResponse:
        context: dict[str, Any] = {"form": form, "results": results}
        if results is not None:
            page = form.cleaned_data.get("pagina") or 1
            context.update(
                page=page,
                more=len(results) > MAX_RESULTS,
                results=results[:MAX_RESULTS],
                first_number=(page - 1) * MAX_RESULTS + 1,
                last_number=(page - 1) * MAX_RESULTS + min(len(results), MAX_RESULTS),
            )
        return render(self.request, "cases/forms/search.html", context)

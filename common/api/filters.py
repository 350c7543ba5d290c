"""The API's filter backend: a query parameter a list does not declare answers 400, never is ignored.

django-filter on its own skips parameters it does not know, so ``?case=…`` on a
list without that filter returned every row, and the caller could not tell.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.views import APIView

# Parameters every list understands besides its filters.
GENERAL_PARAMETERS = frozenset({"format"})


def _paging_parameters(view: APIView) -> set[str]:
    paginator = getattr(view, "paginator", None)
    names = {
        getattr(paginator, attribute, None)
        for attribute in ("cursor_query_param", "page_size_query_param", "page_query_param", "limit_query_param")
    }
    names |= {getattr(paginator, "offset_query_param", None)}
    return {name for name in names if name}


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, refusing query parameters the view's filter set does not declare."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        filterset_class = self.get_filterset_class(view, queryset)
        declared = set(filterset_class.base_filters) if filterset_class is not None else set()
        known = declared | GENERAL_PARAMETERS | _paging_parameters(view)
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            accepted = ", ".join(sorted(declared)) or _("none")
            raise exceptions.ValidationError(
                {
                    name: [
                        _("This list has no filter “%(name)s”. Filters it accepts: %(accepted)s.")
                        % {"name": name, "accepted": accepted}
                    ]
                    for name in unknown
                }
            )
        if not set(request.query_params) & declared:
            # Nothing to filter by: every filter of these sets skips a value not given, so django-filter would
            # build and validate a form only to return the queryset as it is (a few ms of every list page).
            return queryset
        return super().filter_queryset(request, queryset, view)

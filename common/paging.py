"""Paging of the lists on screens: one parameter, ``?pagina=``, and one pager (``templates/components/page_nav.html``).

The funding lists and the inbox paged by ``?page=`` until the pager was shared; ``old_page_links`` sends such
a bookmark on to the same page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect

PAGE_PARAMETER = "pagina"
OLD_PAGE_PARAMETER = "page"

View = TypeVar("View", bound=Callable[..., HttpResponse])


def old_page_links(view: View) -> View:
    """Answer an old ``?page=N`` address with a permanent redirect to ``?pagina=N``, the other parameters kept
    (``pagina`` wins when both are given)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if OLD_PAGE_PARAMETER not in request.GET:
            return view(request, *args, **kwargs)
        query = request.GET.copy()
        number = query.pop(OLD_PAGE_PARAMETER)[-1]
        query.setdefault(PAGE_PARAMETER, number)
        return HttpResponsePermanentRedirect(f"{request.path}?{query.urlencode()}")

    return wrapper  # type: ignore[return-value]


def page_number(request: HttpRequest) -> int:
    """The page asked for in ``?pagina=``: 1 when absent or not a positive whole number."""
    try:
        return max(int(request.GET.get(PAGE_PARAMETER) or 1), 1)
    except ValueError:
        return 1


@dataclass(frozen=True)
class OpenEndedPage:
    """A page of a list that is not counted (one row more than a page is read to know whether more follow),
    with what the pager reads of a Django ``Page``; it shows "page N" without a total."""

    number: int
    has_next: bool
    paginator: None = None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

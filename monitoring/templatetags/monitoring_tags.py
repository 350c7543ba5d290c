"""Template helpers for the dashboard."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from common.html import escaped

register = template.Library()

NEIGHBOURHOOD_ROW = (
    '<tr class="utrecht-table__row">'
    '<th class="utrecht-table__header-cell" scope="row">{} ({})</th>'
    '<td class="utrecht-table__cell">{}</td><td class="utrecht-table__cell">{}</td>'
    '<td class="utrecht-table__cell">{}</td><td class="utrecht-table__cell">{}</td>'
    '<td class="utrecht-table__cell">{}</td><td class="utrecht-table__cell">{}</td>'
    "</tr>"
)


@register.simple_tag
def neighbourhood_rows(rows: Iterable[Mapping[str, Any]]) -> SafeString:
    """The neighbourhood table's body rows, every value escaped.

    Built in one pass rather than by a template loop: the printable report lists
    every buurt in scope (2,134 nationally), and a template loop over them cost
    more than the rest of the page.
    """
    return _rows(
        NEIGHBOURHOOD_ROW,
        (
            (
                row["name"],
                row["code"],
                row["households"],
                row["stapeling"],
                row["inflow"],
                row["outflow"],
                row["coordinated_share"],
                row["organisations_per_household"],
            )
            for row in rows
        ),
    )


TREND_ROW = (
    '<tr class="utrecht-table__row">'
    '<th class="utrecht-table__header-cell" scope="row">{}</th>'
    '<td class="utrecht-table__cell">{}</td><td class="utrecht-table__cell">{}</td>'
    '<td class="utrecht-table__cell">{}</td><td class="utrecht-table__cell">{}</td>'
    '<td class="utrecht-table__cell">{}</td><td class="utrecht-table__cell">{}</td>'
    "</tr>"
)


@register.simple_tag
def trend_rows(rows: Iterable[Mapping[str, Any]]) -> SafeString:
    """The body rows of cases by month (48 months nationally), in one pass for the reason ``neighbourhood_rows``
    gives: the template loop took a third of the figures' rendering."""
    return _rows(
        TREND_ROW,
        (
            (
                row["month"].strftime("%Y-%m"),
                row["active"],
                row["households"],
                row["inflow"],
                row["outflow"],
                row["coordinated_share"],
                row["stapeling"],
            )
            for row in rows
        ),
    )


ORGANISATION_ROW = (
    '<tr class="utrecht-table__row">'
    '<th class="utrecht-table__header-cell" scope="row">{}</th>'
    '<td class="utrecht-table__cell">{}</td><td class="utrecht-table__cell">{}</td>'
    '<td class="utrecht-table__cell">{}</td>'
    "</tr>"
)


@register.simple_tag
def organisation_rows(rows: Iterable[Mapping[str, Any]]) -> SafeString:
    """The body rows of coordination minutes per organisation, every value escaped, in one pass for the reason
    ``neighbourhood_rows`` gives: the country has some 300 organisation names."""
    return _rows(ORGANISATION_ROW, ((row["name"], row["kind"], row["households"], row["minutes"]) for row in rows))


def _rows(row: str, values: Iterable[tuple[Any, ...]]) -> SafeString:
    """``format_html_join("\\n", row, values)``, with the standard library's escaping (``common.html``): the
    same HTML, without Django's lazy-text wrapper around each of the country's 15,000 cells."""
    return mark_safe("\n".join(row.format(*map(escaped, line)) for line in values))  # noqa: S308 — escaped

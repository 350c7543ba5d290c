"""Template tags for funding: the household funding partial and the paying silo of an involvement."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cases.models import Involvement
from organisations.models import Organisation

from ..report import Row
from ..selectors import SiloBadge

register = template.Library()


@register.filter
def silo_for(paying: dict[int, SiloBadge], item: Involvement | Organisation) -> SiloBadge | None:
    """``{{ paying|silo_for:involvement }}``: the silo that pays that organisation's actions, or None."""
    if isinstance(item, Involvement):
        return paying.get(item.organisation_id)
    if isinstance(item, Organisation):
        return paying.get(item.pk)
    return None


def euros(value: Decimal | int | float, language: str | None = None) -> str:
    """Whole euros with the language's thousands separator, fast enough for thousands of cells."""
    text = f"{value:,.0f}"
    if not (language or get_language() or "nl").startswith("en"):
        text = text.replace(",", ".")
    return f"€ {text}"


@register.simple_tag
def flow_rows(rows: list[Row]) -> SafeString:
    """The report's body rows, built in Python: the template engine takes seconds for thousands of rows.

    Every text is escaped; the numbers are formatted here; the labels are translated once.
    """
    language = get_language() or "nl"
    no_silo = escape(_("no stream for the theme"))
    total = escape(_("Total"))
    whole = escape(_("whole municipality (not bound to an area)"))
    references = escape(_("case references"))
    cell_url = reverse("funding:audit_cell")
    header = '<th scope="row" class="utrecht-table__header-cell">'
    cell = '<td class="utrecht-table__cell">'
    number = '<td class="utrecht-table__cell numeric">'
    parts: list[str] = []
    for row in rows:
        silo = no_silo if row.no_silo else escape(row.silo_name)
        area: str
        if row.is_subtotal:
            area = total
        elif row.whole_municipality:
            area = whole
        else:
            area = f'{escape(row.area_name)} <span class="utrecht-paragraph--small">{escape(row.area_code)}</span>'
        link = ""
        if row.cell_query:
            hidden = escape(f" — {row.silo_name} {row.area_name} {row.label}")
            link = (
                f'<a class="utrecht-link" href="{cell_url}?{escape(row.cell_query)}">{references}'
                f'<span class="visually-hidden">{hidden}</span></a>'
            )
        parts.append(
            f'<tr class="utrecht-table__row{" subtotal" if row.is_subtotal else ""}">{header}{silo}</th>'
            f"{cell}{area}</td>{cell}{escape(row.label)}</td>"
            f"{number}{euros(row.budget, language)}</td>{number}{euros(row.allocated, language)}</td>"
            f"{number}{euros(row.spent, language)}</td>{number}{euros(row.spent_outside, language)}</td>"
            f"{number}{escape(str(row.households))}</td>{number}{escape(str(row.blocked))}</td>"
            f"{number}{euros(row.euros_stuck, language)}</td>{cell}{link}</td></tr>"
        )
    return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped


@register.simple_tag(takes_context=True)
def product_category(context: template.Context, code: str, name: str | None = None) -> str:
    """``02 Begeleiding`` for an action's iWmo/iJw category: the reference list is read once per page, or
    not at all when the caller read the name with the action (``name``, "" when the list has none)."""
    if not code:
        return ""
    if name is not None:
        return f"{code} {name}".strip()
    from ..models import ProductCategory

    names = context.render_context.get("product_categories")
    if names is None:
        names = dict(ProductCategory.objects.values_list("code", "name"))
        context.render_context["product_categories"] = names
    return f"{code} {names.get(code, '')}".strip()

"""Template tags for funding: the household funding partial and the paying silo of an involvement."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cases.models import Involvement
from organisations.models import Organisation

from ..report import Row
from ..selectors import ActionFunding, SiloBadge

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


# The household funding table's body rows: the markup the template loop wrote, byte for byte
# (tests/funding/test_household_funding_rows.py renders that loop beside this). Every value put in is escaped first.
FUNDING_ROW = (
    "\n"
    '      <tr class="utrecht-table__row">\n'
    '        <th scope="row" class="utrecht-table__header-cell">{description} <span class="utrecht-paragraph--small">'
    "({reference}, {status})</span></th>\n"
    '        <td class="utrecht-table__cell">{theme}</td>\n'
    '        <td class="utrecht-table__cell">{organisation}</td>\n'
    '        <td class="utrecht-table__cell">{beneficiary}</td>\n'
    '        <td class="utrecht-table__cell">{silos}</td>\n'
    '        <td class="utrecht-table__cell numeric">\u20ac {allocated}</td>\n'
    '        <td class="utrecht-table__cell numeric">\u20ac {spent}</td>\n'
    '        <td class="utrecht-table__cell">\n'
    "          {blocked}\n"
    '          <a class="utrecht-link" href="{register_url}">{report}'
    '<span class="visually-hidden"> \u2014 {description}</span></a>\n'
    "        </td>\n"
    "      </tr>\n"
    "      "
)
# An action's page address for any UUID: reversed once per table, not per row.
PLACEHOLDER_UUID = str(uuid.UUID(int=0))
# Statuses an action can still be paid in; a substring test, as the template's ``in "…"`` was.
PAYABLE_STATUSES = "proposed approved in_progress"


@register.simple_tag
def household_funding_rows(rows: Iterable[ActionFunding]) -> SafeString:
    """The household funding table's body rows (``HouseholdFunding.actions``), every value escaped.

    Built in one pass rather than by a template loop, as ``flow_rows``: with two ``{% url %}`` and two
    ``floatformat`` per action it was the largest part of the household page's template time after the
    timeline. Translated texts as ``{% translate %}`` puts them: the catalogue's text unescaped.
    """
    pay_url = reverse("funding:action_pay", args=[PLACEHOLDER_UUID])
    register_url = reverse("funding:blockage_register", args=[PLACEHOLDER_UUID])
    whole_household = _("the whole household")
    nothing_allocated = f"<span>{_('nothing allocated')}</span>"
    pay = _("Pay from a stream")
    lead_pays = f'<span class="utrecht-paragraph--small">{_("the team lead pays it from a stream")}</span>'
    blocked = f'<span class="blocked">{_("blocked")}</span>'
    report = _("Report a blockage")
    parts = []
    for row in rows:
        action = row.action
        description = escape(action.description)
        action_uuid = str(action.uuid)
        if row.silos:
            silos = "".join(
                f'<span class="{escape(badge.css_class)}">{escape(badge.name)}</span>' for badge in row.silos
            )
        else:
            silos = nothing_allocated
            if action.status in PAYABLE_STATUSES:
                if row.may_pay:
                    url = escape(pay_url.replace(PLACEHOLDER_UUID, action_uuid))
                    silos += (
                        f'\n          <a class="utrecht-link" href="{url}">{pay}'
                        f'<span class="visually-hidden"> \u2014 {description}</span></a>'
                    )
                else:
                    silos += f"\n          {lead_pays}"
        parts.append(
            FUNDING_ROW.format(
                description=description,
                reference=escape(action.case.reference),
                status=escape(action.get_status_display()),
                theme=escape(action.theme.name),
                organisation=escape(action.delivering_organisation.name),
                beneficiary=escape(action.beneficiary.full_name) if action.beneficiary else whole_household,
                silos=silos,
                allocated=floatformat(row.allocated, "2g"),
                spent=floatformat(row.spent, "2g"),
                blocked=blocked if row.blocked else "",
                register_url=escape(register_url.replace(PLACEHOLDER_UUID, action_uuid)),
                report=report,
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


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

"""Template helpers for casework screens."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import template
from django.template.defaultfilters import capfirst, linebreaksbr
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.formats import localize
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from common.html import escaped as escape
from privacy import policy

from ..models import Case

if TYPE_CHECKING:
    from ..models import CaseConference
    from ..views.pages import CaseloadRow, TimelineEntry

register = template.Library()


@register.simple_tag(takes_context=True)
def leads_team_of(context: template.Context, case: Case) -> bool:
    """Whether the user leads the case's team (and so assigns its coordinator).

    One query per request, however many cases a page shows: the led teams are kept on the request. None
    for anyone the policy answers with no teams at all: the empty query is not even compiled.
    """
    request = context.get("request")
    user: Any = getattr(request, "user", None) or context.get("user")
    holder = request if request is not None else user
    led: frozenset[int] | None = getattr(holder, "_wijkteam_led_team_ids", None)
    if led is None:
        ids = policy.led_team_ids(user)
        led = frozenset() if ids.query.is_empty() else frozenset(ids)  # no query for anyone but a team lead
        if holder is not None:
            holder._wijkteam_led_team_ids = led
    return case.team_id in led


# The caseload table's body rows: the markup the template loop wrote, byte for byte (tests/cases/test_caseload_rows.py
# renders that loop beside this). A ``str.format`` template: every value put in is escaped first.
CASELOAD_ROW = (
    "\n"
    '    <tr class="utrecht-table__row{overdue_class}">\n'
    '      <th class="utrecht-table__header-cell caseload-table__household" scope="row">\n'
    '        <a class="utrecht-link" href="{url}?casus={case_uuid}">{address}</a>\n'
    '        <span class="caseload-table__members">{members}</span>\n'
    '        <span class="caseload-table__reference">{reference}{team}</span>\n'
    "      </th>\n"
    '      <td class="utrecht-table__cell">{status}</td>\n'
    '      <td class="utrecht-table__cell">{coordinator}</td>\n'
    '      <td class="utrecht-table__cell">\n'
    "        {themes}\n"
    "      </td>\n"
    '      <td class="utrecht-table__cell">\n'
    "        {last_contact}\n"
    "        {overdue_flag}\n"
    "      </td>\n"
    '      <td class="utrecht-table__cell">\n'
    "        {next_action}\n"
    "      </td>\n"
    '      <td class="utrecht-table__cell">{referred_on}</td>\n'
    '      <td class="utrecht-table__cell">{area}{parent_area}</td>\n'
    "    </tr>\n"
    "    "
)
OVERDUE_FLAG = (
    "\n"
    '        <strong class="overdue-flag"><span class="overdue-flag__icon" aria-hidden="true">!</span> {}</strong>\n'
    "        "
)
MUTED = '<span class="muted">{}</span>'
# A household's page address for any UUID: reversed once per table, not per row.
PLACEHOLDER_UUID = str(uuid.UUID(int=0))


class ShortDates:
    """Dates as the ``date:"j b Y"`` filter writes them ("7 dec 2026"), the month names looked up once per
    table: the filter's general formatter was a third of the table's time. A date and time is shown on
    its local day, as the filter does."""

    names: dict[int, Any] = MONTHS_3

    def __init__(self) -> None:
        self.months: dict[int, str] = {}

    def __call__(self, day: datetime.date) -> str:
        if isinstance(day, datetime.datetime) and timezone.is_aware(day):
            day = timezone.localtime(day)
        month = self.months.get(day.month)
        if month is None:
            month = self.months[day.month] = str(self.names[day.month])
        return f"{day.day} {month} {day.year:04d}"


class LongDates(ShortDates):
    """Dates as the ``date:"j F Y"`` filter writes them ("7 december 2026")."""

    names = MONTHS


# The date helpers of the filters below, one per language (their month names are that language's).
_SHORT_DATES: dict[str | None, ShortDates] = {}
_LONG_DATES: dict[str | None, ShortDates] = {}


def _in_language(helpers: dict[str | None, ShortDates], kind: type[ShortDates]) -> ShortDates:
    language = translation.get_language()
    helper = helpers.get(language)
    if helper is None:
        helper = helpers.setdefault(language, kind())
    return helper


@register.filter(expects_localtime=True)
def short_date(value: datetime.date | None) -> str:
    """``value|date:"j b Y"`` ("7 dec 2026") without the filter's general formatter: a tenth of its time,
    for the rows of a table."""
    return _in_language(_SHORT_DATES, ShortDates)(value) if value else ""


@register.filter(expects_localtime=True)
def short_date_time(value: datetime.datetime | None) -> str:
    """``value|date:"j b Y H:i"`` ("7 dec 2026 09:05"): the local day and time."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{short_date(value)} {value.hour:02d}:{value.minute:02d}"


@register.filter(expects_localtime=True)
def long_date(value: datetime.date | None) -> str:
    """``value|date:"j F Y"`` ("7 december 2026")."""
    return _in_language(_LONG_DATES, LongDates)(value) if value else ""


@register.simple_tag
def caseload_rows(rows: Iterable[CaseloadRow], is_team_view: bool, overdue_days: int) -> SafeString:
    """The caseload table's body rows, every value escaped.

    Built in one pass rather than by a template loop (as ``monitoring_tags.organisation_rows``): the
    loop's tags, filters and lookups were half of the caseload's Python time, and its p95 must stay
    under 30 ms (issue 17). Translated texts are put in as ``{% translate %}`` puts them: the
    catalogue's text unescaped, a value put into it (the days) escaped.
    """
    household_url = reverse("cases:household", args=[PLACEHOLDER_UUID])
    without_members = gettext("household without current members")
    no_themes = MUTED.format(gettext("no themes yet"))
    no_contact = gettext("no contact yet")
    none_planned = MUTED.format(gettext("none planned"))
    nobody = gettext("none")
    overdue_flag = OVERDUE_FLAG.format(
        gettext("no recent contact (over %(days)s days)") % {"days": escape(localize(overdue_days))}
    )
    short_date = ShortDates()
    parts = []
    for row in rows:
        case: Any = row.case  # with the caseload's annotations (``with_caseload_summary``)
        household = case.household
        neighbourhood = household.neighbourhood
        parts.append(
            CASELOAD_ROW.format(
                overdue_class=" caseload-table__row--overdue" if case.contact_overdue else "",
                url=escape(household_url.replace(PLACEHOLDER_UUID, str(household.uuid))),
                case_uuid=escape(case.uuid),
                address=escape(household.address),
                members=", ".join(escape(person.full_name) for person in row.members) or without_members,
                reference=escape(case.reference),
                team=f" · {escape(case.team.name)}" if is_team_view else "",
                status=escape(capfirst(case.get_status_display())),
                coordinator=escape(row.coordinator) if row.coordinator else nobody,
                themes=(
                    '<ul class="theme-list">{}</ul>'.format(
                        "".join(f"<li>{escape(theme.name)}</li>" for theme in row.themes)
                    )
                    if row.themes
                    else no_themes
                ),
                last_contact=escape(short_date(case.last_contact_on)) if case.last_contact_on else no_contact,
                overdue_flag=overdue_flag if case.contact_overdue else "",
                next_action=(
                    escape(case.next_action)
                    + (
                        f" {MUTED.format(f'({escape(short_date(case.next_action_on))})')}"
                        if case.next_action_on
                        else ""
                    )
                    if case.next_action
                    else none_planned
                ),
                referred_on=escape(short_date(case.referred_on)),
                area=escape(neighbourhood.name),
                parent_area=f" {MUTED.format(f'({escape(neighbourhood.parent.name)})')}"
                if neighbourhood.parent
                else "",
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


# The timeline's entries: the markup the template loop wrote, byte for byte (tests/cases/test_timeline_items.py
# renders that loop beside this). A ``str.format`` template: every value put in is escaped first.
TIMELINE_ITEM = (
    "\n"
    '<li class="timeline__item{confidential_class}" id="contact-{contact_uuid}"{focus}>\n'
    '  <p class="timeline__meta">\n'
    '    <time datetime="{iso_date}">{date}</time>\n'
    "    \u00b7 {kind}\n"
    "    \u00b7 {minutes}\n"
    "  </p>\n"
    '  <p class="timeline__author">{author} ({organisation})</p>\n'
    "  {confidential_tag}\n"
    "  {themes}\n"
    "  {note}\n"
    "  {correction}\n"
    "</li>\n"
    "\n"
)
CONFIDENTIAL_TAG = '<p class="confidential-tag"><span aria-hidden="true">\U0001f512</span> {}</p>'
PLACEHOLDER_CONTACT_UUID = str(uuid.UUID(int=1))


@register.simple_tag
def timeline_items(timeline: Iterable[TimelineEntry], case: Case, focus: bool = False) -> SafeString:
    """The timeline's entries (``pages.timeline_page``), every value escaped; ``focus`` marks the first for
    keyboard focus (the entries htmx adds).

    Built in one pass rather than by a template loop, for the reason ``caseload_rows`` gives: the loop was
    the largest part of the household page's template time. Translated texts as the template tags put
    them: the catalogue's text unescaped, a value put into it escaped; a note's lines as ``linebreaks``.
    """
    long_date = LongDates()
    themes_label = gettext("Themes")
    correct_url = ""
    parts = []
    for index, entry in enumerate(timeline):
        contact = entry.contact
        organisation = escape(contact.author_organisation.name)
        date = escape(long_date(contact.occurred_on))
        correction = ""
        if contact.corrected_at or entry.correctable:
            mark = ""
            if contact.corrected_at:
                reason = f": {escape(contact.correction_reason)}" if contact.correction_reason else ""
                corrected_on = gettext("corrected on %(date)s") % {"date": escape(long_date(contact.corrected_at))}
                mark = f'<span class="corrected-mark muted">{corrected_on}{reason}</span>\n'
            link = ""
            if entry.correctable:
                if not correct_url:
                    correct_url = reverse("cases:contact-correct", args=[case.uuid, PLACEHOLDER_CONTACT_UUID])
                url = escape(correct_url.replace(PLACEHOLDER_CONTACT_UUID, str(contact.uuid)))
                text = gettext('Correct<span class="visually-hidden"> the note of %(date)s</span>') % {"date": date}
                link = f' <a class="utrecht-link" href="{url}">{text}</a>'
            correction = f'<p class="timeline__correction">{mark}{link}</p>'
        parts.append(
            TIMELINE_ITEM.format(
                confidential_class=" timeline__item--confidential" if contact.confidentiality == "own_org" else "",
                contact_uuid=escape(contact.uuid),
                focus=' tabindex="-1" data-focus-next' if focus and index == 0 else "",
                iso_date=escape(contact.occurred_on.isoformat()),
                date=date,
                kind=escape(contact.get_kind_display()),
                minutes=ngettext("%(minutes)s minute", "%(minutes)s minutes", contact.minutes)
                % {"minutes": escape(localize(contact.minutes))},
                author=escape(contact.author),
                organisation=organisation,
                confidential_tag=(
                    CONFIDENTIAL_TAG.format(
                        gettext("Only visible within %(organisation)s") % {"organisation": organisation}
                    )
                    if contact.confidentiality == "own_org"
                    else ""
                ),
                themes=(
                    f'<ul class="theme-list" aria-label="{themes_label}">'
                    + "".join(f'<li class="theme-tag">{escape(theme.name)}</li>' for theme in entry.themes)
                    + "</ul>"
                    if entry.themes
                    else ""
                ),
                note=f'<div class="timeline__note">{linebreaks(contact.note, autoescape=True)}</div>'
                if contact.note
                else "",
                correction=correction,
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


# The household page's case conferences: the markup the template loop wrote, byte for byte
# (tests/cases/test_conference_items.py renders that loop beside this). Every value put in is escaped first.
CONFERENCE_ITEM = (
    "\n"
    '  <article class="conference" aria-labelledby="conference-{uuid}">\n'
    '    <h3 class="utrecht-heading-3" id="conference-{uuid}">{title}</h3>\n'
    '    <dl class="summary-list">\n'
    "      <dt>{participants_label}</dt>\n"
    "      <dd>{participants}</dd>\n"
    "      <dt>{present_label}</dt>\n"
    "      <dd>{present}</dd>\n"
    "      <dt>{decisions_label}</dt>\n"
    "      <dd>{decisions}</dd>\n"
    "      {agreed}\n"
    "    </dl>\n"
    "  </article>\n"
    "  "
)
AGREED_ACTIONS = '\n      <dt>{}</dt>\n      <dd><ul class="utrecht-unordered-list">{}</ul></dd>\n      '


@register.simple_tag
def conference_items(conferences: Iterable[CaseConference]) -> SafeString:
    """The case conferences of the household page (``pages.conferences_of``, each with ``participant_names``
    and ``agreed_actions``), every value escaped; decisions keep their line breaks (``linebreaksbr``).

    Built in one pass rather than by a template loop, for the reason ``caseload_rows`` gives: a case may
    have had a conference every month, and the loop was a tenth of the page's template time.
    """
    long_date = LongDates()
    participants_label = gettext("Participants")
    present_label = gettext("Household took part")
    decisions_label = gettext("Decisions")
    agreed_label = gettext("Actions agreed")
    yes, no = gettext("yes"), gettext("no")
    parts = []
    for conference in conferences:
        participants = ", ".join(escape(name) for name in conference.participant_names)  # type: ignore[attr-defined]
        if conference.other_participants:
            participants += f"; {escape(conference.other_participants)}"
        agreed: list[Any] = conference.agreed_actions  # type: ignore[attr-defined]
        parts.append(
            CONFERENCE_ITEM.format(
                uuid=escape(conference.uuid),
                title=gettext("Case conference of %(date)s") % {"date": escape(long_date(conference.held_on))},
                participants_label=participants_label,
                participants=participants,
                present_label=present_label,
                present=yes if conference.household_present else no,
                decisions_label=decisions_label,
                decisions=linebreaksbr(conference.decisions, autoescape=True),
                agreed=AGREED_ACTIONS.format(
                    agreed_label,
                    "".join(
                        f"<li>{escape(action.description)} ({escape(action.delivering_organisation.name)})</li>"
                        for action in agreed
                    ),
                )
                if agreed
                else "",
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped above

"""The household page's diagram: the household in the middle, everyone involved around it.

Around the household stand the organisations and professionals involved in the
case, grouped by the theme of the actions they deliver and marked with the
funding silos (kokers) that pay for them. That is the "many contact points"
the domain brief asks to make visible: the page also counts organisations,
professionals and silos.

Everything here works on rows the view already fetched through ``visible_to``;
the layout is computed in Python and drawn as server-side SVG (no JavaScript),
next to an equivalent table for screen readers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from funding.models import Silo
from funding.selectors import Fragmentation, SiloBadge, household_fragmentation, paying_silo_by_organisation
from funding.silo_look import SiloLook, look_of
from organisations.models import Organisation, User
from themes.models import Theme

from .models import Action, Case, Household, HouseholdMembership, Involvement, NetworkPerson

# --- Colouring by funding silo ------------------------------------------------------


def funding_silos_by_organisation(
    *,
    household: Household,
    user: User | AnonymousUser,
    organisation_ids: Iterable[int],
    visible_cases: Sequence[Case] | None = None,
    paying: Mapping[int, SiloBadge] | None = None,
) -> dict[int, list[Silo]]:
    """The funding silo that pays each organisation's work for the household: the diagram's colouring.

    The silo that pays most of the organisation's actions, from real allocations
    (``funding.selectors.paying_silo_by_organisation``, over the cases of the
    household the user may see). An organisation nothing pays yet gets no silo:
    what it could bill is no colour. Two queries (the allocations, then the
    silos' order for their look); none when the caller passes ``paying`` from
    ``household_funding``, which read the same allocations with their silos.
    """
    ids = set(organisation_ids)
    if paying is None:
        paying = paying_silo_by_organisation(household, user, visible_cases=visible_cases)
    badges = [badge for pk, badge in paying.items() if pk in ids]
    silos = {badge.code: badge.silo for badge in badges if badge.silo is not None}
    codes = {badge.code for badge in badges} - set(silos)
    if codes:
        silos.update((silo.code, silo) for silo in Silo.objects.filter(code__in=codes))
    return {pk: [silos[paying[pk].code]] if pk in paying and paying[pk].code in silos else [] for pk in ids}


@dataclass(frozen=True)
class SiloStyle:
    """A silo as the diagram draws it: its look (``funding.silo_look``, the same as the badges')."""

    silo: Silo
    look: SiloLook

    @property
    def colour(self) -> str:
        return self.look.colour

    @property
    def pattern(self) -> str:
        return self.look.pattern

    @property
    def short(self) -> str:
        return self.look.short

    @property
    def pattern_id(self) -> str:
        return f"silo-pattern-{self.silo.code}"


def silo_style(silo: Silo) -> SiloStyle:
    """The silo's look, the same on every page and in the badges."""
    return SiloStyle(silo=silo, look=look_of(silo.code))


# --- The diagram's content ------------------------------------------------------------


@dataclass
class ProfessionalEntry:
    professional: User
    role_label: str
    is_coordinator: bool


@dataclass
class OrganisationNode:
    organisation: Organisation
    professionals: list[ProfessionalEntry]
    silos: list[SiloStyle]
    action_count: int

    @property
    def has_coordinator(self) -> bool:
        return any(entry.is_coordinator for entry in self.professionals)


@dataclass
class ThemeGroup:
    theme: Theme | None  # None: involved, but no open action on any theme yet
    nodes: list[OrganisationNode]

    @property
    def label(self) -> str:
        return self.theme.name if self.theme else _("No open action yet")


@dataclass
class Diagram:
    groups: list[ThemeGroup]
    legend: list[SiloStyle]
    # The household's counts above the drawing: the funding panel shows the same (one definition).
    fragmentation: Fragmentation
    address: str
    members: list[HouseholdMembership]
    # The network around the household (ecogram): drawn under the members, apart from them.
    network: list[NetworkPerson] = field(default_factory=list)
    layout: Layout | None = None

    @property
    def rows(self) -> list[tuple[ThemeGroup, OrganisationNode]]:
        """The table equivalent: one row per theme and organisation."""
        return [(group, node) for group in self.groups for node in group.nodes]

    @property
    def svg(self) -> SafeString:
        return render_svg(self)


def build_diagram(
    *,
    household: Household,
    user: User | AnonymousUser,
    visible_cases: Sequence[Case] | None = None,
    paying: Mapping[int, SiloBadge] | None = None,
    fragmentation: Fragmentation | None = None,
    themes: Sequence[Theme],
    active_involvements: Sequence[Involvement],
    open_actions: Sequence[Action],
    members: Sequence[HouseholdMembership],
    network: Sequence[NetworkPerson] = (),
) -> Diagram:
    """Group a case's active involvements and open actions by theme.

    An organisation stands under every theme it has an open action on, with its
    involved professionals; an organisation involved without any open action
    stands in its own group. The counts above it are the household's fragmentation
    (``funding.selectors.household_fragmentation``; pass ``fragmentation`` when the
    caller has it from ``household_funding``), not a count of this drawing: the
    drawing shows one case, the fragmentation the household's open cases.
    """
    organisations: dict[int, Organisation] = {}
    professionals: dict[int, list[ProfessionalEntry]] = {}
    for involvement in active_involvements:
        organisations.setdefault(involvement.organisation_id, involvement.organisation)
        professionals.setdefault(involvement.organisation_id, []).append(
            ProfessionalEntry(
                professional=involvement.professional,
                role_label=involvement.get_role_display(),
                is_coordinator=involvement.is_coordinator,
            )
        )
    actions_by_theme: dict[int, dict[int, int]] = {}
    for action in open_actions:
        organisations.setdefault(action.delivering_organisation_id, action.delivering_organisation)
        per_organisation = actions_by_theme.setdefault(action.theme_id, {})
        per_organisation[action.delivering_organisation_id] = (
            per_organisation.get(action.delivering_organisation_id, 0) + 1
        )

    silos = funding_silos_by_organisation(
        household=household, user=user, organisation_ids=organisations, visible_cases=visible_cases, paying=paying
    )
    styles = {pk: [silo_style(silo) for silo in org_silos] for pk, org_silos in silos.items()}

    def node(organisation_id: int, action_count: int) -> OrganisationNode:
        entries = sorted(
            professionals.get(organisation_id, []),
            key=lambda entry: (not entry.is_coordinator, str(entry.professional)),
        )
        return OrganisationNode(
            organisation=organisations[organisation_id],
            professionals=entries,
            silos=styles.get(organisation_id, []),
            action_count=action_count,
        )

    def by_name(organisation_id: int) -> str:
        return organisations[organisation_id].name

    groups = [
        ThemeGroup(
            theme=theme,
            nodes=[
                node(pk, count)
                for pk, count in sorted(actions_by_theme.get(theme.pk, {}).items(), key=lambda item: by_name(item[0]))
            ],
        )
        for theme in themes
    ]
    with_actions = {pk for per_organisation in actions_by_theme.values() for pk in per_organisation}
    without_actions = sorted((pk for pk in professionals if pk not in with_actions), key=by_name)
    if without_actions:
        groups.append(ThemeGroup(theme=None, nodes=[node(pk, 0) for pk in without_actions]))

    legend_by_code = {style.silo.code: style for org_styles in styles.values() for style in org_styles}
    legend = sorted(legend_by_code.values(), key=lambda style: (style.silo.order, style.silo.code))
    diagram = Diagram(
        groups=groups,
        legend=legend,
        fragmentation=fragmentation or household_fragmentation(household, user, visible_cases=visible_cases),
        address=household.address,
        members=list(members),
        network=list(network),
    )
    diagram.layout = lay_out(diagram)
    return diagram


# --- Layout: a 3-by-3 grid, the household in the middle, the theme groups around it ----

PANEL_WIDTH = 270
GAP = 36
MARGIN = 12
HEADER = 30
LINE = 18
NODE_PADDING = 8
CHIP_HEIGHT = 18
NAME_CHARS = 34  # the table below has the full names
CHIP_AREA = PANEL_WIDTH - 12 - 2 * NODE_PADDING - 8

# Clockwise from the top left; the cell left of the household is the last resort.
CELLS = [(0, 0), (1, 0), (2, 0), (2, 1), (2, 2), (1, 2), (0, 2), (0, 1)]


def shorten(text: str, limit: int = NAME_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# Coordinates are whole pixels: they go into SVG attributes as they are, never through
# number localisation (a Dutch "12,5" would break the drawing).


@dataclass
class Chip:
    x: int
    y: int
    width: int
    style: SiloStyle

    # Offsets of the pattern swatch and the label inside the chip.
    @property
    def swatch_x(self) -> int:
        return self.x + 2

    @property
    def swatch_y(self) -> int:
        return self.y + 2

    @property
    def text_x(self) -> int:
        return self.x + 20

    @property
    def text_y(self) -> int:
        return self.y + 13


@dataclass
class TextLine:
    x: int
    y: int
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class NodeBox:
    x: int
    y: int
    width: int
    height: int
    coordinator: bool
    lines: list[TextLine] = field(default_factory=list)
    chips: list[Chip] = field(default_factory=list)
    # The silo stripe along the node's left edge: (y, height, style) per silo.
    stripes: list[tuple[int, int, SiloStyle]] = field(default_factory=list)


@dataclass
class Panel:
    x: int
    y: int
    width: int
    height: int
    title: str
    empty: bool
    nodes: list[NodeBox] = field(default_factory=list)
    empty_text: str = ""

    @property
    def centre(self) -> tuple[int, int]:
        return (self.x + self.width // 2, self.y + self.height // 2)

    @property
    def text_x(self) -> int:
        return self.x + 10

    @property
    def title_y(self) -> int:
        return self.y + 20

    @property
    def empty_text_y(self) -> int:
        return self.y + 46


@dataclass
class Layout:
    width: int
    height: int
    household: Panel
    household_lines: list[TextLine]
    panels: list[Panel]
    links: list[tuple[int, int, int, int]]


def _chip_width(style: SiloStyle) -> int:
    return 14 + 4 + 8 * len(style.short) + 6


def _chip_rows(styles: Sequence[SiloStyle]) -> list[list[SiloStyle]]:
    rows: list[list[SiloStyle]] = []
    used = CHIP_AREA
    for style in styles:
        chip = _chip_width(style)
        if used + chip > CHIP_AREA:
            rows.append([])
            used = 0
        rows[-1].append(style)
        used += chip + 6
    return rows


def _node_height(node: OrganisationNode) -> int:
    chips = len(_chip_rows(node.silos)) * (CHIP_HEIGHT + 4)
    return NODE_PADDING + LINE + chips + LINE * len(node.professionals) + NODE_PADDING


def _panel_height(group: ThemeGroup) -> int:
    if not group.nodes:
        return HEADER + LINE + 2 * NODE_PADDING
    return HEADER + sum(_node_height(node) + 6 for node in group.nodes) + NODE_PADDING


def _node_box(node: OrganisationNode, x: int, top: int) -> NodeBox:
    box = NodeBox(x=x, y=top, width=PANEL_WIDTH - 12, height=_node_height(node), coordinator=node.has_coordinator)
    text_x = x + NODE_PADDING + 8  # room for the silo stripe on the left
    if node.silos:
        share = box.height // len(node.silos)
        box.stripes = [(top + index * share, share, style) for index, style in enumerate(node.silos)]
        last_y, _height, last_style = box.stripes[-1]
        box.stripes[-1] = (last_y, top + box.height - last_y, last_style)  # the rounding goes to the last
    box.lines.append(TextLine(text_x, top + NODE_PADDING + 13, shorten(node.organisation.name, 30), bold=True))
    cursor = top + NODE_PADDING + LINE
    for row in _chip_rows(node.silos):
        chip_x = text_x
        for style in row:
            box.chips.append(Chip(chip_x, cursor, _chip_width(style), style))
            chip_x += _chip_width(style) + 6
        cursor += CHIP_HEIGHT + 4
    for index, entry in enumerate(node.professionals):
        name = str(entry.professional)
        label = f"★ {name} ({_('coordinator')})" if entry.is_coordinator else name
        box.lines.append(TextLine(text_x, cursor + 13 + index * LINE, shorten(label, 34), bold=entry.is_coordinator))
    return box


def lay_out(diagram: Diagram) -> Layout:
    groups = diagram.groups[: len(CELLS)]
    network_lines = len(diagram.network) + 1 if diagram.network else 0  # a heading, then one line each
    household_height = HEADER + LINE * (max(len(diagram.members), 1) + 1 + network_lines) + 2 * NODE_PADDING
    heights: dict[tuple[int, int], int] = {(1, 1): household_height}
    for cell, group in zip(CELLS, groups, strict=False):
        heights[cell] = _panel_height(group)
    row_heights = [max(height for (_column, row), height in heights.items() if row == index) for index in range(3)]
    row_tops = [MARGIN, MARGIN + row_heights[0] + GAP, MARGIN + row_heights[0] + row_heights[1] + 2 * GAP]
    column_lefts = [MARGIN + column * (PANEL_WIDTH + GAP) for column in range(3)]

    def place(cell: tuple[int, int], height: int) -> tuple[int, int]:
        column, row = cell
        # Centred in its row, so the links meet the household evenly.
        return column_lefts[column], row_tops[row] + (row_heights[row] - height) // 2

    hx, hy = place((1, 1), household_height)
    household = Panel(x=hx, y=hy, width=PANEL_WIDTH, height=household_height, title=_("Household"), empty=False)
    text_x = hx + NODE_PADDING + 4
    household_lines = [TextLine(text_x, hy + HEADER + LINE - 4, shorten(diagram.address), bold=True)]
    for index, membership in enumerate(diagram.members):
        household_lines.append(
            TextLine(text_x, hy + HEADER + LINE * (index + 2) - 4, shorten(membership.person.full_name))
        )
    if not diagram.members:
        household_lines.append(TextLine(text_x, hy + HEADER + 2 * LINE - 4, _("No current members")))
    if diagram.network:
        first = max(len(diagram.members), 1) + 2
        household_lines.append(
            TextLine(text_x, hy + HEADER + LINE * first - 4, _("Network (not members)"), bold=True, italic=True)
        )
        for index, entry in enumerate(diagram.network):
            label = f"{entry.name} — {entry.get_relation_display()} ({entry.related_to.first_name})"
            household_lines.append(
                TextLine(text_x, hy + HEADER + LINE * (first + index + 1) - 4, shorten(label), italic=True)
            )

    panels: list[Panel] = []
    links: list[tuple[int, int, int, int]] = []
    for cell, group in zip(CELLS, groups, strict=False):
        px, py = place(cell, heights[cell])
        panel = Panel(
            x=px,
            y=py,
            width=PANEL_WIDTH,
            height=heights[cell],
            title=shorten(group.label, 30),
            empty=not group.nodes,
            empty_text=_("Nobody on this theme"),
        )
        top = py + HEADER
        for node in group.nodes:
            box = _node_box(node, px + 6, top)
            panel.nodes.append(box)
            top += box.height + 6
        panels.append(panel)
        if group.nodes:
            links.append((*household.centre, *panel.centre))

    return Layout(
        width=2 * MARGIN + 3 * PANEL_WIDTH + 2 * GAP,
        height=row_tops[2] + row_heights[2] + MARGIN,
        household=household,
        household_lines=household_lines,
        panels=panels,
        links=links,
    )


# --- Drawing -----------------------------------------------------------------------------
# Written out in Python rather than a template: a drawing is hundreds of small
# elements, and the template engine spent more time on them than the rest of
# the page together. Presentation attributes only (no style=""), so a strict
# content security policy has nothing to object to. Every text is escaped;
# coordinates are integers.

PATTERN_SHAPES = {
    "solid": "",
    "diagonal": '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#ffffff" stroke-width="1.5"/>',
    "back-diagonal": '<path d="M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4" stroke="#ffffff" stroke-width="1.5"/>',
    "dots": '<circle cx="4" cy="4" r="1.6" fill="#ffffff"/>',
    "large-dots": '<circle cx="4" cy="4" r="2.6" fill="#ffffff"/>',
    "horizontal": '<path d="M0,4 h8" stroke="#ffffff" stroke-width="2"/>',
    "vertical": '<path d="M4,0 v8" stroke="#ffffff" stroke-width="2"/>',
    "crosshatch": '<path d="M0,0 l8,8 M8,0 l-8,8" stroke="#ffffff" stroke-width="1"/>',
    "grid": '<path d="M0,4 h8 M4,0 v8" stroke="#ffffff" stroke-width="1"/>',
    "zigzag": '<path d="M0,6 l2,-4 l2,4 l2,-4 l2,4" stroke="#ffffff" stroke-width="1.2" fill="none"/>',
    "checker": '<rect width="4" height="4" fill="#ffffff" fill-opacity="0.7"/>'
    '<rect x="4" y="4" width="4" height="4" fill="#ffffff" fill-opacity="0.7"/>',
    "rings": '<circle cx="4" cy="4" r="2.5" fill="none" stroke="#ffffff" stroke-width="1.2"/>',
}
INK = "#1a1a1a"


def _text(line: TextLine, extra: str = "") -> str:
    weight = ' font-weight="700"' if line.bold else ""
    style = ' font-style="italic"' if line.italic else ""
    return f'<text x="{line.x}" y="{line.y}" fill="{INK}"{weight}{style}{extra}>{escape(line.text)}</text>'


def _pattern(style: SiloStyle) -> str:
    return (
        f'<pattern id="{escape(style.pattern_id)}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{style.colour}"/>{PATTERN_SHAPES.get(style.pattern, "")}</pattern>'
    )


def _panel(panel: Panel) -> list[str]:
    fill, stroke, dash = (
        ("#f5f5f5", "#8a8a8a", ' stroke-dasharray="5 4"') if panel.empty else ("#eef2f9", "#1f3d7a", "")
    )
    parts = [
        '<g class="involvement-diagram__panel">',
        f'<rect x="{panel.x}" y="{panel.y}" width="{panel.width}" height="{panel.height}" rx="6" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="1.5"{dash}/>',
        f'<text x="{panel.text_x}" y="{panel.title_y}" font-weight="700" font-size="14" fill="{INK}">'
        f"{escape(panel.title)}</text>",
    ]
    if panel.empty:
        parts.append(
            f'<text x="{panel.text_x}" y="{panel.empty_text_y}" fill="#4a4a4a" font-style="italic">'
            f"{escape(panel.empty_text)}</text>"
        )
    for node in panel.nodes:
        border = 3 if node.coordinator else 1
        parts.append(
            f'<rect x="{node.x}" y="{node.y}" width="{node.width}" height="{node.height}" rx="4" fill="#ffffff" '
            f'stroke="{INK}" stroke-width="{border}"/>'
        )
        parts += [
            f'<rect x="{node.x}" y="{y}" width="8" height="{height}" fill="url(#{escape(style.pattern_id)})"/>'
            for y, height, style in node.stripes
        ]
        for chip in node.chips:
            parts.append(
                f'<rect x="{chip.x}" y="{chip.y}" width="{chip.width}" height="18" rx="3" fill="#ffffff" '
                f'stroke="#4a4a4a" stroke-width="1"/>'
                f'<rect x="{chip.swatch_x}" y="{chip.swatch_y}" width="14" height="14" '
                f'fill="url(#{escape(chip.style.pattern_id)})" stroke="{INK}" stroke-width="0.5"/>'
                f'<text x="{chip.text_x}" y="{chip.text_y}" font-size="12" fill="{INK}">'
                f"{escape(chip.style.short)}</text>"
            )
        parts += [_text(line) for line in node.lines]
    parts.append("</g>")
    return parts


def render_svg(diagram: Diagram) -> SafeString:
    """The diagram as inline SVG, hidden from assistive technology: the table next to it says the same."""
    layout = diagram.layout or lay_out(diagram)
    household = layout.household
    parts = [
        f'<svg class="involvement-diagram__svg" viewBox="0 0 {layout.width} {layout.height}" width="{layout.width}" '
        f'height="{layout.height}" aria-hidden="true" focusable="false" font-family="system-ui, sans-serif" '
        f'font-size="13">',
        "<defs>",
        *(_pattern(style) for style in diagram.legend),
        "</defs>",
        '<g class="involvement-diagram__links">',
        *(
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#6b6b6b" stroke-width="2"/>'
            for x1, y1, x2, y2 in layout.links
        ),
        "</g>",
    ]
    for panel in layout.panels:
        parts += _panel(panel)
    parts += [
        '<g class="involvement-diagram__household">',
        f'<rect x="{household.x}" y="{household.y}" width="{household.width}" height="{household.height}" rx="10" '
        f'fill="#fff8e1" stroke="{INK}" stroke-width="3"/>',
        f'<text x="{household.text_x}" y="{household.title_y}" font-weight="700" font-size="15" fill="{INK}">'
        f"{escape(household.title)}</text>",
        *(_text(line) for line in layout.household_lines),
        "</g>",
        "</svg>",
    ]
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped, every number an int

"""The look of each funding silo (koker): one table, used by the silo badges and the household diagram.

Per silo: a fill colour, the colour of text written on it, a fill pattern and a short label, so that
colour never carries meaning alone (WCAG 1.4.1): a badge writes the silo's name, the diagram adds the
pattern and the short label. Every fill has a contrast of at least 3:1 against white (WCAG 1.4.11: the
stripes and swatches stand on white nodes and chips) and its text at least 4.5:1 (1.4.3);
``tests/funding/test_silo_look.py`` checks both.

The badge rules in ``static/css/funding.css`` are generated from this table (a strict CSP allows no
inline styles): ``manage.py silo_css --write`` rewrites them, and a test fails when they drift.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

WHITE = "#ffffff"


@dataclass(frozen=True)
class SiloLook:
    code: str
    colour: str  # the fill: a badge's background, the diagram's stripe and swatch
    ink: str  # text written on the fill
    pattern: str  # the diagram's fill pattern (cases.diagram.PATTERN_SHAPES)
    short: str  # the abbreviation Dutch practice uses, in the diagram's chips and legend


# Dark fills with white text, in the silos' order (funding/reference.py).
SILO_LOOKS: dict[str, SiloLook] = {
    look.code: look
    for look in (
        SiloLook("jeugdwet", "#0b6aa8", WHITE, "solid", "Jw"),
        SiloLook("wmo", "#a84d00", WHITE, "diagonal", "Wmo"),
        SiloLook("participatiewet", "#00795a", WHITE, "dots", "Pw"),
        SiloLook("wgs", "#b3246b", WHITE, "horizontal", "Wgs"),
        SiloLook("wpg", "#6a3d9a", WHITE, "vertical", "Wpg"),
        SiloLook("ocw", "#6f6500", WHITE, "crosshatch", "OCW"),
        SiloLook("zvw", "#c0262d", WHITE, "back-diagonal", "Zvw"),
        SiloLook("wlz", "#332288", WHITE, "grid", "Wlz"),
        SiloLook("jenv", "#37536b", WHITE, "large-dots", "J&V"),
        SiloLook("woningwet", "#7a1f4a", WHITE, "zigzag", "Ww"),
        SiloLook("vhf", "#5e4a2b", WHITE, "checker", "Vhf"),
        SiloLook("flexibel", "#4a4a4a", WHITE, "rings", "Flex"),
    )
}
# A silo added later without a look of its own: neutral grey, its code as the label.
FALLBACK = SiloLook("", "#595959", WHITE, "solid", "")


def look_of(code: str) -> SiloLook:
    """The look of the silo with this code; an unknown silo gets the neutral one, labelled with its code."""
    look = SILO_LOOKS.get(code)
    return look if look is not None else replace(FALLBACK, code=code, short=code[:4])


def _luminance(colour: str) -> float:
    """Relative luminance of ``#rrggbb`` (WCAG 2.1)."""
    channels = [int(colour.lstrip("#")[index : index + 2], 16) / 255 for index in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def silo_css() -> str:
    """The badge rules for ``static/css/funding.css``: the neutral look first, then one rule per silo."""
    lines = [f".silo-badge {{ background: {FALLBACK.colour}; color: {FALLBACK.ink}; }}\n"]
    lines += [
        f".silo-badge--{code} {{ background: {look.colour}; color: {look.ink}; }}\n"
        for code, look in SILO_LOOKS.items()
    ]
    return "".join(lines)

"""Text on the crisis surfaces is readable: WCAG AA contrast (4.5:1), computed from the stylesheet.

A small cascade over static/css/peerlink.css: for an element with some classes,
the `color` and `background` of the most specific matching class-only rule win,
the later one on a tie; `var(--name)` reads the :root custom properties.
"""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static/css/peerlink.css").read_text()
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
DECLARATION = re.compile(r"([\w-]+)\s*:\s*([^;]+)")
AA = 4.5


def _rules():
    for order, (selectors, body) in enumerate(
        RULE.findall(re.sub(r"/\*.*?\*/", "", CSS, flags=re.S))
    ):
        declarations = dict(DECLARATION.findall(body))
        for selector in selectors.split(","):
            yield selector.strip(), {k: v.strip() for k, v in declarations.items()}, order


def _variables() -> dict[str, str]:
    return next(decls for selector, decls, _ in _rules() if selector == ":root")


def _matches(selector: str, tag: str, classes: set[str]) -> tuple[int, int] | None:
    """Return (classes, tags) specificity when the compound selector matches, else None."""
    match = re.fullmatch(r"([a-z]*)((?:\.[\w-]+)*)", selector)
    if not match:
        return None
    selector_tag, selector_classes = match.group(1), set(match.group(2).split(".")) - {""}
    if selector_tag and selector_tag != tag or not selector_classes <= classes:
        return None
    if not selector_tag and not selector_classes:
        return None
    return len(selector_classes), 1 if selector_tag else 0


def computed(tag: str, classes: str, prop: str) -> str | None:
    best = None
    for selector, declarations, order in _rules():
        specificity = _matches(selector, tag, set(classes.split()))
        if specificity is None or prop not in declarations:
            continue
        if best is None or (specificity, order) >= best[0]:
            best = ((specificity, order), declarations[prop])
    if best is None:
        return None
    value = best[1]
    names = _variables()
    return re.sub(r"var\((--[\w-]+)\)", lambda m: names[m.group(1)], value).split()[0]


def _luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted([_luminance(foreground), _luminance(background)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_contrast_formula_matches_the_reported_unreadable_button():
    # Brown text on the accent green, as the sender's button was: 1.31:1.
    assert contrast("#8a3b12", "#2f6f62") == pytest.approx(1.31, abs=0.01)


@pytest.mark.parametrize(
    "tag, classes, surface",
    [
        ("a", "button help-now-action", "the sender's “I need help now” button"),
        ("button", "button tell-staff", "the reading peer's “Tell our staff” button"),
        ("a", "help-now-call", "a crisis line on the help-now page"),
        ("p", "help-now-sent", "the help-now page once staff were told"),
        ("div", "peer-crisis", "the reading peer's crisis panel"),
    ],
)
def test_crisis_surfaces_have_readable_text(tag, classes, surface):
    colour = computed(tag, classes, "color")
    background = computed(tag, classes, "background") or computed("body", "", "background")
    assert colour and background, surface
    assert contrast(colour, background) >= AA, f"{surface}: {colour} on {background}"

"""axe-core in the browser tests: a page may have no serious or critical violation."""

import re
from dataclasses import dataclass

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()
SERIOUS = {"serious", "critical"}


def serious_violations(page) -> list[str]:
    """Return one line per serious or critical axe-core violation on the page as it is now."""
    # The browser tests' policy listener (tests/e2e/conftest.py) ignores what axe-core's
    # own <style> elements trigger; the pause lets those reports arrive while it does.
    page.evaluate("window.__axeRunning = true")
    try:
        results = _AXE.run(page)
    finally:
        page.evaluate(
            "new Promise((done) => setTimeout(() => { window.__axeRunning = false; done(); }, 50))"
        )
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation.get("impact") in SERIOUS
    ]


# What the focused element's ring looks like, and the colour around it: the ring is
# drawn outside the element (outline-offset), over its nearest painted ancestor.
_FOCUS_RING = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  // Focus on a part the browser draws itself (a date field's calendar button): its ring
  // is the browser's, not ours.
  if (!element.matches(":focus")) return null;
  const painted = (colour) => !/^rgba\\(.*, 0\\)$/.test(colour) && colour !== "transparent";
  let behind = element.parentElement;
  let background = "rgb(255, 255, 255)";
  while (behind) {
    const colour = getComputedStyle(behind).backgroundColor;
    if (painted(colour)) { background = colour; break; }
    behind = behind.parentElement;
  }
  const style = getComputedStyle(element);
  const label = element.innerText || element.getAttribute("aria-label") || element.name;
  const name = (label || "").trim();
  return {
    element: element.tagName.toLowerCase() + (name ? ` "${name.slice(0, 40)}"` : ""),
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    colour: style.outlineColor,
    background: background,
  };
}"""


def _luminance(colour: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"[\d.]+", colour)[:3])
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """Return the WCAG contrast ratio of two CSS rgb() colours."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass
class FocusRing:
    element: str
    style: str
    width: float
    colour: str
    background: str

    @property
    def contrast(self) -> float:
        return contrast(self.colour, self.background)

    def problem(self) -> str | None:
        """Return why a keyboard user could miss this ring, or None when they cannot."""
        if self.style == "none" or self.width < 2:
            return f"{self.element}: no visible focus ring ({self.style} {self.width}px)"
        if self.contrast < 3:
            return (
                f"{self.element}: focus ring {self.colour} on {self.background} "
                f"is {self.contrast:.2f}:1, below 3:1"
            )
        return None


def focus_ring(page) -> FocusRing | None:
    """Return the focus ring of the element that has focus, or None if nothing has."""
    found = page.evaluate(_FOCUS_RING)
    return FocusRing(**found) if found else None

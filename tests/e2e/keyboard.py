"""A person using only the keyboard: Tab to move, Space and Enter to act, arrows to choose.

Nothing here clicks or fills an element: it presses keys, as the person would, and
after every Tab checks that they can see where they are (tests.e2e.accessibility).
"""

from playwright.sync_api import Locator, Page

from tests.e2e.accessibility import focus_ring

MOST_TABS = 120  # no page of the journeys needs more to reach what it offers

IS_FOCUSED = "element => element === document.activeElement"
IN_RADIO_GROUP = """radio => {
  const focused = document.activeElement;
  return focused.type === "radio" && focused.name === radio.name && focused.form === radio.form;
}"""


class Keyboard:
    def __init__(self, page: Page):
        self.page = page
        self.stops = 0  # how many times focus moved and showed a ring

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def tab(self, backwards: bool = False) -> None:
        """Press Tab and check the focused element shows a ring at 3:1 or more."""
        self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
        ring = focus_ring(self.page)
        if ring is not None:
            problem = ring.problem()
            assert problem is None, f"{self.page.url}: {problem}"
            self.stops += 1

    def tab_to(self, target: Locator, test: str = IS_FOCUSED) -> None:
        """Press Tab until `target` has focus (or, with `test`, until the test passes)."""
        target.wait_for(state="attached")
        for _ in range(MOST_TABS):
            self.tab()
            if target.evaluate(test):
                return
        raise AssertionError(f"{self.page.url}: Tab never reached {target}")

    def fill(self, target: Locator, text: str) -> None:
        """Tab to a text field and type into it."""
        self.tab_to(target)
        self.type(text)

    def tick(self, target: Locator) -> None:
        """Tab to a checkbox and tick it with Space, unless it is ticked already."""
        self.tab_to(target)
        if not target.is_checked():
            self.press("Space")
        assert target.is_checked(), f"{self.page.url}: Space did not tick {target}"

    def choose(self, target: Locator) -> None:
        """Tab into a radio group and move to the wanted choice with the arrow keys."""
        self.tab_to(target, IN_RADIO_GROUP)
        if target.evaluate(IS_FOCUSED):
            self.press("Space")
        for _ in range(20):
            if target.is_checked():
                return
            self.press("ArrowDown")
        raise AssertionError(f"{self.page.url}: the arrow keys never chose {target}")

    def activate(self, target: Locator) -> None:
        """Tab to a link or button and press Enter."""
        self.tab_to(target)
        self.press("Enter")

"""axe-core in the browser tests: a page may have no serious or critical violation."""

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

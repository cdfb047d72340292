"""axe-core in the browser tests: a page may have no serious or critical violation."""

from axe_playwright_python.sync_playwright import Axe

_AXE = Axe()
SERIOUS = {"serious", "critical"}


def serious_violations(page) -> list[str]:
    """Return one line per serious or critical axe-core violation on the page as it is now."""
    results = _AXE.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation.get("impact") in SERIOUS
    ]

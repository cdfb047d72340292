"""Real-browser tests: Playwright driving Debian's Chromium against a live server.

Browsers cannot be downloaded here, so the tests use the system `chromium`
(CI installs it from Debian's packages) and are skipped when it is missing.
"""

import importlib
import os
import shutil

import pytest
from django.apps import apps

CHROMIUM = os.environ.get("PEERLINK_CHROMIUM") or shutil.which("chromium")


# Playwright's sync API runs an event loop in the test thread; the ORM calls
# these tests make from that thread (fixtures, flushes) are still synchronous.
# Allowed only while a browser test runs, so no other test inherits it.
def pytest_runtest_setup(item):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(autouse=True)
def _seeded_taxonomy(transactional_db):
    """Browser tests run on a flushed database; put the seeded taxonomy and staff roles back."""
    seed_migration = importlib.import_module("members.migrations.0002_seed_taxonomy")
    seed_migration.seed(apps, None)
    groups_migration = importlib.import_module("programme.migrations.0002_staff_groups")
    groups_migration.create_staff_groups(apps, None)


def pytest_collection_modifyitems(config, items):
    """Mark every browser test `browser` (so `-m "not browser"` leaves them out); without
    Chromium, skip them."""
    skip = pytest.mark.skip(reason="no chromium binary (apt-get install chromium)")
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A phone-sized screen first.
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}}


# Every page of every browser test reports Content-Security-Policy violations
# (a blocked inline script, style or resource): the listener is installed before
# any of the page's own scripts run, and the report reaches the test even when
# the page has since navigated away. While axe-core runs (tests.e2e.accessibility)
# the reports are its own: it re-reads @imported stylesheets through <style>
# elements of its own, which the policy rightly blocks.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  if (window.__axeRunning) return;
  window.__reportCspViolation({
    page: document.location.href,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    sample: event.sample,
  });
});
"""


@pytest.fixture(autouse=True)
def csp_violations(browser, live_server, monkeypatch):
    """Fail the test if any PeerLink page it opened lacked or violated the policy."""
    base_url = live_server.url
    violations = []
    open_new_context = browser.new_context

    def record(violation):
        violations.append(violation)

    def record_page_without_policy(response):
        # A page served without the policy would report no violation at all.
        policy = response.headers.get("content-security-policy", "")
        is_page = response.request.resource_type == "document"
        if is_page and response.url.startswith(base_url) and "script-src" not in policy:
            violations.append({"page": response.url, "directive": "no policy sent"})

    def new_context(*args, **kwargs):
        context = open_new_context(*args, **kwargs)
        context.expose_function("__reportCspViolation", record)
        context.add_init_script(CSP_LISTENER)
        context.on("response", record_page_without_policy)
        close = context.close

        def close_after_collecting(*args, **kwargs):
            for page in context.pages:
                # A round trip delivers reports the page sent just before.
                if not page.is_closed():
                    page.evaluate("0")
            close(*args, **kwargs)

        context.close = close_after_collecting
        return context

    monkeypatch.setattr(browser, "new_context", new_context)
    yield violations
    assert not violations, f"Content-Security-Policy violations: {violations}"

"""The API documentation page runs in a real browser under the Content-Security-Policy
(the autouse csp_violations fixture fails the test on any violation)."""

from playwright.sync_api import expect


def test_the_api_docs_page_shows_the_endpoints_without_a_policy_violation(live_server, page):
    page.goto(live_server.url + "/api/docs/")
    expect(page.get_by_role("heading", name="PeerLink API")).to_be_visible()
    expect(page.get_by_text("/api/v1/me/").first).to_be_visible()
    expect(page.get_by_text("/api/v1/tags/").first).to_be_visible()

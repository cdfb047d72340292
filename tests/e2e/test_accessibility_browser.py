"""The axe-core check the browser tests rely on does find what it should."""

from tests.e2e.accessibility import serious_violations


def test_axe_reports_a_form_field_nobody_can_name(page):
    page.set_content('<html lang="en"><title>t</title><main><input type="text"></main></html>')

    assert any(line.startswith("label ") for line in serious_violations(page))

"""Plain-text emails show names as people wrote them: HTML escaping belongs to HTML parts."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.template.loader import render_to_string

TEMPLATES = sorted(
    path.name for path in (Path(settings.BASE_DIR) / "templates" / "emails").glob("*.txt")
)
NAME = "Robin & O'Neil <Jo>"


@pytest.mark.parametrize("template", [name for name in TEMPLATES if not name.startswith("_")])
def test_a_plain_text_email_shows_a_name_as_written(template):
    person = SimpleNamespace(display_name=NAME, alias=NAME)
    context = {
        "recipient": person,
        "member": person,
        "peer": person,
        "peer_name": NAME,
        "newcomer_name": NAME,
        "mentor_name": NAME,
        "site_url": "https://peerlink.example",
        "deadline": "Please answer by Friday.",
    }
    body = render_to_string(f"emails/{template}", context)
    assert "&amp;" not in body and "&#x27;" not in body and "&lt;" not in body
    if "display_name" in (Path(settings.BASE_DIR) / "templates" / "emails" / template).read_text():
        assert NAME in body

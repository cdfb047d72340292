"""Every page sends a Content-Security-Policy that allows only PeerLink's own
scripts and styles, and a script tag runs only with this response's nonce."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def nonce_of(directives) -> str:
    [nonce] = [value for value in directives["script-src"] if value.startswith("'nonce-")]
    return nonce.removeprefix("'nonce-").removesuffix("'")


def assert_strict(directives):
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert set(directives["img-src"]) == {"'self'", "data:"}
    assert "'self'" in directives["script-src"]
    for value in directives["script-src"]:
        assert value == "'self'" or value.startswith("'nonce-"), value


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/accounts/signup/", "/admin/login/"])
def test_signed_out_pages_send_the_policy(client, url):
    assert_strict(policy_of(client.get(url)))


def test_a_member_page_gets_a_fresh_nonce_that_its_scripts_carry(newcomer_client):
    url = reverse("members:profile_edit", args=["about"])
    nonces = []
    for _ in range(2):
        response = newcomer_client.get(url)
        directives = policy_of(response)
        assert_strict(directives)
        nonce = nonce_of(directives)
        assert f'<script nonce="{nonce}" src="/static/js/timezone.js">' in response.text
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    assert len(nonces[0]) >= 16


def test_an_admin_page_gets_a_fresh_nonce_that_its_scripts_carry(staff_client):
    nonces = []
    for _ in range(2):
        response = staff_client.get(reverse("admin:members_member_changelist"))
        assert response.status_code == 200
        directives = policy_of(response)
        assert_strict(directives)
        nonce = nonce_of(directives)
        assert f'nonce="{nonce}"' in response.text
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates"]
PAGE_TEMPLATES = [
    path
    for directory in TEMPLATE_DIRS
    for path in sorted(directory.rglob("*.html"))
    # Emails are read in mail clients, not served under the policy.
    if "emails" not in path.parts
]


@pytest.mark.parametrize("path", PAGE_TEMPLATES, ids=lambda path: path.name)
def test_page_templates_have_no_inline_script_or_style_the_policy_would_block(path):
    html = path.read_text()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
        assert 'nonce="{{ request.csp_nonce }}"' in tag, tag
    assert not re.search(r"<style\b", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)
    assert "javascript:" not in html


def test_the_scheduled_task_admin_page_runs_its_own_script_under_the_policy(staff_client):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every_minute = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES)
    task = PeriodicTask.objects.create(name="Ping", task="peerlink.ping", interval=every_minute)
    for url in [
        reverse("admin:django_celery_beat_periodictask_add"),
        reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]),
    ]:
        response = staff_client.get(url)
        assert response.status_code == 200
        nonce = nonce_of(policy_of(response))
        # The crontab help that says a schedule in words still gets its data...
        assert 'id="readable-crontabs" type="application/json"' in response.text
        # ...and no script on the page would be blocked.
        for tag in re.findall(r"<script\b[^>]*>", response.text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                assert f'nonce="{nonce}"' in tag, tag

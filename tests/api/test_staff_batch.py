"""Batch matching over the staff API: start a run (202), read its progress until it is
done, then apply it with an explicit confirmation."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from matching.models import BatchRun, BatchRunState, Match, MatchOrigin
from tests.api.conftest import bearer
from tests.factories import MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"api:v1:{name}", args=args)


@pytest.fixture
def staff_api(staff_write_token):
    return Client(**bearer(staff_write_token))


def test_starting_a_run_answers_202_with_its_url_and_the_run_reports_its_progress(
    staff_api, staff_user
):
    NewcomerFactory(), MentorFactory()

    started = staff_api.post(url("staff-batch-preview"))

    assert started.status_code == 202
    body = started.json()
    run = BatchRun.objects.get(pk=body["id"])
    assert body["url"].endswith(url("staff-batch-run", run.pk))
    assert started["Location"] == body["url"]
    assert (body["state"], body["stage"], body["percent_done"]) == (
        "running",
        "Waiting for its turn",
        0,
    )
    assert run.created_by == staff_user
    read = staff_api.get(body["url"])
    assert read.status_code == 200
    assert read.json()["state"] == "running"
    assert not Match.objects.exists()


def test_a_started_run_is_computed_by_the_task_and_then_reads_as_done(
    staff_api, django_capture_on_commit_callbacks
):
    NewcomerFactory(), MentorFactory()

    with django_capture_on_commit_callbacks(execute=True):
        started = staff_api.post(url("staff-batch-preview"))

    run = staff_api.get(started.json()["url"]).json()
    assert (run["state"], run["percent_done"], run["error"]) == ("done", 100, "")
    assert run["summary"]["proposed_pairs"] == 1
    assert not Match.objects.exists(), "nobody is asked by a preview"


def test_applying_needs_an_explicit_confirmation(staff_api, django_capture_on_commit_callbacks):
    newcomer, mentor = NewcomerFactory(), MentorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        run_id = staff_api.post(url("staff-batch-preview")).json()["id"]

    for body in ({}, {"confirm": False}):
        refused = staff_api.post(
            url("staff-batch-apply", run_id), body, content_type="application/json"
        )
        assert refused.status_code == 400
        assert not Match.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        applied = staff_api.post(
            url("staff-batch-apply", run_id), {"confirm": True}, content_type="application/json"
        )

    assert applied.status_code == 200
    assert applied.json()["proposals_created"] == 1
    match = Match.objects.get(newcomer=newcomer, mentor=mentor)
    assert match.origin == MatchOrigin.BATCH
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [newcomer.user.email, mentor.user.email]
    )
    again = staff_api.post(
        url("staff-batch-apply", run_id), {"confirm": True}, content_type="application/json"
    )
    assert again.status_code == 409
    assert "already applied" in again.json()["error"]["message"]


def test_a_run_still_working_cannot_be_applied(staff_api):
    NewcomerFactory(), MentorFactory()
    run_id = staff_api.post(url("staff-batch-preview")).json()["id"]

    refused = staff_api.post(
        url("staff-batch-apply", run_id), {"confirm": True}, content_type="application/json"
    )

    assert refused.status_code == 409
    assert "still working" in refused.json()["error"]["message"]
    assert not Match.objects.exists()


def test_a_failed_run_reports_why_in_plain_words(staff_api):
    run = BatchRun.objects.create(state=BatchRunState.FAILED, error="Matching stopped.")

    body = staff_api.get(url("staff-batch-run", run.pk)).json()

    assert (body["state"], body["error"]) == ("failed", "Matching stopped.")


def test_a_missing_run_is_404(staff_api):
    assert staff_api.get(url("staff-batch-run", 999999)).status_code == 404
    missing = staff_api.post(
        url("staff-batch-apply", 999999), {"confirm": True}, content_type="application/json"
    )
    assert missing.status_code == 404


def test_members_may_not_read_a_run(token_client):
    run = BatchRun.objects.create()
    assert token_client.get(url("staff-batch-run", run.pk)).status_code == 403

"""Batch matching as staff run it in the admin: run it (a task computes it while the
page shows its progress), review it, confirm who will be emailed, then apply."""

import pytest
from django.core import mail
from django.urls import reverse

from matching import batch, scoring
from matching.models import BatchRun, BatchRunState, Match, MatchingSettings, MatchOrigin
from tests.factories import MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db

RUN = reverse("admin:matching_batchrun_run")
RUNS = reverse("admin:matching_batchrun_changelist")
# The script that keeps a working run's page up to date.
REFRESH = "js/batch_progress.js"


def preview_url(run) -> str:
    return reverse("admin:matching_batchrun_preview", args=[run.pk])


def apply_url(run) -> str:
    return reverse("admin:matching_batchrun_apply", args=[run.pk])


def page(response) -> str:
    return response.content.decode()


def test_staff_run_review_confirm_and_apply_a_matching_run(
    staff_client, staff_user, django_capture_on_commit_callbacks
):
    MentorFactory(display_name="Kai")
    NewcomerFactory(display_name="Robin")
    assert RUN in page(staff_client.get(RUNS))
    assert "Newcomers waiting" in page(staff_client.get(RUN))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(RUN)

    run = BatchRun.objects.get()
    assert response.status_code == 302
    assert response.url == preview_url(run)
    assert run.state == BatchRunState.DONE
    content = page(staff_client.get(preview_url(run)))
    assert "Robin" in content and "Kai" in content
    assert REFRESH not in content
    assert apply_url(run) in content
    assert not Match.objects.exists()

    confirm = page(staff_client.get(apply_url(run)))
    assert "This will make 1 proposal: it will ask 1 mentor and tell 1 newcomer" in confirm
    assert "Send?" in confirm
    assert not Match.objects.exists(), "looking at the question sends nothing"

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(apply_url(run), {"confirm": "yes"}, follow=True)

    content = page(response)
    assert "Created 1 proposal(s); skipped 0." in content
    assert "Applied on" in content
    assert apply_url(run) not in content
    match = Match.objects.get()
    assert (match.origin, match.batch_run) == (MatchOrigin.BATCH, run)
    run.refresh_from_db()
    assert run.applied_by == staff_user
    assert len(mail.outbox) == 2, "one email to the mentor, one to the newcomer"


def test_a_post_without_the_confirmation_applies_nothing_and_asks_again(staff_client, staff_user):
    MentorFactory()
    NewcomerFactory()
    run = batch.batch_run_preview(user=staff_user)

    response = staff_client.post(apply_url(run))

    assert response.status_code == 200
    assert "Send?" in page(response)
    assert not Match.objects.exists()
    assert not mail.outbox
    run.refresh_from_db()
    assert run.applied_at is None


def test_the_confirmation_counts_proposals_mentors_and_newcomers(staff_client, staff_user):
    mentors = [MentorFactory(capacity=2) for _ in range(2)]
    newcomers = [NewcomerFactory() for _ in range(3)]
    run = BatchRun.objects.create(
        pairs=[
            [newcomers[0].pk, mentors[0].pk, 0.9, {}],
            [newcomers[1].pk, mentors[0].pk, 0.8, {}],
            [newcomers[2].pk, mentors[1].pk, 0.7, {}],
        ]
    )

    confirm = page(staff_client.get(apply_url(run)))

    assert "This will make 3 proposals: it will ask 2 mentors and tell 3 newcomers" in confirm
    assert 'value="Yes, send 3 proposals"' in confirm


def test_with_staff_approval_the_confirmation_says_mentors_are_asked_later(
    staff_client, staff_user
):
    programme = MatchingSettings.get_solo()
    programme.require_staff_approval = True
    programme.save()
    MentorFactory()
    NewcomerFactory()
    run = batch.batch_run_preview(user=staff_user)

    confirm = page(staff_client.get(apply_url(run)))

    assert "1 proposal for staff to approve and tell 1 newcomer by email" in confirm
    assert "The mentor is asked only once staff approve each proposal." in confirm


def test_applying_a_run_twice_in_the_admin_shows_an_error(staff_client, staff_user):
    MentorFactory()
    NewcomerFactory()
    run = batch.batch_run_preview(user=staff_user)
    staff_client.post(apply_url(run), {"confirm": "yes"})

    response = staff_client.post(apply_url(run), {"confirm": "yes"}, follow=True)

    assert "already applied" in page(response)
    assert Match.objects.count() == 1
    assert staff_client.get(apply_url(run)).url == preview_url(run), "no question to ask"


def test_a_running_run_shows_its_progress_refreshes_and_cannot_be_applied(staff_client, staff_user):
    MentorFactory()
    NewcomerFactory()
    # The task has not run yet: its message waits on the broker.
    staff_client.post(RUN)
    run = BatchRun.objects.get()

    content = page(staff_client.get(preview_url(run)))

    assert run.state == BatchRunState.RUNNING
    assert "Working… (Waiting for its turn, 0%)" in content
    assert REFRESH in content
    assert apply_url(run) not in content
    assert "Working (0%)" in page(staff_client.get(RUNS))
    refused = staff_client.post(apply_url(run), {"confirm": "yes"}, follow=True)
    assert "still working" in page(refused)
    assert not Match.objects.exists()


def test_the_page_shows_the_stage_the_task_has_reached(
    staff_client, staff_user, monkeypatch, django_capture_on_commit_callbacks
):
    MentorFactory()
    NewcomerFactory()
    seen = []
    real_score = scoring.score

    def look_while_scoring(*args, **kwargs):
        seen.append(page(staff_client.get(preview_url(BatchRun.objects.get()))))
        return real_score(*args, **kwargs)

    monkeypatch.setattr(scoring, "score", look_while_scoring)

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(RUN)

    # Scoring runs block by block inside the assignment: the first block is scored first.
    while_scoring = seen[0]
    assert "Working… (Scoring 1 newcomers against 1 mentors, 25%)" in while_scoring
    assert REFRESH in while_scoring
    assert REFRESH not in page(staff_client.get(preview_url(BatchRun.objects.get())))


def test_a_failed_run_says_so_in_plain_words_and_can_be_run_again(
    staff_client, staff_user, monkeypatch, django_capture_on_commit_callbacks
):
    MentorFactory()
    NewcomerFactory()
    real_score = scoring.score

    def broken(*args, **kwargs):
        raise ValueError("shapes do not line up")

    monkeypatch.setattr(scoring, "score", broken)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(RUN)
    failed = BatchRun.objects.get()

    content = page(staff_client.get(preview_url(failed)))

    assert failed.state == BatchRunState.FAILED
    assert "This run failed" in content
    assert "Nobody was contacted and nothing was changed" in content
    assert "shapes do not line up" not in content
    assert REFRESH not in content
    assert "Run matching again" in content

    monkeypatch.setattr(scoring, "score", real_score)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(RUN)
    again = BatchRun.objects.exclude(pk=failed.pk).get()
    assert response.url == preview_url(again)
    assert again.state == BatchRunState.DONE
    assert len(again.pairs) == 1

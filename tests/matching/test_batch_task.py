"""The task that computes a matching run: ids only, idempotent, retried on a passing
fault, and picked up again by the sweep when its message was lost."""

import datetime
import logging

import pytest
from celery.exceptions import Retry
from django.db import OperationalError
from django.utils import timezone

from matching import batch, scoring, services
from matching.models import BatchRun, BatchRunState, Match
from matching.tasks import compute_batch_run, send_pending_notifications
from tests.factories import MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return NewcomerFactory(display_name="Robin"), MentorFactory(display_name="Kai")


def count_scoring(monkeypatch) -> list:
    calls = []
    real_score = scoring.score

    def counted(*args, **kwargs):
        calls.append(1)
        return real_score(*args, **kwargs)

    monkeypatch.setattr(scoring, "score", counted)
    return calls


def test_starting_a_run_records_it_working_and_the_task_computes_it(
    people, staff_user, django_capture_on_commit_callbacks
):
    newcomer, mentor = people

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = batch.batch_run_start(user=staff_user)
        assert BatchRun.objects.get().state == BatchRunState.RUNNING

    assert len(callbacks) == 1
    run.refresh_from_db()
    assert run.state == BatchRunState.DONE
    assert run.percent_done == 100
    assert run.created_by == staff_user
    assert [pair[:2] for pair in run.pairs] == [[newcomer.pk, mentor.pk]]
    assert run.summary["proposed_pairs"] == 1
    assert not Match.objects.exists(), "computing a run contacts nobody"


def test_a_second_task_run_leaves_a_computed_run_alone(
    people, staff_user, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = batch.batch_run_start(user=staff_user)
    run.refresh_from_db()
    before = (run.pairs, run.summary, run.stage_at)
    MentorFactory(display_name="Late")  # would change the result if computed again
    calls = count_scoring(monkeypatch)

    compute_batch_run.delay(run.pk)

    run.refresh_from_db()
    assert (run.pairs, run.summary, run.stage_at) == before
    assert calls == []


def test_a_failed_run_is_left_failed_and_cannot_be_applied(people, staff_user):
    run = BatchRun.objects.create(state=BatchRunState.FAILED, error="It broke.")

    compute_batch_run.delay(run.pk)

    run.refresh_from_db()
    assert run.state == BatchRunState.FAILED
    with pytest.raises(services.MatchError, match="failed"):
        batch.batch_run_apply(run_id=run.pk, user=staff_user)


def test_a_passing_database_fault_is_retried_and_the_run_completes(
    people, staff_user, monkeypatch, django_capture_on_commit_callbacks
):
    real_score = scoring.score
    faults = [OperationalError("server closed the connection")]

    def flaky(*args, **kwargs):
        if faults:
            raise faults.pop()
        return real_score(*args, **kwargs)

    monkeypatch.setattr(scoring, "score", flaky)

    # Tests run tasks eagerly and propagate: the retry a worker would schedule surfaces here.
    with pytest.raises(Retry), django_capture_on_commit_callbacks(execute=True):
        batch.batch_run_start(user=staff_user)
    run = BatchRun.objects.get()
    assert run.state == BatchRunState.RUNNING, "a passing fault does not fail the run"

    compute_batch_run.apply(args=[run.pk], retries=1)

    run.refresh_from_db()
    assert run.state == BatchRunState.DONE
    assert len(run.pairs) == 1


def test_an_error_fails_the_run_in_plain_words_and_logs_no_member_data(
    people, staff_user, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise ValueError("Robin cannot be scored")

    monkeypatch.setattr(scoring, "score", broken)

    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        run = batch.batch_run_start(user=staff_user)

    run.refresh_from_db()
    assert run.state == BatchRunState.FAILED
    assert run.error.startswith("Matching stopped before it could finish (an unexpected error).")
    assert "Run matching again" in run.error
    assert "Robin" not in caplog.text
    assert f"Matching run {run.pk} failed: ValueError" in caplog.text


def test_a_fault_that_outlasts_the_retries_fails_the_run(people, staff_user, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(scoring, "score", down)
    run = batch.batch_run_start(user=staff_user)

    compute_batch_run.apply(args=[run.pk], retries=compute_batch_run.max_retries)

    run.refresh_from_db()
    assert run.state == BatchRunState.FAILED
    assert "the database or network was unavailable" in run.error


def test_the_sweep_enqueues_a_run_whose_task_was_lost(
    people, staff_user, django_capture_on_commit_callbacks
):
    # Enqueued while the broker was away: the message never reached a worker.
    lost = batch.batch_run_start(user=staff_user)
    recent = batch.batch_run_start(user=staff_user)
    BatchRun.objects.filter(pk=lost.pk).update(
        stage_at=timezone.now() - batch.STALLED_AFTER - datetime.timedelta(minutes=1)
    )

    send_pending_notifications()

    lost.refresh_from_db()
    recent.refresh_from_db()
    assert lost.state == BatchRunState.DONE
    assert recent.state == BatchRunState.RUNNING, "a run still within its time is left to its task"


def test_the_task_takes_the_run_id_only(people, staff_user, django_capture_on_commit_callbacks):
    sent = []

    with django_capture_on_commit_callbacks() as callbacks:
        run = batch.batch_run_start(user=staff_user)
    original = compute_batch_run.delay
    try:
        compute_batch_run.delay = lambda *args: sent.append(args)
        for callback in callbacks:
            callback()
    finally:
        compute_batch_run.delay = original

    assert sent == [(run.pk,)]

"""A matching run through a real Celery worker: the worker computes the run staff
started, and once staff apply it, emails the mentor and tells the newcomer, once each."""

from __future__ import annotations

import os
import re
import uuid

import pytest
from django.conf import settings
from django.db import connection

from matching import batch
from matching.models import BatchRun, BatchRunState
from matching.tasks import compute_batch_run
from peerlink.celery import app as celery_app
from tests.celery_processes import database_url, forget_queue, start_celery, stop, wait_for
from tests.factories import MentorFactory, NewcomerFactory
from tests.smtp import running_sink

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_transactional_db"),
]


@pytest.fixture
def worker(tmp_path, monkeypatch):
    """A worker on a queue of its own, sending email to a sink; tasks are sent to it."""
    queue = f"batch-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)
    with running_sink() as sink:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "peerlink.settings.base",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url(connection.settings_dict),
            "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
            "PEERLINK_VAR_DIR": str(settings.VAR_DIR),
        }
        process = start_celery(
            [
                "worker",
                "--loglevel=INFO",
                "--pool=solo",
                f"--hostname={queue}@localhost",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            queue=queue,
            env=env,
            log_path=tmp_path / "worker.log",
        )
        try:
            yield sink, tmp_path / "worker.log"
        finally:
            stop([process])
            forget_queue(settings.CELERY_BROKER_URL, queue)


def test_a_worker_computes_a_started_run_and_sends_each_email_of_its_proposals_once(
    worker, staff_user
):
    sink, log_path = worker
    newcomer = NewcomerFactory(display_name="Robin")
    mentor = MentorFactory(display_name="Kai")

    run = batch.batch_run_start(user=staff_user)

    def computed():
        run.refresh_from_db()
        return run.state != BatchRunState.RUNNING

    assert wait_for(computed, timeout=60, interval=0.3), log_path.read_text()[-2000:]
    assert run.state == BatchRunState.DONE
    assert [pair[:2] for pair in run.pairs] == [[newcomer.pk, mentor.pk]]
    assert sink.count() == 0, "computing a run contacts nobody"

    # Delivered twice (a worker lost after it finished): the second leaves the run alone.
    # The worker takes one message at a time, in order: it has handled this one
    # before the emails that applying sends next.
    stored = (run.pairs, run.stage_at)
    compute_batch_run.delay(run.pk)

    batch.batch_run_apply(run_id=run.pk, user=staff_user)
    sent = wait_for(lambda: sink.count() >= 2, timeout=60, interval=0.3)
    assert sent, log_path.read_text()[-2000:]
    recipients = sorted(message.recipients for message in sink.messages())
    assert recipients == sorted([(newcomer.user.email,), (mentor.user.email,)])
    run = BatchRun.objects.get(pk=run.pk)
    assert (run.pairs, run.stage_at) == stored
    assert (
        len(re.findall(r"matching\.compute_batch_run\[[^]]+\] succeeded", log_path.read_text()))
        == 2
    )

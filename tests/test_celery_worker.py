"""A real Celery worker process on the configured broker.

The embedded filesystem broker by default; Redis when CELERY_BROKER_URL is set
(as in CI).
"""

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from matching.tasks import ping
from peerlink.celery import app as celery_app
from tests.celery_processes import wait_for

pytestmark = pytest.mark.integration

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker(tmp_path):
    hostname = f"test-{uuid.uuid4().hex[:8]}@localhost"
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "peerlink.settings.test",
        "PEERLINK_VAR_DIR": str(settings.VAR_DIR),
    }
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "peerlink",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--pool=solo",
                f"--hostname={hostname}",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, hostname, log_path
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_worker_answers_a_ping_runs_a_task_and_stops_cleanly(worker, monkeypatch):
    process, hostname, log_path = worker
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)

    replies = wait_for(
        lambda: celery_app.control.ping(destination=[hostname], timeout=1.0),
        timeout=60,
        interval=0.3,
    )
    assert replies == [{hostname: {"ok": "pong"}}], log_path.read_text()[-2000:]

    result = ping.delay()
    finished = wait_for(
        lambda: f"Task peerlink.ping[{result.id}] succeeded" in log_path.read_text(),
        timeout=30,
        interval=0.3,
    )
    assert finished, log_path.read_text()[-2000:]
    assert "'pong'" in log_path.read_text()

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0

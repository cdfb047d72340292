"""`make run` stops everything it started within 15 seconds of SIGTERM or Ctrl-C."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_deployment import RUN_SCRIPT, settings_environment_variables

pytestmark = pytest.mark.integration

STOP_WITHIN_SECONDS = 15


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every running process below `pid` (exited ones awaiting reaping do not count)."""
    table = subprocess.run(
        ["ps", "-e", "-o", "pid=,ppid=,stat="], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    children: dict[int, list[int]] = {}
    running = set()
    for line in table:
        if line.strip():
            child, parent, stat = line.split()[:3]
            children.setdefault(int(parent), []).append(int(child))
            if not stat.startswith("Z"):
                running.add(int(child))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found & running


def still_running(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            continue
        if stat != "Z":
            alive.add(pid)
    return alive


def wait_for_health(port: int, process: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "make run stopped before it was up"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail("make run did not answer /healthz in time")


@pytest.fixture
def running(tmp_path):
    port = free_port()
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in settings_environment_variables() | {"HOST", "PORT", "DEBUG"}
    }
    environment.update(PEERLINK_VAR_DIR=str(tmp_path / "var"), PORT=str(port))
    process = subprocess.Popen(
        ["bash", str(RUN_SCRIPT)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_health(port, process)
        # The worker and beat are up too once the web server answers; give beat a tick.
        time.sleep(3)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_make_run_stops_the_web_server_worker_and_beat_within_15_seconds(running, stop_signal):
    started = descendants(running.pid)
    assert len(started) >= 3, "the web server, the worker and its pool should be running"

    sent_at = time.monotonic()
    running.send_signal(stop_signal)
    while time.monotonic() - sent_at < STOP_WITHIN_SECONDS:
        if running.poll() is not None and not still_running(started):
            break
        time.sleep(0.25)

    assert running.poll() is not None, "run.sh is still running"
    assert not still_running(started), f"still running: {still_running(started)}"


# Stands in for the project's Python: a worker that stays in warm shutdown (it
# ignores TERM, as a worker finishing a long task does) and a web server.
STUCK_WORKER_PYTHON = """#!/bin/sh
case "$*" in
  *seed_demo*) echo "  Staff:     staff@demo.peerlink.test / generated-$$" ;;
  *celery*) trap '' TERM; sleep 300 & wait ;;
  *runserver*) exec sleep 300 ;;
esac
"""


def test_a_worker_stuck_in_warm_shutdown_is_stopped_within_15_seconds(tmp_path):
    fake = tmp_path / "python"
    fake.write_text(STUCK_WORKER_PYTHON)
    fake.chmod(0o755)
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in settings_environment_variables() | {"HOST", "PORT", "DEBUG"}
    }
    environment.update(PYTHON=str(fake), PEERLINK_VAR_DIR=str(tmp_path / "var"), PORT="8124")
    process = subprocess.Popen(
        ["bash", str(RUN_SCRIPT)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(4)
        started = descendants(process.pid)
        assert len(started) >= 3, "the worker, its task and the web server should be running"

        sent_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        while time.monotonic() - sent_at < STOP_WITHIN_SECONDS:
            if process.poll() is not None and not still_running(started):
                break
            time.sleep(0.25)

        assert process.poll() is not None, "run.sh is still waiting for the worker"
        assert not still_running(started), f"still running: {still_running(started)}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        for pid in still_running(descendants(process.pid)):
            os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)

"""No secret from a URL reaches a log line: check-in links, email confirmation
and password-reset keys would let a log reader act as the member."""

import datetime
import io
import logging
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.urls import reverse
from gunicorn.config import Config

from peerlink.gunicorn_logging import RedactingLogger
from tests.test_deployment import PROJECT_ROOT, dockerfile_command, production_environment

TOKEN = "eyJyZW1pbmRlciI6NDJ9:1tSecretToken:AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
SECRET_PATHS = {
    "check-in link": f"/check-ins/link/{TOKEN}/",
    "email confirmation": f"/accounts/confirm-email/{TOKEN}/",
    "password reset": f"/accounts/password/reset/key/1-{TOKEN}/",
}
# What a log line may show of each.
REDACTED_PATHS = {
    "check-in link": "/check-ins/link/[redacted]/",
    "email confirmation": "/accounts/confirm-email/[redacted]/",
    "password reset": "/accounts/password/reset/key/[redacted]/",
}


def test_the_secret_paths_are_the_ones_the_urls_serve():
    assert reverse("checkins:link", args=[TOKEN]) == SECRET_PATHS["check-in link"]
    assert reverse("account_confirm_email", args=[TOKEN]) == SECRET_PATHS["email confirmation"]
    assert (
        reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": TOKEN})
        == SECRET_PATHS["password reset"]
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.integration
def test_runserver_logs_requests_for_secret_links_without_the_secret(tmp_path):
    port = free_port()
    environment = production_environment(
        tmp_path, DJANGO_SETTINGS_MODULE="peerlink.settings.development", DJANGO_DEBUG="true"
    )
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=environment,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for path in [*SECRET_PATHS.values(), "/no-such-page/"]:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)
                    break
                except urllib.error.HTTPError:
                    break
                except OSError:
                    time.sleep(0.2)
        # runserver writes a request's log line after sending the response.
        time.sleep(1)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)

    assert '"GET /no-such-page/ HTTP/1.1" 404' in output  # requests are logged
    for name in SECRET_PATHS:
        assert f'"GET {REDACTED_PATHS[name]} HTTP/1.1"' in output, name
    assert TOKEN not in output


def lines_through_configured_handlers(logger_name: str, message: str, *args) -> list[str]:
    """What each handler the settings attach would write for this record, propagation included."""
    logger = logging.getLogger(logger_name)
    lines = []
    while logger is not None:
        for handler in logger.handlers:
            if type(handler).__module__.startswith("_pytest"):
                continue  # pytest's own capture, not the project's configuration
            record = logger.makeRecord(
                logger_name, logging.WARNING, __file__, 1, message, args, None
            )
            if handler.filter(record):
                lines.append(handler.format(record))
        logger = logger.parent if logger.propagate else None
    return lines


@pytest.mark.parametrize(
    ("logger_name", "message"),
    [
        ("django.request", "Not Found: %s"),
        ("django.server", '"GET %s HTTP/1.1" 404 179'),
        ("checkins.views", "Something about %s"),
    ],
)
@pytest.mark.parametrize("name", sorted(SECRET_PATHS))
def test_log_lines_django_writes_leave_the_secret_out(logger_name, message, name):
    lines = lines_through_configured_handlers(logger_name, message, SECRET_PATHS[name])

    assert lines, "nothing would be logged"
    for line in lines:
        assert TOKEN not in line
        assert REDACTED_PATHS[name] in line


class Response:
    status = "200 OK"
    sent = 1234
    headers = [("Content-Type", "text/html")]


class Request:
    headers = [("Referer", "http://peerlink.example.org" + SECRET_PATHS["check-in link"])]


def captured(handlers) -> io.StringIO:
    """Point gunicorn's own handlers (their filters and format) at a buffer."""
    buffer = io.StringIO()
    assert handlers, "gunicorn set up no handler"
    for handler in handlers:
        handler.setStream(buffer)
    return buffer


def gunicorn_access_line(path: str, log_format: str | None = None) -> str:
    config = Config()
    config.set("accesslog", "-")
    if log_format:
        config.set("access_log_format", log_format)
    logger = RedactingLogger(config)
    output = captured(logger.access_log.handlers)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
        "HTTP_REFERER": Request.headers[0][1],
    }
    logger.access(Response(), Request(), environ, datetime.timedelta(milliseconds=5))
    assert output.getvalue(), "no access line was written"
    return output.getvalue()


@pytest.mark.parametrize("name", sorted(SECRET_PATHS))
def test_gunicorn_access_lines_leave_the_secret_out(name):
    line = gunicorn_access_line(SECRET_PATHS[name], '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s')

    assert TOKEN not in line
    assert f'"GET {REDACTED_PATHS[name]} HTTP/1.1" 200' in line
    assert '"http://peerlink.example.org/check-ins/link/[redacted]/"' in line  # the Referer


def test_the_image_runs_gunicorn_with_the_redacting_logger():
    command = dockerfile_command()

    assert "--access-logfile" in command
    assert (
        command[command.index("--logger-class") + 1] == "peerlink.gunicorn_logging.RedactingLogger"
    )


def test_gunicorn_error_lines_leave_the_secret_out():
    logger = RedactingLogger(Config())
    output = captured(logger.error_log.handlers)

    logger.error("Error handling request %s", SECRET_PATHS["check-in link"])

    assert "Error handling request /check-ins/link/[redacted]/" in output.getvalue()
    assert TOKEN not in output.getvalue()

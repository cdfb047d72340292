"""Sending email from workers through a connection kept open between messages.

Django opens and closes an SMTP connection for every message. A worker sending
a batch of reminders would spend much of its time on that handshake, so each
worker process keeps one connection and reuses it while messages follow each
other closely. A connection idle for longer than `IDLE_SECONDS` is closed and
opened afresh (servers drop idle clients), and any error closes it, so the
retry starts clean.
"""

from __future__ import annotations

import contextlib
import threading
import time

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

IDLE_SECONDS = 10.0


class _Kept(threading.local):
    backend = None
    key: tuple | None = None
    last_used = 0.0


_kept = _Kept()


def _settings_key() -> tuple:
    return (
        settings.EMAIL_BACKEND,
        getattr(settings, "EMAIL_HOST", None),
        getattr(settings, "EMAIL_PORT", None),
        getattr(settings, "EMAIL_HOST_USER", None),
    )


def close() -> None:
    """Close this thread's kept connection, if any."""
    backend, _kept.backend, _kept.key = _kept.backend, None, None
    if backend is not None:
        # Closing a broken connection may fail too.
        with contextlib.suppress(Exception):
            backend.close()


def send(message: EmailMessage) -> None:
    """Send `message` through this thread's kept connection, opening one if needed."""
    key = _settings_key()
    if (
        _kept.backend is None
        or _kept.key != key
        or time.monotonic() - _kept.last_used > IDLE_SECONDS
    ):
        close()
        backend = get_connection()
        backend.open()
        _kept.backend, _kept.key = backend, key
    message.connection = _kept.backend
    try:
        message.send()
    except Exception:
        close()
        raise
    _kept.last_used = time.monotonic()

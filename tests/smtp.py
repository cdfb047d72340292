"""A real SMTP server on 127.0.0.1 for tests: it records what it accepts, and
can refuse the first messages or answer slowly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from dataclasses import dataclass

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Accepted:
    raw: bytes
    recipients: tuple[str, ...]
    session: int  # one number per SMTP connection
    at: float  # time.time() when accepted


class SmtpSink:
    def __init__(self):
        self.lock = threading.Lock()
        self.accepted: list[Accepted] = []
        self.refuse_first = 0
        self.refused = 0
        self.delay = 0.0
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.refused < self.refuse_first:
                self.refused += 1
                return "451 4.3.0 Try again later"
            self.accepted.append(
                Accepted(envelope.content, tuple(envelope.rcpt_tos), id(session), time.time())
            )
        return "250 Message accepted for delivery"

    def messages(self) -> list[Accepted]:
        with self.lock:
            return list(self.accepted)

    def count(self) -> int:
        with self.lock:
            return len(self.accepted)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_sink():
    """Start an SmtpSink on a free port of 127.0.0.1; stop it afterwards."""
    # aiosmtpd logs every SMTP command at INFO.
    mail_log = logging.getLogger("mail.log")
    level = mail_log.level
    mail_log.setLevel(logging.WARNING)
    sink = SmtpSink()
    # Another test running in parallel may take the free port before the server
    # binds it: try another.
    for attempt in range(5):
        controller = Controller(sink, hostname="127.0.0.1", port=free_port())
        try:
            controller.start()
            break
        except OSError:
            if attempt == 4:
                raise
    sink.port = controller.port
    try:
        yield sink
    finally:
        controller.stop()
        mail_log.setLevel(level)

"""The check-in reminder email, rendered once per batch and filled in per recipient.

Rendering a template costs far more than joining strings, and every reminder in
a batch reads the same but for a few values. So a batch renders each template
once per variant (whether the recovery check is offered; the language), with
a marker in place of each per-recipient value, and each email joins the pieces
between the markers with that recipient's own values, escaped exactly where the
template escaped them. Nothing is shared between recipients but the skeleton:
each email carries its own name, peer and signed link.

The templates may print the per-recipient values, but not pass them through a
filter or test them in an `{% if %}` (a marker would not survive the one, and
would mislead the other); a template whose markers do not survive is rendered
for each recipient instead, and the tests compare the two.
"""

from __future__ import annotations

import functools
import random
import re
import sys
from dataclasses import dataclass
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, sanitize_address
from django.core.mail.utils import DNS_NAME
from django.template.loader import get_template
from django.utils import translation
from django.utils.html import conditional_escape

SUBJECT = "Time for a quick check-in"
TEXT_TEMPLATE = "emails/checkin_reminder.txt"
HTML_TEMPLATE = "emails/checkin_reminder.html"
# The values that differ from one recipient to the next.
FIELDS = ("recipient_name", "peer_name", "connected_url", "checkin_url")
# A marker holds what escaping changes: the rendered marker tells whether the
# template escaped the value in that place. The separator is a character no
# template text or escaping produces.
_MARK = "\x1e"
_MARKER = re.compile(f"{_MARK}(<|&lt;)([a-z_]+)(?:>|&gt;){_MARK}")


@dataclass(frozen=True)
class _Recipient:
    display_name: str


@dataclass(frozen=True)
class ReminderContent:
    """What one recipient's reminder says that no other's does."""

    to: str
    recipient_name: str
    peer_name: str
    connected_url: str
    checkin_url: str
    check_offered: bool


def context(*, content: ReminderContent, snooze_url: str) -> dict:
    """Return the templates' context for one recipient."""
    return {
        "recipient": _Recipient(display_name=content.recipient_name),
        "peer_name": content.peer_name,
        "connected_url": content.connected_url,
        "checkin_url": content.checkin_url,
        "snooze_url": snooze_url,
        # Named without the word "recovery": an email preview must not say what it is about.
        "check_offered": content.check_offered,
    }


class _Skeleton:
    """One template rendered with markers: the text between them, and for each
    marker the value it stands for and whether the template escaped it."""

    def __init__(self, template_name: str, snooze_url: str, check_offered: bool):
        markers = ReminderContent(
            to="",
            check_offered=check_offered,
            **{field: f"{_MARK}<{field}>{_MARK}" for field in FIELDS},
        )
        rendered = get_template(template_name).render(
            context(content=markers, snooze_url=snooze_url)
        )
        self.texts: list[str] = []
        self.values: list[tuple[str, bool]] = []
        start = 0
        for found in _MARKER.finditer(rendered):
            self.texts.append(rendered[start : found.start()])
            self.values.append((found.group(2), found.group(1) == "&lt;"))
            start = found.end()
        self.texts.append(rendered[start:])
        # A marker a filter changed (or a field unknown here) is left in the text.
        self.whole = _MARK not in "".join(self.texts) and all(
            field in FIELDS for field, _ in self.values
        )

    def fill(self, content: ReminderContent) -> str:
        parts = [self.texts[0]]
        for (field, escape), text in zip(self.values, self.texts[1:], strict=True):
            value = getattr(content, field)
            parts += [conditional_escape(value) if escape else value, text]
        return "".join(parts)


class ReminderEmails:
    """Build a batch's reminder emails, each template rendered once per variant."""

    def __init__(self, *, snooze_url: str):
        self.snooze_url = snooze_url
        self._skeletons: dict[tuple[str, bool], _Skeleton] = {}

    def _render(self, template_name: str, content: ReminderContent) -> str:
        key = (template_name, content.check_offered, translation.get_language())
        skeleton = self._skeletons.get(key)
        if skeleton is None:
            skeleton = _Skeleton(template_name, self.snooze_url, content.check_offered)
            self._skeletons[key] = skeleton
        if skeleton.whole:
            return skeleton.fill(content)
        return get_template(template_name).render(
            context(content=content, snooze_url=self.snooze_url)
        )

    def message(self, content: ReminderContent) -> EmailMultiAlternatives:
        message = ReminderMessage(
            subject=SUBJECT, body=self._render(TEXT_TEMPLATE, content), to=[content.to]
        )
        message.attach_alternative(self._render(HTML_TEMPLATE, content), "text/html")
        return message


class ReminderMessage(EmailMultiAlternatives):
    """A reminder that, going over SMTP, writes its MIME form directly.

    Django builds a message through the standard library's MIME classes,
    generator and header folding: for a reminder, more work than everything
    else in sending it. The reminder's form is always the same (two parts,
    a subject and addresses in plain ASCII), so it is written out here, for
    Django's SMTP backend only and only when nothing calls for encoding (no
    long line, no address or header to encode); otherwise Django builds it.
    Both forms read the same to a mail client, as the tests check.
    """

    def message(self):
        if type(self.connection) is SmtpBackend:
            written = self.written()
            if written is not None:
                return _Written(written)
        return super().message()

    def written(self) -> bytes | None:
        """Return the message as Django's SMTP backend would send it, or None
        when it needs Django's general path."""
        if self.cc or self.reply_to or self.extra_headers or len(self.to) != 1:
            return None
        from_header = _address_header(self.from_email, self.encoding or settings.DEFAULT_CHARSET)
        if not (_plain_header(self.subject) and _plain_header(from_header)):
            return None
        if not _SIMPLE_ADDRESS.fullmatch(self.to[0]):
            return None
        (html, mimetype), *others = self.alternatives
        if others or mimetype != "text/html" or self.attachments or self.content_subtype != "plain":
            return None
        parts = [_part("plain", self.body), _part("html", html)]
        if None in parts:
            return None
        boundary = f"==============={random.randrange(sys.maxsize):019d}=="
        if any(boundary.encode() in part for part in parts):
            return None
        head = (
            f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'
            "MIME-Version: 1.0\r\n"
            f"Subject: {self.subject}\r\n"
            f"From: {from_header}\r\n"
            f"To: {self.to[0]}\r\n"
            f"Date: {formatdate(localtime=settings.EMAIL_USE_LOCALTIME)}\r\n"
            f"Message-ID: {make_msgid(domain=DNS_NAME)}\r\n"
            "\r\n"
        ).encode("ascii")
        separator = f"--{boundary}\r\n".encode("ascii")
        return b"".join(
            [
                head,
                separator,
                parts[0],
                b"\r\n",
                separator,
                parts[1],
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )


class _Written:
    """A message written out: what Django's SMTP backend reads of `message()`."""

    def __init__(self, data: bytes):
        self.data = data

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.data if linesep == "\r\n" else self.data.replace(b"\r\n", linesep.encode())


# Longer header values are folded over lines by the general path.
_HEADER_LIMIT = 70


def _plain_header(value: str) -> bool:
    return value.isascii() and len(value) <= _HEADER_LIMIT and not _UNSAFE_HEADER.search(value)


_UNSAFE_HEADER = re.compile(r"[\x00-\x1f\x7f]")
# An address Django would write as it is (no name, nothing to encode or quote).
_SIMPLE_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")


@functools.lru_cache(maxsize=8)
def _address_header(address: str, encoding: str) -> str:
    """The From header as Django writes it (the same for a whole batch)."""
    return sanitize_address(address, encoding)


def _part(subtype: str, text: str) -> bytes | None:
    """One text part, headers and body, with CRLF line ends; None if a line is too
    long for it to go unencoded (the general path then encodes it)."""
    if "\r" in text:
        return None
    body = text.encode()
    if any(len(line) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in body.split(b"\n")):
        return None
    encoding = "7bit" if body.isascii() else "8bit"
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "MIME-Version: 1.0\r\n"
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    )
    return head.encode("ascii") + body.replace(b"\n", b"\r\n")

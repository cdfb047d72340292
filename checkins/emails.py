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

import re
from dataclasses import dataclass

from django.core.mail import EmailMultiAlternatives
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
        message = EmailMultiAlternatives(
            subject=SUBJECT, body=self._render(TEXT_TEMPLATE, content), to=[content.to]
        )
        message.attach_alternative(self._render(HTML_TEMPLATE, content), "text/html")
        return message

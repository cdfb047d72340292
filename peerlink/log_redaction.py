"""Keep secrets that travel in URLs out of every log line.

A check-in link, an email-confirmation link and a password-reset link each
carry a token that acts for the member: whoever reads it in a log could
redeem it. The web server's request lines (runserver's and gunicorn's), Django's
"Not Found" warnings and error reports all name the path.
"""

import logging
import re

# The path segment after each of these prefixes is a secret (peerlink/urls.py,
# checkins/urls.py and allauth's account URLs).
SECRET_PATH_PREFIXES = (
    "/check-ins/link/",
    "/accounts/confirm-email/",
    "/accounts/password/reset/key/",
)
REDACTED = "[redacted]"
_SECRET_SEGMENT = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in SECRET_PATH_PREFIXES) + r")[^/\s?#\"']+"
)


def redact(text: str) -> str:
    """Return `text` with the secret segment of every secret URL replaced."""
    return _SECRET_SEGMENT.sub(r"\g<1>" + REDACTED, text)


class RedactSecretsFilter(logging.Filter):
    """A handler filter: the record's message, once formatted, loses its secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True

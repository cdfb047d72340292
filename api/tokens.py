"""API token strings: how they are made, stored and recognised. Pure functions.

A token reads `<kind>_<prefix>_<secret>`. The prefix finds the row; only the
SHA-256 of the whole string is stored, so the secret cannot be read back.
"""

import hashlib
import hmac
import secrets

PERSONAL = "plp"
INTEGRATION = "pli"
KINDS = (PERSONAL, INTEGRATION)
PREFIX_LENGTH = 8


def new_token(kind: str) -> tuple[str, str, str]:
    """Return (token, prefix, digest) for a new token of `kind`."""
    if kind not in KINDS:
        raise ValueError(f"Unknown token kind {kind!r}.")
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    token = f"{kind}_{prefix}_{secrets.token_urlsafe(32)}"
    return token, prefix, digest_of(token)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse(token: str) -> tuple[str, str] | None:
    """Return (kind, prefix) of a well-formed token string, or None."""
    parts = token.split("_", 2)
    if len(parts) != 3:
        return None
    kind, prefix, secret = parts
    if kind not in KINDS or len(prefix) != PREFIX_LENGTH or not secret:
        return None
    return kind, prefix


def matches(token: str, digest: str) -> bool:
    return hmac.compare_digest(digest_of(token), digest)

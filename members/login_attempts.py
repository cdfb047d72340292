"""Which account a sign-in attempt was for, as django-axes counts failures.

Members sign in with their email: allauth's form passes it as ``email``, other
callers (the admin's form, ``Client.login``) as ``username``. Counting
"Alice@Example.org" and "alice@example.org" apart would let a guesser double
their tries, so the address is compared the way sign-in compares it.
"""

from django.conf import settings


def email_from_credentials(request, credentials: dict | None) -> str | None:
    """Return the email an attempt signed in with, lower-cased, or None."""
    credentials = credentials or {}
    email = credentials.get("email") or credentials.get("username")
    if not email and request is not None:
        data = getattr(request, "data", None) or request.POST
        email = data.get("login") or data.get("username")
    if not email:
        return None
    return str(email).strip().lower()


def client_address(request) -> str | None:
    """Return the address a sign-in came from, as django-axes counts failures.

    Behind an HTTPS proxy every request comes from the proxy's address, which
    would make one counter per email again: anyone could lock a member out.
    With PEERLINK_TRUSTED_PROXIES set to the number of proxies in front of
    PeerLink, the address comes from X-Forwarded-For, read from the right, so
    a client cannot make up an address of its own.
    """
    proxies = settings.PEERLINK_TRUSTED_PROXIES
    if proxies:
        forwarded = [
            address.strip()
            for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if address.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")

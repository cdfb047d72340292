"""Which account a sign-in attempt was for, as django-axes counts failures.

Members sign in with their email: allauth's form passes it as ``email``, other
callers (the admin's form, ``Client.login``) as ``username``. Counting
"Alice@Example.org" and "alice@example.org" apart would let a guesser double
their tries, so the address is compared the way sign-in compares it.
"""


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

"""Production settings: no development defaults for secrets, HTTPS everywhere.

Start-up fails with a message naming the variable when DJANGO_SECRET_KEY or
DJANGO_ALLOWED_HOSTS is missing, or when any variable is malformed.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ACCOUNT_EMAIL_VERIFICATION, STORAGES, env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured(
        "The environment variable DJANGO_SECRET_KEY is too short (use 50 random characters)."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS or not all(ALLOWED_HOSTS):
    raise ImproperlyConfigured("The environment variable DJANGO_ALLOWED_HOSTS is empty.")

# Only a verified address keeps sign-up from revealing who is a member: allauth
# then shows the same "check your email" page for a new and an existing address.
if ACCOUNT_EMAIL_VERIFICATION != "mandatory":
    raise ImproperlyConfigured(
        "The environment variable PEERLINK_EMAIL_VERIFICATION must be mandatory in production: "
        "otherwise sign-up reveals whether an address has an account."
    )

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

"""Staff's second factor in tests: codes computed as an authenticator app computes them."""

import time

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.test import Client

PASSWORD = "correct horse battery"  # what tests.factories gives every user


def with_verified_email(user):
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def add_authenticator_app(user) -> str:
    """Set up TOTP (and recovery codes) for the user; return the app's secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def recovery_codes(user) -> list[str]:
    return RecoveryCodes(user.authenticator_set.get(type="recovery_codes")).get_unused_codes()


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra):
    """Post the sign-in form as a person would; return the response."""
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def enter_code(client: Client, code: str, **extra):
    return client.post("/accounts/2fa/authenticate/", {"code": code}, **extra)


def signed_in_user_id(client: Client):
    return client.session.get("_auth_user_id")

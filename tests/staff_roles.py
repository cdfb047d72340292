"""Staff members in one of the programme's roles, signed in as the admin requires."""

from django.contrib.auth.models import Group
from django.test import Client

from tests.factories import UserFactory
from tests.second_factor import (
    add_authenticator_app,
    current_code,
    enter_code,
    sign_in,
    with_verified_email,
)

COORDINATOR = "Coordinator"
VETTING = "Vetting"
SAFETY = "Safety"
REPORTING = "Reporting (read only)"


def staff_in(group_name: str, email: str | None = None):
    """Return a staff user (not a superuser) in the named group, with an authenticator app."""
    user = UserFactory(
        email=email or f"{group_name.split()[0].lower()}.role@example.org", is_staff=True
    )
    user.groups.add(Group.objects.get(name=group_name))
    user.totp_secret = add_authenticator_app(with_verified_email(user))
    return user


def client_for_staff(user) -> Client:
    """Sign `user` in with their password and their app's code, as staff must."""
    client = Client()
    sign_in(client, user.email)
    enter_code(client, current_code(user.totp_secret))
    return client

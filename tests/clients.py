"""Test clients signed in as a member."""

from django.test import Client


def client_for(member) -> Client:
    """Return a test client signed in as `member`."""
    client = Client()
    client.force_login(member.user)
    return client

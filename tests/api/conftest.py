"""API clients: a member with a personal token, and integration tokens."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from api import services
from api.models import Scope


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def newcomer_token(newcomer):
    _token, secret = services.personal_token_create(member=newcomer, name="my phone")
    return secret


@pytest.fixture
def token_client(newcomer_token):
    """The newcomer's app, with their personal token and no session."""
    return Client(**bearer(newcomer_token))


def make_integration_token(staff_user, scopes, expires_at=None):
    _token, secret = services.integration_token_create(
        name="Case notes", scopes=scopes, created_by=staff_user, expires_at=expires_at
    )
    return secret


@pytest.fixture
def reporting_token(staff_user):
    return make_integration_token(staff_user, [Scope.REPORTING_READ])


@pytest.fixture
def staff_write_token(staff_user):
    return make_integration_token(staff_user, [Scope.STAFF_WRITE])


@pytest.fixture
def soon():
    return timezone.now() + datetime.timedelta(hours=1)

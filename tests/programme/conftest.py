"""Staff as the dashboard meets them: with and without its permission."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from tests.factories import UserFactory
from tests.second_factor import (
    add_authenticator_app,
    current_code,
    enter_code,
    sign_in,
    with_verified_email,
)


def staff_client_for(user) -> Client:
    """Sign `user` in as staff must: password, then their app's code."""
    secret = add_authenticator_app(with_verified_email(user))
    client = Client()
    sign_in(client, user.email)
    enter_code(client, current_code(secret))
    assert client.get("/admin/").status_code == 200
    return client


@pytest.fixture
def vetting_staff(db):
    """Staff who vet mentors but were not given the dashboard."""
    return UserFactory(email="vetting@example.org", is_staff=True)


@pytest.fixture
def vetting_staff_client(vetting_staff):
    return staff_client_for(vetting_staff)


@pytest.fixture
def reporting_staff(db):
    """Staff given only the dashboard's permission."""
    user = UserFactory(email="reporting@example.org", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="programme", codename="view_dashboard")
    )
    return user


@pytest.fixture
def reporting_staff_client(reporting_staff):
    return staff_client_for(reporting_staff)

"""Onboarding does not ask again for what sign-up already asked."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from members.models import Member

pytestmark = pytest.mark.django_db

ABOUT_STEP = reverse("members:onboarding_step", args=["about"])


def signed_up_member(client: Client) -> Member:
    response = client.post(
        "/accounts/signup/",
        {
            "role": "newcomer",
            "display_name": "Rosa",
            "birth_year": "1979",
            "is_adult": "on",
            "email": "rosa@example.org",
            "password1": "slow mornings and coffee",
            "password2": "slow mornings and coffee",
        },
    )
    assert response.status_code == 302
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    assert client.post(link.group(1)).status_code == 302
    return Member.objects.get(user__email="rosa@example.org")


def test_the_first_onboarding_step_does_not_ask_again_for_name_and_birth_year(client):
    signed_up_member(client)

    page = client.get(ABOUT_STEP).content.decode()

    assert 'name="display_name"' not in page
    assert 'name="birth_year"' not in page
    assert "Hi Rosa." in page
    assert 'name="time_zone"' in page


def test_finishing_the_first_step_keeps_the_name_and_year_given_at_sign_up(client):
    member = signed_up_member(client)

    response = client.post(ABOUT_STEP, {"languages": ["en"], "time_zone": "Europe/London"})

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.display_name, member.birth_year, member.time_zone) == (
        "Rosa",
        1979,
        "Europe/London",
    )


def test_the_name_and_birth_year_stay_editable_on_the_profile(client):
    signed_up_member(client)

    page = client.get(reverse("members:profile_edit", args=["about"])).content.decode()

    assert re.search(r'name="display_name"[^>]*value="Rosa"', page)
    assert re.search(r'name="birth_year"[^>]*value="1979"', page)

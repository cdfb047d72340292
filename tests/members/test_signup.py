import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members.models import Member, Role, User

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/accounts/signup/"


def signup_data(**overrides):
    data = {
        "role": "newcomer",
        "display_name": "Jo",
        "birth_year": str(timezone.localdate().year - 30),
        "is_adult": "on",
        "email": "jo@example.org",
        "password1": "a long and quiet river",
        "password2": "a long and quiet river",
    }
    data.update(overrides)
    return data


def confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)


def test_home_page_offers_two_doors_that_preselect_the_role(client):
    page = client.get("/").content.decode()
    assert 'href="/accounts/signup/?role=newcomer"' in page
    assert 'href="/accounts/signup/?role=mentor"' in page

    signup_page = client.get(SIGNUP_URL + "?role=mentor").content.decode()
    assert re.search(r'value="mentor"[^>]*checked', signup_page)


def test_newcomer_signs_up_verifies_email_and_lands_in_onboarding(client):
    response = client.post(SIGNUP_URL, signup_data())
    assert response.status_code == 302

    member = Member.objects.get(user__email="jo@example.org")
    assert member.role == Role.NEWCOMER
    assert member.display_name == "Jo"
    assert not member.is_onboarded

    assert len(mail.outbox) == 1
    link = confirmation_link(mail.outbox[0])
    response = client.post(link)
    assert response.status_code == 302
    response = client.get(response.url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("members:onboarding_step", args=["about"])
    assert "Step 1 of 5" in response.content.decode()


def test_signup_before_email_verification_cannot_reach_onboarding(client):
    client.post(SIGNUP_URL, signup_data())
    response = client.get(reverse("members:onboarding"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_signup_with_an_email_already_in_use_says_so_next_to_the_field(client, newcomer):
    response = client.post(SIGNUP_URL, signup_data(email="ALICE@example.org"))
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert "already registered" in response.context["form"].errors["email"][0]
    assert User.objects.count() == 1
    assert mail.outbox == []


def test_signup_under_the_minimum_age_is_refused_and_saves_nothing(client):
    too_young = timezone.localdate().year - 17
    response = client.post(SIGNUP_URL, signup_data(birth_year=str(too_young)))
    assert response.status_code == 200
    assert "aged 18 and over" in response.context["form"].errors["birth_year"][0]
    assert not User.objects.exists()
    assert not Member.objects.exists()


def test_minimum_age_follows_the_setting(client, settings):
    settings.PEERLINK_MINIMUM_AGE = 21
    twenty = timezone.localdate().year - 20
    response = client.post(SIGNUP_URL, signup_data(birth_year=str(twenty)))
    assert "aged 21 and over" in response.context["form"].errors["birth_year"][0]
    assert "I confirm I am 21 or older" in response.content.decode()


def test_signup_without_confirming_age_is_refused(client):
    data = signup_data()
    del data["is_adult"]
    response = client.post(SIGNUP_URL, data)
    assert "is_adult" in response.context["form"].errors
    assert not User.objects.exists()


def test_tampered_role_is_refused_with_a_field_error(client):
    response = client.post(SIGNUP_URL, signup_data(role="staff"))
    assert "role" in response.context["form"].errors
    assert not User.objects.exists()


def test_mentor_signs_up_and_waits_for_vetting(client):
    client.post(SIGNUP_URL, signup_data(role="mentor", email="m@example.org"))
    member = Member.objects.get(user__email="m@example.org")
    assert member.role == Role.MENTOR
    assert member.vetting_status == "pending"
    assert not member.is_available()


def test_sign_in_does_not_reveal_whether_an_account_exists(client, newcomer):
    known = client.post("/accounts/login/", {"login": "alice@example.org", "password": "wrong"})
    unknown = client.post("/accounts/login/", {"login": "nobody@example.org", "password": "wrong"})
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors


def test_password_reset_does_not_reveal_whether_an_account_exists(client, newcomer):
    known = client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url

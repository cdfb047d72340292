import re

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matching.selectors import mentor_pool
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


def page_text(response) -> str:
    """The page as a person sees it: without the per-request CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_signup_with_an_address_already_in_use_looks_the_same_as_with_a_new_one(newcomer):
    new_address = Client().post(SIGNUP_URL, signup_data(email="new@example.org"), follow=True)
    taken = Client().post(SIGNUP_URL, signup_data(email="ALICE@example.org"), follow=True)

    assert taken.status_code == new_address.status_code == 200
    assert taken.redirect_chain == new_address.redirect_chain
    # The same page, each naming the address typed in.
    assert page_text(taken).replace("alice@", "new@") == page_text(new_address)
    assert "We have sent you a link to confirm your email address" in page_text(taken)
    assert "already" not in page_text(taken)
    assert User.objects.filter(email__iexact="alice@example.org").count() == 1
    assert not Member.objects.filter(display_name="Jo", user__email__iexact="alice@example.org")


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting every password it hashes."""

    hashed = 0

    def encode(self, password, salt):
        CountingHasher.hashed += 1
        return super().encode(password, salt)


@pytest.mark.parametrize("email", ["new@example.org", "alice@example.org"], ids=["new", "taken"])
def test_signup_with_an_address_already_in_use_takes_as_long_as_with_a_new_one(
    client, settings, newcomer, email
):
    # Hashing the password is what makes a sign-up slow; skipping it for a
    # taken address would tell the address apart by the time the answer takes.
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.hashed = 0
    client.post(SIGNUP_URL, signup_data(email=email))
    assert CountingHasher.hashed == 1


def test_the_owner_of_an_address_used_to_sign_up_again_is_told_by_email(client, newcomer):
    client.post(SIGNUP_URL, signup_data(email="alice@example.org", display_name="Jo"))

    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert "already exists" in message.body
    assert "/accounts/password/reset/" in message.body
    text = (message.subject + message.body).lower()
    for detail in ("recovery", "addiction", "newcomer", "mentor", "alice", "jo "):
        assert detail not in text.replace("alice@example.org", "")


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
    assert not mentor_pool().filter(pk=member.pk).exists()


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

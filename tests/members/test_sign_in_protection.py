"""Password guessing: stopped per (email, address), without locking the owner out, on
every sign-in form; and a wrong password costs exactly what a right one costs."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher

from tests.factories import NewcomerFactory, UserFactory
from tests.second_factor import (
    PASSWORD,
    add_authenticator_app,
    current_code,
    enter_code,
    signed_in_user_id,
    with_verified_email,
)

pytestmark = pytest.mark.django_db

GUESSER = {"REMOTE_ADDR": "203.0.113.9"}
OWNER = {"REMOTE_ADDR": "198.51.100.7"}


def guess(client, url, email, password, address):
    # Both field names: the admin's own form called it "username".
    data = {"login": email, "username": email, "password": password}
    return client.post(url, data, REMOTE_ADDR=address["REMOTE_ADDR"])


@pytest.fixture
def staff(db):
    user = with_verified_email(
        UserFactory(email="coordinator@example.org", is_staff=True, is_superuser=True)
    )
    user.totp_secret = add_authenticator_app(user)
    return user


def admin_sign_in_url(client) -> str:
    """The sign-in form a visitor to the admin ends up at."""
    return client.get("/admin/", follow=True).redirect_chain[-1][0]


def test_thirty_wrong_admin_passwords_then_the_right_one_does_not_sign_in(client, staff):
    url = admin_sign_in_url(client)
    for attempt in range(30):
        # Changing the case of the address does not buy more tries.
        email = staff.email.upper() if attempt % 2 else staff.email
        guess(client, url, email, f"wrong-{attempt}", GUESSER)

    response = guess(client, url, staff.email, PASSWORD, GUESSER)
    assert signed_in_user_id(client) is None
    assert client.get("/admin/").status_code == 302
    assert response.status_code == 429
    assert "988" in response.content.decode()  # the crisis footer


def test_a_locked_out_person_is_told_when_to_try_again(client, staff):
    url = admin_sign_in_url(client)
    for attempt in range(5):
        guess(client, url, staff.email, f"wrong-{attempt}", GUESSER)

    response = guess(client, url, staff.email, PASSWORD, GUESSER)
    assert signed_in_user_id(client) is None
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in paused" in page and "try again in 15 minutes" in page
    assert "Nobody else is locked out" in page
    assert "988" in page  # the crisis footer


def test_guessing_at_the_admin_does_not_lock_staff_out_elsewhere(client, staff):
    url = admin_sign_in_url(client)
    for attempt in range(30):
        guess(client, url, staff.email, f"wrong-{attempt}", GUESSER)

    colleague = type(client)()
    guess(colleague, admin_sign_in_url(colleague), staff.email, PASSWORD, OWNER)
    enter_code(colleague, current_code(staff.totp_secret), **OWNER)
    assert colleague.get("/admin/", **OWNER).status_code == 200


def test_thirty_wrong_member_passwords_then_the_right_one_does_not_sign_in(client):
    member = NewcomerFactory(user=with_verified_email(UserFactory(email="alice@example.org")))
    for attempt in range(30):
        guess(client, "/accounts/login/", "alice@example.org", f"wrong-{attempt}", GUESSER)

    response = guess(client, "/accounts/login/", "alice@example.org", PASSWORD, GUESSER)
    assert response.status_code == 429
    assert signed_in_user_id(client) is None

    owner = type(client)()
    response = guess(owner, "/accounts/login/", "alice@example.org", PASSWORD, OWNER)
    assert response.status_code == 302
    assert signed_in_user_id(owner) == str(member.user.pk)


def test_a_few_wrong_passwords_then_the_right_one_still_signs_in(client):
    member = NewcomerFactory(user=with_verified_email(UserFactory(email="alice@example.org")))
    for attempt in range(4):
        guess(client, "/accounts/login/", "alice@example.org", f"wrong-{attempt}", GUESSER)
    guess(client, "/accounts/login/", "alice@example.org", PASSWORD, GUESSER)
    assert signed_in_user_id(client) == str(member.user.pk)


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting every password it hashes (checking one hashes it too)."""

    hashed = 0

    def encode(self, password, salt):
        CountingHasher.hashed += 1
        return super().encode(password, salt)


@pytest.mark.parametrize(
    "email, password",
    [
        ("alice@example.org", PASSWORD),
        ("alice@example.org", "not her password"),
        ("nobody@example.org", "any password"),
    ],
    ids=["right password", "wrong password", "unknown email"],
)
def test_every_sign_in_attempt_hashes_the_password_exactly_once(client, settings, email, password):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    NewcomerFactory(user=with_verified_email(UserFactory(email="alice@example.org")))
    CountingHasher.hashed = 0
    client.post("/accounts/login/", {"login": email, "password": password})
    assert CountingHasher.hashed == 1


def test_behind_a_proxy_each_client_address_is_counted_on_its_own(client, settings):
    settings.PEERLINK_TRUSTED_PROXIES = 1
    member = NewcomerFactory(user=with_verified_email(UserFactory(email="alice@example.org")))
    proxy = "10.0.0.2"
    for attempt in range(10):
        client.post(
            "/accounts/login/",
            {"login": "alice@example.org", "password": f"wrong-{attempt}"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )

    owner = type(client)()
    owner.post(
        "/accounts/login/",
        {"login": "alice@example.org", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        # A made-up first entry; the proxy appends the real address last.
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",
    )
    assert signed_in_user_id(owner) == str(member.user.pk)


def test_without_a_proxy_a_made_up_forwarded_address_buys_no_more_tries(client):
    NewcomerFactory(user=with_verified_email(UserFactory(email="alice@example.org")))
    for attempt in range(10):
        client.post(
            "/accounts/login/",
            {"login": "alice@example.org", "password": f"wrong-{attempt}"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}",
        )
    client.post("/accounts/login/", {"login": "alice@example.org", "password": PASSWORD})
    assert signed_in_user_id(client) is None


def test_behind_a_proxy_one_client_sending_many_sign_ins_does_not_stop_the_others(client, settings):
    settings.PEERLINK_TRUSTED_PROXIES = 1
    member = NewcomerFactory(user=with_verified_email(UserFactory(email="alice@example.org")))
    proxy = "10.0.0.2"
    # allauth allows 30 sign-in attempts a minute from one address.
    for attempt in range(31):
        client.post(
            "/accounts/login/",
            {"login": f"guess-{attempt}@example.org", "password": "wrong"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )

    owner = type(client)()
    response = owner.post(
        "/accounts/login/",
        {"login": "alice@example.org", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code != 429
    assert signed_in_user_id(owner) == str(member.user.pk)

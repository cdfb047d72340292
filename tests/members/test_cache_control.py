"""No page shown to a signed-in person may be kept by a browser or a shared cache."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

MEMBER_PAGES = [
    "/accounts/email/",
    "/accounts/password/change/",
    "/me/",
    "/profile/",
    "/check-ins/",
    "/no-such-page/",
]
STAFF_PAGES = ["/admin/", "/admin/members/member/", "/accounts/email/"]


def assert_not_stored(response):
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert "no-store" in directives, (response.request["PATH_INFO"], response.get("Cache-Control"))
    assert "private" in directives


@pytest.mark.parametrize("url", MEMBER_PAGES)
def test_every_page_a_signed_in_member_sees_is_not_stored(newcomer_client, url):
    assert_not_stored(newcomer_client.get(url))


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_every_admin_page_staff_see_is_not_stored(staff_client, url):
    assert_not_stored(staff_client.get(url))


def test_the_answer_to_a_successful_sign_in_is_not_stored(client, newcomer):
    from tests.conftest import PASSWORD

    response = client.post(
        reverse("account_login"), {"login": newcomer.user.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert_not_stored(response)


def test_a_public_page_for_a_visitor_keeps_its_own_caching(client):
    response = client.get("/")

    assert "no-store" not in response.get("Cache-Control", "")

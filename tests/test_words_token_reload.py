"""Sending the "Create token" form again (reloading the page) makes no second token."""

import re

import pytest
from django.urls import reverse

from api.models import PersonalToken

pytestmark = pytest.mark.django_db

TOKENS = reverse("tokens:list")


def form_key(page: str) -> str:
    return re.search(r'name="form_key" value="([^"]+)"', page).group(1)


def test_reloading_the_page_that_shows_a_new_token_creates_no_second_one(newcomer_client, newcomer):
    data = {"name": "my phone", "form_key": form_key(newcomer_client.get(TOKENS).text)}
    first = newcomer_client.post(TOKENS, data)
    assert first.status_code == 200 and "Your new token" in first.text

    again = newcomer_client.post(TOKENS, data, follow=True)

    assert PersonalToken.objects.filter(member=newcomer).count() == 1
    assert again.redirect_chain == [(TOKENS, 302)]
    assert "no second token was made" in again.text
    assert "Your new token" not in again.text


def test_a_fresh_form_after_a_new_token_creates_another(newcomer_client, newcomer):
    first = newcomer_client.post(
        TOKENS, {"name": "my phone", "form_key": form_key(newcomer_client.get(TOKENS).text)}
    )

    newcomer_client.post(TOKENS, {"name": "my notes", "form_key": form_key(first.text)})

    assert sorted(PersonalToken.objects.filter(member=newcomer).values_list("name", flat=True)) == [
        "my notes",
        "my phone",
    ]


def test_a_refused_form_sent_again_is_checked_again_not_refused_as_sent(newcomer_client):
    data = {"name": "  ", "form_key": form_key(newcomer_client.get(TOKENS).text)}
    newcomer_client.post(TOKENS, data)

    again = newcomer_client.post(TOKENS, data)

    assert again.status_code == 200 and "This field is required." in again.text

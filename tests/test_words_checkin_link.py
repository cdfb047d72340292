"""A check-in link used a second time says thank you, and nothing about a failure."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from checkins import services
from checkins.models import CheckIn, Reminder
from tests.checkins.test_services import START, match, tick  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def used_link(match) -> str:  # noqa: F811
    [reminder_id, _] = tick(START + datetime.timedelta(days=7, hours=1))
    url = reverse("checkins:link", args=[services.link_token(Reminder.objects.get(pk=reminder_id))])
    Client().post(url)
    return url


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_used_check_in_link_shows_only_the_thanks(match, method):  # noqa: F811
    url = used_link(match)

    page = getattr(Client(), method)(url).content.decode()

    assert "<h1>Thank you</h1>" in page
    assert "This link was already used. We have your check-in." in page
    assert "didn&#x27;t work" not in page and "didn't work" not in page
    assert CheckIn.objects.count() == 1


def test_a_tampered_link_still_says_it_did_not_work(client):
    page = client.get(reverse("checkins:link", args=["not-a-token"])).content.decode()

    assert "That link didn" in page and "Thank you" not in page

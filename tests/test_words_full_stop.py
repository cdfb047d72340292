"""A sentence that ends with a name ending in "." has one full stop, not two."""

import pytest
from django.test import Client
from django.urls import reverse

from members.templatetags.sentences import full_stop
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db


def test_full_stop_adds_one_only_where_none_ends_the_text():
    assert [full_stop(text) for text in ("Javier F.", "Casey", "Who?", "Wow!")] == [
        "Javier F.",
        "Casey.",
        "Who?",
        "Wow!",
    ]


@pytest.mark.parametrize("url", [reverse("matching:status"), reverse("home:me")])
def test_you_are_matched_with_a_name_ending_in_a_full_stop_ends_once(url):
    newcomer = NewcomerFactory()
    ActiveMatchFactory(newcomer=newcomer, mentor=MentorFactory(display_name="Javier F."))
    client = Client()
    client.force_login(newcomer.user)

    page = client.get(url).content.decode()

    assert "You are matched with Javier F. " in page or "You are matched with Javier F.<" in page
    assert "Javier F.." not in page

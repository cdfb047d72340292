"""Suggestions offer one clear way to ask one peer, and a separate way to rank three."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from matching.models import Match
from tests.factories import MentorFactory, NewcomerFactory, tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer_with_three_suggestions():
    tags = [tag("pathway-12-step"), tag("life_situation-parenting")]
    newcomer = NewcomerFactory(display_name="Robin", tags=tags)
    mentors = [MentorFactory(display_name=name, tags=tags) for name in ("Casey", "Dana", "Eli")]
    client = Client()
    client.force_login(newcomer.user)
    return client, newcomer, mentors


def cards(page: str) -> list[str]:
    return re.findall(r'<section class="card suggestion">.*?</section>', page, re.S)


def test_each_suggestion_card_has_one_way_to_ask_and_no_rank_dropdown(
    newcomer_with_three_suggestions,
):
    client, _, mentors = newcomer_with_three_suggestions

    page = client.get(reverse("matching:suggestions")).content.decode()

    found = cards(page)
    assert len(found) == len(mentors)
    for card in found:
        assert len(re.findall(r'<button type="submit" name="mentor"', card)) == 1
        assert "<select" not in card


def test_ranking_is_its_own_labelled_form_naming_each_peer(newcomer_with_three_suggestions):
    client, _, mentors = newcomer_with_three_suggestions

    page = client.get(reverse("matching:suggestions")).content.decode()

    assert "Or rank up to three" in page
    rank_form = re.search(r'<section class="card rank-choices".*?</section>', page, re.S).group(0)
    for mentor in mentors:
        label = re.search(rf'<label for="rank-{mentor.pk}">([^<]+)</label>', rank_form)
        assert label and label.group(1) == mentor.display_name
        assert f'name="rank_{mentor.pk}"' in rank_form
    assert "Send my ranked choices" in rank_form


def test_ranking_three_from_the_rank_form_asks_the_first_choice_first(
    newcomer_with_three_suggestions,
):
    client, newcomer, (casey, dana, eli) = newcomer_with_three_suggestions

    response = client.post(
        reverse("matching:request"),
        {f"rank_{eli.pk}": "1", f"rank_{casey.pk}": "2", f"rank_{dana.pk}": "3"},
    )

    assert response.url == reverse("matching:status")
    match = Match.objects.get(newcomer=newcomer)
    assert match.mentor_id == eli.pk

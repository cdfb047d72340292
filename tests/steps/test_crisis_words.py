"""A step can hold words of crisis too: whoever reads it gets the help a message would bring."""

import pytest
from django.test import Client
from django.urls import reverse

from messaging.models import MessagingSettings
from steps import services
from tests.factories import ActiveMatchFactory

pytestmark = pytest.mark.django_db

PEER_PANEL = "If your peer might not be safe"
OWN_PANEL = "You don't have to face this alone"


def _client(member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def match():
    return ActiveMatchFactory()


def test_the_mentor_reading_a_shared_step_in_crisis_words_gets_calm_guidance_and_the_lines(
    match,
):
    services.step_create(member=match.newcomer, text="Get through a week when I want to die")
    services.step_create(member=match.newcomer, text="Walk the dog", shared=True)
    mentor = _client(match.mentor)
    assert PEER_PANEL not in mentor.get(reverse("matching:inbox")).content.decode()

    step = match.newcomer.steps.get(text__startswith="Get through")
    services.step_update(member=match.newcomer, step_id=step.pk, shared=True)

    for address in (reverse("matching:inbox"), reverse("checkins:new", args=[match.pk])):
        page = mentor.get(address).content.decode()
        panel = page[page.index(PEER_PANEL) :]
        assert 'href="tel:988"' in panel and 'href="/resources/"' in panel, address


def test_the_member_who_writes_crisis_words_in_a_step_sees_the_crisis_lines(match):
    newcomer = _client(match.newcomer)
    newcomer.post(reverse("steps:mine"), {"text": "Call someone when I think about suicide"})

    page = newcomer.get(reverse("steps:mine")).content.decode()

    assert OWN_PANEL in page and 'href="tel:988"' in page
    assert reverse("safety:help_now") in page


def test_ordinary_steps_bring_no_crisis_panel(match):
    services.step_create(member=match.newcomer, text="A meeting twice a week", shared=True)

    assert OWN_PANEL not in _client(match.newcomer).get(reverse("steps:mine")).content.decode()
    assert PEER_PANEL not in _client(match.mentor).get(reverse("matching:inbox")).content.decode()


def test_the_programmes_own_phrases_are_the_ones_looked_for(match):
    MessagingSettings.objects.update_or_create(pk=1, defaults={"crisis_phrases": "lost all hope"})
    services.step_create(member=match.newcomer, text="Not feel I've lost all hope", shared=True)

    assert PEER_PANEL in _client(match.mentor).get(reverse("matching:inbox")).content.decode()

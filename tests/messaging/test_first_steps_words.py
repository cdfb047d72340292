"""First-step prompts stay until the pair write to each other, and a tap fills the
box with an example message, not the instruction."""

import re
from html import unescape

import pytest
from django.urls import reverse

from messaging import services
from messaging.first_steps import first_step, first_steps
from messaging.models import MessagingSettings

pytestmark = pytest.mark.django_db

SAY_HELLO = "Say hello and when you're usually free"


def prompts(client, match) -> dict[str, str]:
    """Each prompt button's text and the message a tap puts in the box."""
    html = client.get(reverse("messaging:conversation", args=[match.pk])).content.decode()
    return {
        unescape(text): unescape(example)
        for example, text in re.findall(r'data-first-step="([^"]*)">([^<]*)</button>', html)
    }


def test_the_prompts_show_while_only_the_request_note_is_in_the_conversation(
    match, newcomer_client, mentor_client
):
    services.request_note_add(match=match, note="I liked that you are a parent too.")

    for client in (newcomer_client, mentor_client):
        assert SAY_HELLO in prompts(client, match)

    services.send_message(member=match.mentor, match_id=match.pk, text="Hi Alice!")
    assert prompts(newcomer_client, match) == {}


def test_tapping_say_hello_fills_the_box_with_an_example_message(match, newcomer_client):
    example = prompts(newcomer_client, match)[SAY_HELLO]

    assert example != SAY_HELLO
    assert example.startswith("Hi! I'm usually free")


def test_staff_can_give_a_prompt_its_own_example(match, newcomer_client):
    MessagingSettings.objects.update_or_create(
        pk=1, defaults={"first_steps": "Say what you hope for | I hope to feel less alone."}
    )

    assert prompts(newcomer_client, match) == {
        "Say what you hope for": "I hope to feel less alone."
    }


def test_a_question_without_an_example_is_put_in_the_box_as_written():
    assert first_step("How was your week?").example == "How was your week?"
    assert first_steps(["", " | nothing"]) == []

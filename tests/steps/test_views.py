"""My steps, the member's own page: up to three steps, in their words, private by default."""

import pytest
from django.urls import reverse

from members.models import STEP_CONSENT_CATEGORY, ConsentRecord
from steps import services
from steps.forms import EXAMPLES
from steps.models import Step, StepAnswer
from tests.factories import NewcomerFactory

pytestmark = pytest.mark.django_db

MINE = reverse("steps:mine")


def add(member, text="Go to a meeting twice this week", **kwargs):
    return services.step_create(member=member, text=text, **kwargs)


def test_a_member_sets_a_step_in_their_own_words_and_it_is_private(newcomer, newcomer_client):
    response = newcomer_client.post(MINE, {"text": "  Call Jo before   Friday night "})

    assert response.status_code == 302
    step = Step.objects.get(member=newcomer)
    assert (step.text, step.shared) == ("Call Jo before Friday night", False)
    page = newcomer_client.get(MINE).content.decode()
    assert "Call Jo before Friday night" in page and "Private: only you see this." in page
    assert not ConsentRecord.objects.filter(category=STEP_CONSENT_CATEGORY).exists()


def test_an_empty_step_gets_a_clear_message(newcomer, newcomer_client):
    response = newcomer_client.post(MINE, {"text": "   "})

    assert response.status_code == 400
    assert "Write your step in a few words." in response.content.decode()
    assert not Step.objects.exists()


def test_a_500_character_step_gets_a_clear_message(newcomer, newcomer_client):
    response = newcomer_client.post(MINE, {"text": "a" * 500})

    assert response.status_code == 400
    assert "Please keep a step under 200 characters (it has 500)." in response.content.decode()
    assert not Step.objects.exists()


def test_a_fourth_step_gets_a_clear_message_and_retiring_one_makes_room(newcomer, newcomer_client):
    first = add(newcomer, "One")
    add(newcomer, "Two")
    add(newcomer, "Three")

    response = newcomer_client.post(MINE, {"text": "Four"})

    assert response.status_code == 400
    assert "You can keep up to 3 steps at a time." in response.content.decode()
    newcomer_client.post(reverse("steps:retire", args=[first.pk]))
    assert newcomer_client.post(MINE, {"text": "Four"}).status_code == 302
    assert list(Step.objects.filter(retired_at=None).values_list("text", flat=True)) == [
        "Two",
        "Three",
        "Four",
    ]


def test_an_example_chip_fills_the_box_without_javascript(newcomer_client):
    page = newcomer_client.get(MINE).content.decode()
    assert "Set your first step" in page
    assert 'href="?example=1#new-step"' in page

    filled = newcomer_client.get(MINE, {"example": "1"}).content.decode()

    assert f"\n{EXAMPLES[1]}</textarea>" in filled.replace("&#x27;", "'")


def test_examples_cover_harm_reduction_and_abstinence_in_a_warm_voice():
    words = " ".join(EXAMPLES).lower()
    assert "drive" in words and "prescribed" in words and "fewer nights" in words
    assert "meeting twice" in words and "call my peer" in words
    assert "relapse" not in words and "clean" not in words


def test_sharing_a_step_writes_a_consent_record_and_unsharing_another(newcomer, newcomer_client):
    step = add(newcomer)

    newcomer_client.post(reverse("steps:share", args=[step.pk]), {"shared": "on"})
    assert Step.objects.get(pk=step.pk).shared is True
    newcomer_client.post(reverse("steps:share", args=[step.pk]))

    assert Step.objects.get(pk=step.pk).shared is False
    assert list(
        ConsentRecord.objects.filter(member=newcomer, category=STEP_CONSENT_CATEGORY).values_list(
            "granted", flat=True
        )
    ) == [True, False]


def test_a_member_edits_the_words_of_a_step(newcomer, newcomer_client):
    step = add(newcomer)

    newcomer_client.post(reverse("steps:edit", args=[step.pk]), {"text": "One meeting a week"})

    assert Step.objects.get(pk=step.pk).text == "One meeting a week"


def test_a_retired_step_stays_in_the_history_and_is_no_longer_shared(newcomer, newcomer_client):
    step = add(newcomer, shared=True)
    services.step_answer(member=newcomer, step_id=step.pk, answer="went_well")

    newcomer_client.post(reverse("steps:retire", args=[step.pk]))

    step.refresh_from_db()
    assert step.retired_at is not None and step.shared is False
    page = newcomer_client.get(MINE).content.decode()
    assert "Retired steps" in page and step.text in page


def test_a_member_with_no_match_notes_how_a_step_went_and_sees_it_drawn(newcomer, newcomer_client):
    step = add(newcomer)

    for answer in ("not_this_week", "partly", "went_well"):
        response = newcomer_client.post(reverse("steps:answer", args=[step.pk]), {"answer": answer})
        assert response.status_code == 302

    page = newcomer_client.get(MINE).content.decode()
    assert "<polyline" in page and "<table" in page
    assert page.index("Not this week</td>") < page.index("Went well</td>")
    assert 'style="' not in page
    assert StepAnswer.objects.filter(step=step).count() == 3


@pytest.mark.parametrize("action", ["edit", "share", "retire", "answer"])
def test_another_members_step_is_a_404_and_stays_as_it_was(newcomer_client, action):
    theirs = add(NewcomerFactory(), "Their own words", shared=True)
    data = {"text": "Mine now", "shared": "on", "answer": "went_well"}

    response = newcomer_client.post(reverse(f"steps:{action}", args=[theirs.pk]), data)

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.text, theirs.shared, theirs.retired_at) == ("Their own words", True, None)
    assert not StepAnswer.objects.exists()


def test_the_page_needs_a_signed_in_member(client, staff_user):
    assert client.get(MINE).status_code == 302
    client.force_login(staff_user)
    assert client.get(MINE).status_code == 404


def test_my_steps_runs_the_same_queries_with_ten_times_the_history(
    newcomer, newcomer_client, django_assert_num_queries, django_assert_max_num_queries
):
    def fill(answers_each: int):
        Step.objects.all().delete()
        for index in range(answers_each // 2):
            services.step_retire(member=newcomer, step_id=add(newcomer, f"Old {index}").pk)
        for index in range(3):
            step = add(newcomer, f"Step {index}")
            StepAnswer.objects.bulk_create(
                StepAnswer(step=step, answer="partly", source="steps_page")
                for _ in range(answers_each)
            )

    fill(2)
    newcomer_client.get(MINE)
    with django_assert_max_num_queries(20) as few:
        newcomer_client.get(MINE)
    fill(20)
    with django_assert_num_queries(len(few)):
        assert newcomer_client.get(MINE).status_code == 200


def test_the_home_card_lists_active_steps_and_how_many_are_shared(newcomer):
    from django.template.loader import render_to_string

    from steps.selectors import home_summary

    assert "Set your first step" in render_to_string(
        "steps/_home.html", {"steps": home_summary(newcomer)}
    )
    add(newcomer, "Walk after dinner", shared=True)
    add(newcomer, "Text Sam on Sundays")

    card = render_to_string("steps/_home.html", {"steps": home_summary(newcomer)})

    assert "Walk after dinner" in card and "Text Sam on Sundays" in card
    assert "You share 1 with your peer." in card

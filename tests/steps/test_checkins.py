"""The check-in asks how each of the author's steps went, and may add or retire one."""

import pytest
from django.urls import reverse

from checkins.models import CheckIn
from steps import services
from steps.models import AnswerSource, Step, StepAnswer
from tests.factories import ActiveMatchFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(newcomer, mentor):
    return ActiveMatchFactory(newcomer=newcomer, mentor=mentor)


def checkin_url(match):
    return reverse("checkins:new", args=[match.pk])


def test_the_check_in_asks_how_each_active_step_went_in_plain_words(
    newcomer, newcomer_client, match
):
    services.step_create(member=newcomer, text="Two meetings this week")
    retired = services.step_create(member=newcomer, text="An old step")
    services.step_retire(member=newcomer, step_id=retired.pk)

    page = newcomer_client.get(checkin_url(match)).content.decode()

    assert "Your step: Two meetings this week" in page
    assert "An old step" not in page
    assert "Went well" in page and "Partly" in page and "Not this week" in page
    assert "“Not this week” is a fine answer." in page


def test_answers_are_stored_with_the_check_in_and_skipping_is_fine(
    newcomer, newcomer_client, match
):
    one = services.step_create(member=newcomer, text="Two meetings this week")
    two = services.step_create(member=newcomer, text="Walk after dinner")

    response = newcomer_client.post(
        checkin_url(match), {"connected": "yes", f"step_{one.pk}": "not_this_week"}
    )

    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    answer = StepAnswer.objects.get()
    assert (answer.step_id, answer.answer) == (one.pk, "not_this_week")
    assert (answer.source, answer.checkin_id) == (AnswerSource.CHECK_IN, checkin.pk)
    assert not StepAnswer.objects.filter(step=two).exists()


def test_the_old_check_in_still_works_without_steps(newcomer_client, match):
    response = newcomer_client.post(checkin_url(match), {"connected": "tried", "rating": "3"})

    assert response.status_code == 302
    assert CheckIn.objects.get().rating == 3


def test_a_member_adds_a_step_and_retires_one_from_the_check_in(newcomer, newcomer_client, match):
    steps = [services.step_create(member=newcomer, text=f"Step {n}") for n in range(3)]

    response = newcomer_client.post(
        checkin_url(match),
        {"connected": "yes", "retire_steps": [str(steps[0].pk)], "new_step": "Sleep by eleven"},
    )

    assert response.status_code == 302
    active = Step.objects.filter(member=newcomer, retired_at=None)
    assert sorted(active.values_list("text", flat=True)) == ["Sleep by eleven", "Step 1", "Step 2"]


def test_a_fourth_step_from_the_check_in_gets_a_clear_message(newcomer, newcomer_client, match):
    for n in range(3):
        services.step_create(member=newcomer, text=f"Step {n}")

    response = newcomer_client.post(
        checkin_url(match), {"connected": "yes", "new_step": "One more"}
    )

    assert response.status_code == 200
    assert "You can keep up to 3 steps at a time." in response.content.decode()
    assert not CheckIn.objects.exists()


def test_the_mentor_check_in_page_shows_the_newcomers_shared_steps_only(
    newcomer, mentor_client, match
):
    services.step_create(member=newcomer, text="Shared words", shared=True)
    services.step_create(member=newcomer, text="Private words")

    page = mentor_client.get(checkin_url(match)).content.decode()

    assert "Shared words" in page and "Ask about this step" in page
    assert "Private words" not in page


def test_deleting_the_account_deletes_the_steps_and_their_history(newcomer):
    from members.services import delete_account

    step = services.step_create(member=newcomer, text="Mine alone", shared=True)
    services.step_answer(member=newcomer, step_id=step.pk, answer="partly")

    delete_account(member=newcomer)

    assert not Step.objects.exists() and not StepAnswer.objects.exists()

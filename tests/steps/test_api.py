"""/api/v1/me/steps: the member's own steps over the API."""

import pytest
from django.urls import reverse

from matching.models import Match
from steps import services
from steps.models import StepAnswer
from tests.factories import ActiveMatchFactory, NewcomerFactory

pytestmark = pytest.mark.django_db

STEPS = reverse("api:v1:me-steps")


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def test_a_member_adds_lists_and_notes_a_step(newcomer_client):
    created = post(newcomer_client, STEPS, {"text": "Two meetings this week"})
    assert created.status_code == 201
    step = created.json()
    assert (step["text"], step["shared"], step["active"]) == ("Two meetings this week", False, True)

    answer = post(
        newcomer_client, reverse("api:v1:me-step-answers", args=[step["id"]]), {"answer": "partly"}
    )

    assert answer.status_code == 201
    listed = newcomer_client.get(STEPS).json()
    assert [row["answers"][0]["answer"] for row in listed] == ["partly"]


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "This field may not be blank."), ("a" * 500, "Please keep a step under 200 characters")],
)
def test_an_empty_or_too_long_step_is_a_400_on_text(newcomer_client, text, message):
    response = post(newcomer_client, STEPS, {"text": text})

    assert response.status_code == 400
    assert message in response.json()["error"]["fields"]["text"][0]


def test_a_fourth_step_is_a_400_with_a_clear_message(newcomer, newcomer_client):
    for n in range(3):
        services.step_create(member=newcomer, text=f"Step {n}")

    response = post(newcomer_client, STEPS, {"text": "Four"})

    assert response.status_code == 400
    assert "up to 3 steps" in response.json()["error"]["fields"]["text"][0]


def test_a_member_changes_shares_and_retires_a_step(newcomer, newcomer_client):
    step = services.step_create(member=newcomer, text="Old words")
    url = reverse("api:v1:me-step", args=[step.pk])

    changed = patch(newcomer_client, url, {"text": "New words", "shared": True}).json()
    assert (changed["text"], changed["shared"]) == ("New words", True)
    retired = patch(newcomer_client, url, {"retired": True}).json()

    assert retired["active"] is False and retired["shared"] is False
    assert newcomer_client.get(url).json()["retired_at"] is not None
    late = post(
        newcomer_client, reverse("api:v1:me-step-answers", args=[step.pk]), {"answer": "partly"}
    )
    assert late.status_code == 400


def test_another_members_step_is_a_404(newcomer_client):
    theirs = services.step_create(member=NewcomerFactory(), text="Theirs", shared=True)

    assert newcomer_client.get(reverse("api:v1:me-step", args=[theirs.pk])).status_code == 404
    assert (
        patch(
            newcomer_client, reverse("api:v1:me-step", args=[theirs.pk]), {"text": "x"}
        ).status_code
        == 404
    )
    assert (
        post(
            newcomer_client,
            reverse("api:v1:me-step-answers", args=[theirs.pk]),
            {"answer": "partly"},
        ).status_code
        == 404
    )
    assert not StepAnswer.objects.exists()


def test_the_mentors_match_answer_has_shared_steps_never_unshared_ones(
    newcomer, mentor, mentor_client
):
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    shared = services.step_create(member=newcomer, text="Shared words", shared=True)
    services.step_create(member=newcomer, text="Private words")

    peer = mentor_client.get(reverse("api:v1:match", args=[match.pk])).json()["peer"]
    assert peer["shared_steps"] == [{"id": shared.pk, "text": "Shared words"}]

    services.step_update(member=newcomer, step_id=shared.pk, shared=False)
    listed = mentor_client.get(reverse("api:v1:matches")).json()["results"]
    assert listed[0]["peer"]["shared_steps"] == []
    assert Match.objects.count() == 1

"""Matching pages through the test client: suggestions, request, inbox, accept, end."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import Block, Match, MatchState
from members.models import Language
from tests.clients import client_for
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    """A newcomer and a mentor who share a pathway and parenting."""
    newcomer = NewcomerFactory(
        display_name="Robin",
        contact_details="Robin's number",
        tags=[tag("pathway-12-step"), tag("life_situation-parenting"), tag("substance-opioids")],
    )
    mentor = MentorFactory(
        display_name="Casey",
        contact_details="Signal: casey",
        bio="Dad of two.",
        share_bio=True,
        tags=[tag("pathway-12-step"), tag("life_situation-parenting")],
    )
    return newcomer, mentor


def test_newcomer_sees_suggestions_with_plain_reasons(story):
    newcomer, mentor = story
    # No shared language: never suggested.
    MentorFactory(display_name="Zephyrine", languages=[Language.objects.get(code="es")])
    page = client_for(newcomer).get(reverse("matching:suggestions")).content.decode()
    assert "Casey" in page
    assert "You both follow a 12-step pathway" in page
    assert "You&#x27;re both parents" in page
    assert "Dad of two." in page
    assert "Zephyrine" not in page
    assert "Signal: casey" not in page, "contact details only after acceptance"


def test_request_accept_and_contact_reveal(story):
    newcomer, mentor = story
    newcomer_client, mentor_client = client_for(newcomer), client_for(mentor)

    response = newcomer_client.post(reverse("matching:request"), {"mentor": mentor.pk})
    assert response.url == reverse("matching:status")
    status_page = newcomer_client.get(reverse("matching:status")).content.decode()
    assert "Your request is with your peer" in status_page

    inbox = mentor_client.get(reverse("matching:inbox")).content.decode()
    assert "Robin" in inbox
    assert "You both follow a 12-step pathway" in inbox
    assert "Opioids" not in inbox, "the newcomer did not share substances"
    assert "Robin&#x27;s number" not in inbox

    match = Match.objects.get(newcomer=newcomer)
    mentor_client.post(reverse("matching:accept", args=[match.pk]))
    match.refresh_from_db()
    assert match.state == MatchState.ACTIVE

    status_page = newcomer_client.get(reverse("matching:status")).content.decode()
    assert "Signal: casey" in status_page
    assert mentor.user.email not in status_page, "the sign-in email has its own box"
    inbox = mentor_client.get(reverse("matching:inbox")).content.decode()
    assert "Robin&#x27;s number" in inbox


def test_double_click_on_request_makes_one_request(story):
    newcomer, mentor = story
    client = client_for(newcomer)
    client.post(reverse("matching:request"), {"mentor": mentor.pk})
    response = client.post(reverse("matching:request"), {"mentor": mentor.pk}, follow=True)
    assert Match.objects.filter(newcomer=newcomer).count() == 1
    assert response.status_code == 200


def test_ranked_choices_are_requested_in_order(story):
    newcomer, mentor = story
    second = MentorFactory()
    client = client_for(newcomer)
    client.post(reverse("matching:request"), {f"rank_{second.pk}": "2", f"rank_{mentor.pk}": "1"})
    match = Match.objects.get(newcomer=newcomer)
    assert match.mentor == mentor and match.next_choices == [second.pk]


def test_ranking_without_a_first_choice_is_refused_with_a_message(story):
    newcomer, mentor = story
    response = client_for(newcomer).post(
        reverse("matching:request"), {f"rank_{mentor.pk}": "2"}, follow=True
    )
    assert "Start your ranking with a 1st choice." in response.content.decode()
    assert not Match.objects.exists()


def test_mentor_declines_with_a_reason(story):
    newcomer, mentor = story
    client_for(newcomer).post(reverse("matching:request"), {"mentor": mentor.pk})
    match = Match.objects.get(newcomer=newcomer)
    mentor_client = client_for(mentor)
    response = mentor_client.post(reverse("matching:decline", args=[match.pk]), {}, follow=True)
    assert "Choose a reason" in response.content.decode()
    mentor_client.post(reverse("matching:decline", args=[match.pk]), {"reason": "availability"})
    match.refresh_from_db()
    assert match.state == MatchState.DECLINED and match.decline_reason == "availability"


def test_another_mentor_gets_404_for_someone_elses_request(story):
    newcomer, mentor = story
    client_for(newcomer).post(reverse("matching:request"), {"mentor": mentor.pk})
    match = Match.objects.get(newcomer=newcomer)
    stranger = client_for(MentorFactory())
    assert stranger.post(reverse("matching:accept", args=[match.pk])).status_code == 404
    assert (
        stranger.post(reverse("matching:decline", args=[match.pk]), {"reason": "other"}).status_code
        == 404
    )
    assert (
        stranger.post(reverse("matching:end", args=[match.pk]), {"reason": "x"}).status_code == 404
    )
    match.refresh_from_db()
    assert match.state == MatchState.AWAITING_MENTOR


def test_newcomer_ends_a_match_and_is_offered_new_suggestions(story):
    newcomer, mentor = story
    client = client_for(newcomer)
    client.post(reverse("matching:request"), {"mentor": mentor.pk})
    match = Match.objects.get(newcomer=newcomer)
    client_for(mentor).post(reverse("matching:accept", args=[match.pk]))
    response = client.post(reverse("matching:end", args=[match.pk]), {"reason": "Moved city"})
    assert response.url == reverse("matching:suggestions")
    match.refresh_from_db()
    assert match.state == MatchState.ENDED and match.ended_by == "newcomer"


def test_mentor_pages_are_not_for_newcomers(story):
    newcomer, _ = story
    assert client_for(newcomer).get(reverse("matching:inbox")).status_code == 404


def test_suggestions_page_runs_a_fixed_number_of_queries(story, django_assert_max_num_queries):
    # Without a stored list (tests/matching/test_stored_suggestions.py has the stored
    # path), the page computes the suggestions on the spot, in as many queries.
    newcomer, _ = story
    client = client_for(newcomer)
    client.get(reverse("matching:suggestions"))
    for _ in range(10):
        MentorFactory(tags=[tag("pathway-12-step")])
    with django_assert_max_num_queries(27):
        response = client.get(reverse("matching:suggestions"))
    assert response.status_code == 200


def test_a_request_succeeds_while_the_broker_is_down_and_its_email_is_sent_later(
    story, monkeypatch, unreachable_broker, django_capture_on_commit_callbacks
):
    from django.core import mail

    from matching.models import MatchNotification
    from matching.tasks import send_pending_notifications
    from peerlink.celery import app as celery_app

    newcomer, mentor = story
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(newcomer).post(reverse("matching:request"), {"mentor": mentor.pk})
    assert response.status_code == 302 and response.url == reverse("matching:status")
    notification = MatchNotification.objects.get(match__newcomer=newcomer, event="requested")
    assert notification.sent_at is None and mail.outbox == []

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    MatchNotification.objects.filter(pk=notification.pk).update(
        created_at=notification.created_at - datetime.timedelta(minutes=5)
    )
    assert send_pending_notifications() == 1
    assert [m.to for m in mail.outbox] == [[mentor.user.email]]


def test_a_mentor_with_room_left_is_still_suggested_and_a_full_one_is_not(story):
    newcomer, mentor = story
    mentor.capacity = 2
    mentor.save()
    first = NewcomerFactory(tags=[tag("pathway-12-step")])
    Match.objects.create(newcomer=first, mentor=mentor, state=MatchState.ACTIVE, score=0.5)
    suggestions = client_for(newcomer).get(reverse("matching:suggestions")).content.decode()
    assert "Casey" in suggestions, "one of two places is still free"

    second = NewcomerFactory(tags=[tag("pathway-12-step")])
    Match.objects.create(newcomer=second, mentor=mentor, state=MatchState.ACTIVE, score=0.5)
    suggestions = client_for(newcomer).get(reverse("matching:suggestions")).content.decode()
    assert "Casey" not in suggestions, "both places are taken"


NOT_AVAILABLE = "That peer is not available. Choose someone from your suggestions."


def refusal_for(newcomer, data) -> str:
    """Return the whole page a newcomer lands on after a refused request."""
    response = client_for(newcomer).post(reverse("matching:request"), data, follow=True)
    assert response.status_code == 200
    assert not Match.objects.filter(newcomer=newcomer).exists()
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("field", ["mentor", "rank"])
def test_a_refused_request_says_nothing_about_why(story, field):
    """Gender, recovery date, pause, language, blocks: one answer for all, and for nobody."""
    newcomer, suitable = story
    newcomer.preferred_mentor_genders = ["woman"]
    newcomer.save()
    suitable.gender = "woman"
    suitable.save()
    today = timezone.localdate()
    unsuitable = {
        "gender": MentorFactory(gender="man"),
        "gender not given": MentorFactory(gender=""),
        "not far enough ahead": MentorFactory(
            gender="woman", recovery_start_date=today - datetime.timedelta(days=60)
        ),
        "paused": MentorFactory(gender="woman", is_paused=True),
        "not vetted": MentorFactory(gender="woman", vetting_status="pending"),
        "no common language": MentorFactory(
            gender="woman", languages=[Language.objects.get(code="es")]
        ),
        "full": ActiveMatchFactory(mentor=MentorFactory(gender="woman", capacity=1)).mentor,
        "not onboarded": MentorFactory(gender="woman", onboarded_at=None),
        "a newcomer": NewcomerFactory(),
        "themselves": newcomer,
    }
    blocked = MentorFactory(gender="woman")
    Block.objects.create(blocker=blocked, blocked=newcomer)
    unsuitable["blocked"] = blocked
    ids = {reason: member.pk for reason, member in unsuitable.items()}
    ids["no such member"] = 987654321

    for reason, member_id in ids.items():
        if field == "mentor":
            data = {"mentor": member_id}
        else:  # a suitable first choice does not carry an unsuitable second one through
            data = {f"rank_{suitable.pk}": "1", f"rank_{member_id}": "2"}
        assert refusal_for(newcomer, data) == [NOT_AVAILABLE], reason


@pytest.mark.parametrize(
    "data",
    [
        {"mentor": "9" * 30},
        {"mentor": "-3"},
        {"mentor": "seven"},
        {"mentor": ""},
        {"rank_" + "9" * 30: "1"},
    ],
)
def test_an_id_that_is_not_a_member_id_gets_a_clear_message(story, data):
    newcomer, _ = story
    assert refusal_for(newcomer, data) == [NOT_AVAILABLE]


def test_a_huge_id_as_a_second_choice_gets_a_clear_message(story):
    newcomer, mentor = story
    data = {f"rank_{mentor.pk}": "1", "rank_" + "9" * 30: "2"}
    assert refusal_for(newcomer, data) == [NOT_AVAILABLE]

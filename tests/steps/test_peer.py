"""What the other side sees of a member's steps and recovery goal.

A step's words reach the peer of an active match only when the member ticked it
shared, and stop at once when they untick it; the recovery goal goes with a
request and a match only when its box is ticked. Nobody else sees either.
"""

import pytest
from django.core import mail
from django.urls import reverse

from matching import services as matching_services
from matching.models import EndedBy, Match
from members.models import RecoveryGoal
from members.visibility import peer_view
from steps import services
from tests.clients import client_for
from tests.factories import MentorFactory, NewcomerFactory, tag

pytestmark = pytest.mark.django_db

SHARED = "Call my peer before Friday evenings"
PRIVATE = "No drinks on weeknights"
GOAL = "Reducing harm (using less, or more safely)"


@pytest.fixture
def harm_reduction_newcomer():
    newcomer = NewcomerFactory(
        display_name="Robin", recovery_goal=RecoveryGoal.REDUCING_HARM, tags=[tag("pathway-12")]
    )
    services.step_create(member=newcomer, text=SHARED, shared=True)
    services.step_create(member=newcomer, text=PRIVATE)
    return newcomer


@pytest.fixture
def casey():
    return MentorFactory(display_name="Casey", tags=[tag("pathway-12")])


def request_match(newcomer, mentor) -> Match:
    return matching_services.match_request(
        newcomer=newcomer, mentor_ids=[mentor.pk], user=newcomer.user
    )


def everything_the_mentor_reads(mentor, match) -> str:
    client = client_for(mentor)
    pages = [
        client.get(reverse("matching:inbox")),
        client.get(reverse("messaging:conversation", args=[match.pk])),
        client.get(reverse("checkins:new", args=[match.pk])),
        client.get(reverse("api:v1:matches")),
        client.get(reverse("api:v1:match", args=[match.pk])),
    ]
    emails = [email.subject + email.body for email in mail.outbox if mentor.user.email in email.to]
    return "\n".join([*(page.content.decode() for page in pages), *emails])


def test_the_peer_of_an_active_match_sees_only_the_shared_step(harm_reduction_newcomer, casey):
    match = request_match(harm_reduction_newcomer, casey)
    assert SHARED not in everything_the_mentor_reads(casey, match), "not while requested"

    matching_services.match_accept(match_id=match.pk, mentor=casey)
    read = everything_the_mentor_reads(casey, match)

    assert read.count(SHARED) >= 5, "inbox, conversation, check-in page and both API answers"
    assert PRIVATE not in read


def test_unsharing_a_step_hides_it_from_the_peer_at_once(harm_reduction_newcomer, casey):
    match = request_match(harm_reduction_newcomer, casey)
    matching_services.match_accept(match_id=match.pk, mentor=casey)
    step = harm_reduction_newcomer.steps.get(text=SHARED)

    client_for(harm_reduction_newcomer).post(reverse("steps:share", args=[step.pk]))

    assert SHARED not in everything_the_mentor_reads(casey, match)


def test_a_retired_step_is_no_longer_shown(harm_reduction_newcomer, casey):
    match = request_match(harm_reduction_newcomer, casey)
    matching_services.match_accept(match_id=match.pk, mentor=casey)
    step = harm_reduction_newcomer.steps.get(text=SHARED)

    services.step_retire(member=harm_reduction_newcomer, step_id=step.pk)

    assert SHARED not in everything_the_mentor_reads(casey, match)


def test_once_the_match_ends_the_peer_no_longer_sees_shared_steps(harm_reduction_newcomer, casey):
    match = request_match(harm_reduction_newcomer, casey)
    matching_services.match_accept(match_id=match.pk, mentor=casey)
    matching_services.match_end(
        match_id=match.pk, ended_by=EndedBy.MENTOR, member=casey, reason="Moving on"
    )

    assert SHARED not in everything_the_mentor_reads(casey, match)
    assert peer_view(harm_reduction_newcomer, viewer=casey, match=match).shared_steps == []


def test_a_stranger_sees_no_step_of_anyone(harm_reduction_newcomer, casey):
    match = request_match(harm_reduction_newcomer, casey)
    matching_services.match_accept(match_id=match.pk, mentor=casey)
    stranger = MentorFactory()

    assert peer_view(harm_reduction_newcomer, viewer=stranger, match=match).shared_steps == []
    assert peer_view(harm_reduction_newcomer, viewer=stranger).shared_steps == []
    client = client_for(stranger)
    for url in (reverse("matching:inbox"), reverse("api:v1:matches"), reverse("steps:mine")):
        assert SHARED not in client.get(url).content.decode()


def test_ask_about_this_step_fills_the_message_box(harm_reduction_newcomer, casey):
    match = request_match(harm_reduction_newcomer, casey)
    matching_services.match_accept(match_id=match.pk, mentor=casey)
    step = harm_reduction_newcomer.steps.get(text=SHARED)
    private = harm_reduction_newcomer.steps.get(text=PRIVATE)
    url = reverse("messaging:conversation", args=[match.pk])

    page = client_for(casey).get(url, {"ask": step.pk}).content.decode()
    private_page = client_for(casey).get(url, {"ask": private.pk}).content.decode()

    assert "Ask about this step" in page
    assert f"How is it going with “{SHARED}”?</textarea>" in page
    assert PRIVATE not in private_page


def test_an_unticked_recovery_goal_reaches_the_mentor_nowhere(harm_reduction_newcomer, casey):
    match = request_match(harm_reduction_newcomer, casey)
    assert GOAL not in everything_the_mentor_reads(casey, match)
    assert "Recovery goal" not in everything_the_mentor_reads(casey, match)

    matching_services.match_accept(match_id=match.pk, mentor=casey)

    assert GOAL not in everything_the_mentor_reads(casey, match)
    assert (
        client_for(casey)
        .get(reverse("api:v1:match", args=[match.pk]))
        .json()["peer"]["recovery_goal"]
        == ""
    )


def test_a_ticked_recovery_goal_goes_with_the_request_and_the_match_not_suggestions(
    harm_reduction_newcomer, casey
):
    harm_reduction_newcomer.share_recovery_goal = True
    harm_reduction_newcomer.save()
    assert peer_view(harm_reduction_newcomer, viewer=casey).recovery_goal == ""

    match = request_match(harm_reduction_newcomer, casey)
    assert GOAL in client_for(casey).get(reverse("matching:inbox")).content.decode()

    matching_services.match_accept(match_id=match.pk, mentor=casey)
    read = everything_the_mentor_reads(casey, match)
    assert GOAL in read
    assert (
        client_for(casey)
        .get(reverse("api:v1:match", args=[match.pk]))
        .json()["peer"]["recovery_goal"]
        == GOAL
    )


def test_the_recovery_goal_box_is_on_the_sharing_form_off_by_default_and_recorded(
    newcomer, newcomer_client
):
    from members.models import ConsentRecord, Member
    from tests.members.test_consent import SHARING, sharing_post

    form = newcomer_client.get(SHARING).content.decode()
    assert 'name="share_recovery_goal"' in form
    assert newcomer.share_recovery_goal is False

    newcomer_client.post(SHARING, sharing_post(newcomer))
    newcomer_client.post(SHARING, sharing_post(newcomer, share_recovery_goal=True))

    assert Member.objects.get(pk=newcomer.pk).share_recovery_goal is True
    goal = ConsentRecord.objects.filter(member=newcomer, category="share_recovery_goal")
    assert list(goal.values_list("granted", flat=True)) == [False, True]


def test_sharing_a_step_with_an_active_peer_shows_in_the_members_accounting(newcomer, mentor):
    from audit.models import Disclosure
    from audit.selectors import accounting_for
    from tests.factories import ActiveMatchFactory

    ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    step = services.step_create(member=newcomer, text="Private for now")
    assert not Disclosure.objects.filter(category="share_step").exists()

    services.step_update(member=newcomer, step_id=step.pk, shared=True)

    shared = Disclosure.objects.get(category="share_step")
    assert (shared.member_id, shared.viewer_member_id) == (newcomer.pk, mentor.pk)
    assert "Steps you shared" in str(accounting_for(newcomer))

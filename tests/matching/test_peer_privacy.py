"""What each matching page and email shows of the other member, seen from the other side.

A member who unticks "Your display name" is never named to their peer; the
sign-in email reaches a peer only with its own box ticked, after acceptance.
"""

import pytest
from django.core import mail
from django.urls import reverse

from matching import services
from matching.models import Match, MatchState
from matching.notifications import EVENTS, send_match_email
from tests.clients import client_for
from tests.factories import MentorFactory, NewcomerFactory, tag

pytestmark = pytest.mark.django_db

HIDDEN_NEWCOMER = "Quillon"
HIDDEN_MENTOR = "Zebedee"


def page(client, name: str) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def hidden_newcomer():
    return NewcomerFactory(
        display_name=HIDDEN_NEWCOMER,
        share_display_name=False,
        user__email="quillon.private@example.org",
        tags=[tag("pathway-12-step")],
    )


@pytest.fixture
def hidden_mentor():
    return MentorFactory(
        display_name=HIDDEN_MENTOR,
        share_display_name=False,
        user__email="zebedee.private@example.org",
        tags=[tag("pathway-12-step")],
    )


def request(newcomer, mentor) -> Match:
    return services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)


def test_mentor_inbox_never_names_a_newcomer_who_hides_their_name(hidden_newcomer, mentor):
    match = request(hidden_newcomer, mentor)
    inbox = page(client_for(mentor), "matching:inbox")
    assert "A peer" in inbox and "Accept" in inbox
    assert HIDDEN_NEWCOMER not in inbox

    services.match_accept(match_id=match.pk, mentor=mentor)
    inbox = page(client_for(mentor), "matching:inbox")
    assert HIDDEN_NEWCOMER not in inbox
    assert hidden_newcomer.user.email not in inbox


def test_newcomer_never_sees_the_name_of_a_mentor_who_hides_it(newcomer, hidden_mentor):
    newcomer_client = client_for(newcomer)
    suggestions = page(newcomer_client, "matching:suggestions")
    assert "Ask A peer" in suggestions
    assert HIDDEN_MENTOR not in suggestions

    match = request(newcomer, hidden_mentor)
    status = page(newcomer_client, "matching:status")
    assert "Your request is with your peer" in status
    assert HIDDEN_MENTOR not in status

    services.match_accept(match_id=match.pk, mentor=hidden_mentor)
    status = page(newcomer_client, "matching:status")
    assert "You are matched with your peer" in status
    assert HIDDEN_MENTOR not in status

    services.match_end(match_id=match.pk, ended_by="newcomer", member=newcomer, reason="Moving on")
    status = page(newcomer_client, "matching:status")
    assert "Earlier" in status
    assert HIDDEN_MENTOR not in status


def test_a_shared_name_is_shown_in_every_heading(newcomer, mentor):
    match = request(newcomer, mentor)
    assert "Bob" in page(client_for(newcomer), "matching:status")
    assert "Alice" in page(client_for(mentor), "matching:inbox")
    services.match_accept(match_id=match.pk, mentor=mentor)
    assert "You are matched with Bob" in page(client_for(newcomer), "matching:status")


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_match_emails_never_name_a_peer_who_hides_their_name(event, hidden_newcomer, hidden_mentor):
    match = request(hidden_newcomer, hidden_mentor)
    send_match_email(match_id=match.pk, event=event)
    (email,) = mail.outbox
    text = email.subject + email.body
    assert HIDDEN_NEWCOMER not in text or email.to == [hidden_newcomer.user.email]
    assert HIDDEN_MENTOR not in text or email.to == [hidden_mentor.user.email]
    assert hidden_newcomer.user.email not in email.body
    assert hidden_mentor.user.email not in email.body


def test_sharing_contact_with_no_details_does_not_reveal_the_sign_in_email(newcomer):
    mentor = MentorFactory(
        share_contact=True, contact_details="", user__email="casey.private@example.org"
    )
    newcomer.share_contact = True
    newcomer.contact_details = ""
    newcomer.save()
    match = request(newcomer, mentor)
    services.match_accept(match_id=match.pk, mentor=mentor)
    assert Match.objects.get(pk=match.pk).state == MatchState.ACTIVE

    assert "casey.private@example.org" not in page(client_for(newcomer), "matching:status")
    assert "alice@example.org" not in page(client_for(mentor), "matching:inbox")


def test_the_sign_in_email_is_shown_to_the_peer_only_when_ticked_and_only_after_acceptance(
    newcomer,
):
    mentor = MentorFactory(share_email=True, user__email="casey.open@example.org")
    newcomer.share_email = True
    newcomer.save()
    newcomer_client, mentor_client = client_for(newcomer), client_for(mentor)
    assert "casey.open@example.org" not in page(newcomer_client, "matching:suggestions")

    match = request(newcomer, mentor)
    assert "casey.open@example.org" not in page(newcomer_client, "matching:status")
    assert "alice@example.org" not in page(mentor_client, "matching:inbox")

    services.match_accept(match_id=match.pk, mentor=mentor)
    assert "casey.open@example.org" in page(newcomer_client, "matching:status")
    assert "alice@example.org" in page(mentor_client, "matching:inbox")


def test_the_mentor_is_told_only_what_they_have_in_common_that_the_newcomer_shares(mentor):
    newcomer = NewcomerFactory(
        share_pathways=False,
        share_life_situation=True,
        tags=[tag("pathway-12-step"), tag("life_situation-parenting")],
    )
    mentor.tags.set([tag("pathway-12-step"), tag("life_situation-parenting")])
    request(newcomer, mentor)
    inbox = page(client_for(mentor), "matching:inbox")
    assert "You&#x27;re both parents" in inbox
    assert "12-step" not in inbox


def test_reasons_on_the_request_page_drop_what_the_mentor_stops_sharing(newcomer, mentor):
    newcomer.tags.set([tag("pathway-12-step")])
    mentor.tags.set([tag("pathway-12-step")])
    request(newcomer, mentor)
    newcomer_client = client_for(newcomer)
    assert "You both follow a 12-step pathway" in page(newcomer_client, "matching:status")

    mentor.share_pathways = False
    mentor.save()
    status = page(newcomer_client, "matching:status")
    assert "Your request is with your peer" in status
    assert "12-step" not in status


def test_each_peer_card_names_the_peer_once_in_its_heading(hidden_newcomer, mentor, newcomer):
    request(hidden_newcomer, mentor)
    active = request(newcomer, MentorFactory(display_name="Robin"))
    services.match_accept(match_id=active.pk, mentor=active.mentor)

    inbox = page(client_for(mentor), "matching:inbox")
    assert "<h2>A peer</h2>" in inbox
    assert "<dt>Name</dt>" not in inbox

    status = page(client_for(newcomer), "matching:status")
    assert "<h2>Robin</h2>" in status
    assert "<dt>Name</dt>" not in status

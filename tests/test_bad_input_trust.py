"""Bad input to the trust features: forged, replayed and malformed forms.

Each gets a clear answer or a 404, changes nothing it should not, and never a 500.
Block or report aimed at someone never a peer is in tests/safety/test_block_and_report.py,
a replayed block too; a replayed sharing form in tests/members/test_consent.py (sharing
choices are posted as boxes, never as consent record ids, so no form or address
carries an id of a consent record that could go stale); a help-now press while held
in tests/safety/.
"""

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from checkins.models import CheckIn
from matching.models import Block, MatchState, Report
from members.models import ConsentRecord, Member
from safety.models import HelpRequest
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    match = ActiveMatchFactory(
        newcomer=NewcomerFactory(display_name="Robin"), mentor=MentorFactory(display_name="Casey")
    )
    return match.newcomer, match.mentor, match


def browser(member, *, enforce_csrf_checks=False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(member.user)
    return client


def nothing_written(match) -> bool:
    match.refresh_from_db()
    return (
        match.state == MatchState.ACTIVE
        and not Block.objects.exists()
        and not Report.objects.exists()
        and not CheckIn.objects.exists()
        and not HelpRequest.objects.exists()
        and not ConsentRecord.objects.exists()
        and not Member.objects.filter(held_for_review=True).exists()
    )


FORGED = {
    "block": lambda n, m, match: (
        reverse("safety:block", args=[m.pk]),
        {"confirm": "yes", "reason": "x"},
    ),
    "report": lambda n, m, match: (reverse("safety:report", args=[m.pk]), {"text": "x"}),
    "check-in": lambda n, m, match: (
        reverse("checkins:new", args=[match.pk]),
        {"connected": "yes", "concern": "on", "note": "x"},
    ),
    "end the match": lambda n, m, match: (
        reverse("matching:end", args=[match.pk]),
        {"reason": "x"},
    ),
    "help now": lambda n, m, match: (reverse("safety:help_now"), {"may_contact": "yes"}),
    "sharing": lambda n, m, match: (
        reverse("members:profile_edit", args=["sharing"]),
        {"share_email": "on", "contact_details": "x"},
    ),
}


@pytest.mark.parametrize("form", FORGED)
def test_a_forged_form_without_a_csrf_token_is_refused_with_the_crisis_lines(pair, form):
    newcomer, mentor, match = pair
    path, data = FORGED[form](newcomer, mentor, match)

    response = browser(newcomer, enforce_csrf_checks=True).post(path, data)

    assert response.status_code == 403
    page = response.content.decode()
    assert "That form could not be sent" in page
    for resource in settings.PEERLINK_CRISIS_RESOURCES:
        assert resource["href"] in page
    assert nothing_written(match)
    assert mail.outbox == []


def test_a_replayed_report_reaches_staff_once(pair, staff_user, django_capture_on_commit_callbacks):
    newcomer, mentor, match = pair
    client = browser(newcomer)
    path = reverse("safety:report", args=[mentor.pk])

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(path, {"text": "Asked me for money"})
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(path, {"text": "Asked me for money"}, follow=True)

    assert first.status_code == 302 and again.status_code == 200
    assert "Our staff will look at this soon" in again.content.decode()
    assert Report.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_new_report_about_the_same_peer_still_reaches_staff(
    pair, staff_user, django_capture_on_commit_callbacks
):
    newcomer, mentor, match = pair
    client = browser(newcomer)
    path = reverse("safety:report", args=[mentor.pk])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(path, {"text": "Asked me for money"})
        client.post(path, {"text": "And again today"})

    assert Report.objects.count() == 2
    assert len(mail.outbox) == 2


def test_a_replayed_help_now_press_changes_nothing(
    newcomer, newcomer_client, staff_user, django_capture_on_commit_callbacks
):
    data = {"may_contact": "yes", "how_to_contact": "text me"}
    with django_capture_on_commit_callbacks(execute=True):
        newcomer_client.post(reverse("safety:help_now"), data)
    first = HelpRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        again = newcomer_client.post(reverse("safety:help_now"), data)

    assert again.status_code == 302
    assert list(HelpRequest.objects.values_list("pk", "may_contact", "how_to_contact")) == [
        (first.pk, True, "text me")
    ]
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "data", [{"may_contact": "maybe"}, {"may_contact": ["yes", "no"], "how_to_contact": "x" * 201}]
)
def test_a_malformed_help_now_form_gets_a_message_and_holds_nobody(newcomer, newcomer_client, data):
    response = newcomer_client.post(reverse("safety:help_now"), data)

    assert response.status_code == 200
    assert response.context["form"].errors
    newcomer.refresh_from_db()
    assert not newcomer.held_for_review and not HelpRequest.objects.exists()


def test_an_overlong_block_reason_gets_a_message_and_blocks_nobody(pair):
    newcomer, mentor, match = pair

    response = browser(newcomer).post(
        reverse("safety:block", args=[mentor.pk]), {"confirm": "yes", "reason": "x" * 301}
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert nothing_written(match)


def test_a_check_in_on_a_match_that_is_not_theirs_is_a_404(pair):
    newcomer, mentor, match = pair
    stranger = NewcomerFactory()

    response = browser(stranger).post(
        reverse("checkins:new", args=[match.pk]), {"connected": "yes", "note": "x"}
    )

    assert response.status_code == 404
    assert nothing_written(match)

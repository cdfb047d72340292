"""'Delete my account': one more question, then the member's data is removed or anonymised."""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from checkins.models import CheckIn, Connected, Reminder, ReminderState
from matching.models import Block, Match, MatchOrigin, MatchState, Report
from matching.selectors import newcomers_to_match, suggestions_for
from matching.services import NEUTRAL_END_REASON, match_reassign
from members import services
from members.models import ConsentRecord, Member, User
from safety.models import HelpRequest, HoldReason
from tests.conftest import PASSWORD
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, tag
from tests.second_factor import sign_in, signed_in_user_id, with_verified_email

pytestmark = pytest.mark.django_db

DELETE = reverse("members:delete")


def populated_newcomer():
    """A newcomer with an active match, a check-in, a report, a block and a hold."""
    newcomer = NewcomerFactory(
        user__email="casey.marker@example.org",
        display_name="Casey",
        pronouns="they/them",
        bio="Two years of trying",
        contact_details="+1 555 0100",
        tags=[tag("pathway-12-step"), tag("substance-opioids")],
        share_bio=True,
    )
    EmailAddress.objects.create(
        user=newcomer.user, email=newcomer.user.email, verified=True, primary=True
    )
    ConsentRecord.objects.create(
        member=newcomer, category="share_bio", granted=True, source="profile"
    )
    match = ActiveMatchFactory(newcomer=newcomer, reasons=["You're both in 12-step"])
    CheckIn.objects.create(
        match=match, author=newcomer, connected=Connected.YES, note="Talked about relapse"
    )
    Reminder.objects.create(
        match=match, recipient=newcomer, slot=1, due_at=match.decided_at, state=ReminderState.DUE
    )
    other = MentorFactory(display_name="Dana")
    Block.objects.create(blocker=newcomer, blocked=other, reason="Dana was rude")
    Report.objects.create(reporter=newcomer, reported=other, text="Dana asked for money")
    HelpRequest.objects.create(
        member=newcomer, reason=HoldReason.HELP_NOW, may_contact=True, how_to_contact="Text me"
    )
    return newcomer, match


def signed_in(member) -> Client:
    """Sign in through the sign-in form, as the member would."""
    client = Client()
    with_verified_email(member.user)
    sign_in(client, member.user.email)
    assert signed_in_user_id(client) == str(member.user_id)
    return client


def test_profile_offers_download_and_delete(newcomer_client):
    page = newcomer_client.get(reverse("members:profile")).content.decode()
    assert "Your data" in page
    assert reverse("members:export") in page and reverse("members:delete") in page


def test_confirmation_page_explains_what_happens_and_asks_for_the_password(newcomer_client):
    response = newcomer_client.get(DELETE)
    page = response.content.decode()
    assert response.status_code == 200
    assert "told only that the match ended" in page
    assert "cannot be undone" in page
    assert 'type="password"' in page
    assert Member.objects.get().deleted_at is None, "showing the page deletes nothing"


def test_a_wrong_password_deletes_nothing():
    newcomer, match = populated_newcomer()
    client = signed_in(newcomer)

    response = client.post(DELETE, {"password": "not my password"})

    assert response.status_code == 200
    assert "password" in response.content.decode().lower()
    newcomer.refresh_from_db()
    assert newcomer.deleted_at is None and newcomer.display_name == "Casey"
    assert Match.objects.get(pk=match.pk).state == MatchState.ACTIVE


def test_deleting_ends_the_match_tells_the_peer_without_detail_and_signs_out(
    django_capture_on_commit_callbacks,
):
    newcomer, match = populated_newcomer()
    client = signed_in(newcomer)
    other_session = signed_in(newcomer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELETE, {"password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("members:goodbye")
    page = response.content.decode()
    assert "Your account is deleted" in page
    assert "988" in page, "the goodbye page shows the crisis resources"

    match.refresh_from_db()
    assert match.state == MatchState.ENDED and match.end_reason == NEUTRAL_END_REASON
    assert match.reasons == []
    assert [message.to for message in mail.outbox] == [[match.mentor.user.email]]
    email = mail.outbox[0].subject + mail.outbox[0].body
    assert "ended" in email
    for private in ["Casey", "casey.marker", "relapse", "opioid"]:
        assert private not in email

    for signed_in_client in (client, other_session):
        assert signed_in_client.get(reverse("members:profile")).status_code == 302
    again = Client()
    sign_in(again, "casey.marker@example.org")
    assert signed_in_user_id(again) is None


def test_nothing_left_names_the_member():
    newcomer, match = populated_newcomer()
    user_id = newcomer.user_id
    staff = User.objects.create_user("staff@example.org", is_staff=True)
    LogEntry.objects.log_actions(
        user_id=staff.pk, queryset=[newcomer], action_flag=CHANGE, change_message="Changed bio."
    )

    assert services.delete_account(member=newcomer) is True

    member = Member.objects.get(pk=newcomer.pk)
    user = User.objects.get(pk=user_id)
    assert member.deleted_at is not None
    assert member.display_name == "Deleted member"
    assert (member.pronouns, member.bio, member.contact_details) == ("", "", "")
    assert not member.tags.exists() and not member.languages.exists()
    assert member.availability == [] and member.share_display_name is False
    assert user.email == f"deleted-{user_id}@invalid"
    assert not user.has_usable_password() and not user.is_active
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Session.objects.exists() or all(
        session.get_decoded().get("_auth_user_id") != str(user_id)
        for session in Session.objects.all()
    )
    assert CheckIn.objects.get().note == "[removed]"
    assert Report.objects.get().text == "[removed]"
    assert Block.objects.get().reason == "[removed]"
    assert HelpRequest.objects.get().how_to_contact == ""
    assert Reminder.objects.get().state == ReminderState.SKIPPED
    # Consent history keeps only ids, categories, flags and times.
    assert ConsentRecord.objects.filter(member=member).exists()
    log = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Member))
    assert "Casey" not in log.object_repr

    everything = " ".join(
        str(row)
        for model in (Member, User, Match, CheckIn, Report, Block, HelpRequest, LogEntry)
        for row in model.objects.values()
    )
    for private in ["Casey", "casey.marker", "relapse", "+1 555 0100", "Text me", "12-step"]:
        assert private not in everything


def test_a_mentor_who_leaves_hands_the_open_request_on_and_is_never_suggested():
    mentor = MentorFactory(display_name="Robin")
    newcomer = NewcomerFactory()
    request = Match.objects.create(
        newcomer=newcomer,
        mentor=mentor,
        state=MatchState.AWAITING_MENTOR,
        origin=MatchOrigin.REQUEST,
        score=0.5,
    )
    assert mentor.pk in [s.mentor.pk for s in suggestions_for(NewcomerFactory())]

    services.delete_account(member=mentor)

    request.refresh_from_db()
    # Read by the newcomer as any decline, never as a withdrawal they did not make.
    assert request.state == MatchState.DECLINED
    assert mentor.pk not in [s.mentor.pk for s in suggestions_for(NewcomerFactory())]
    assert newcomer in newcomers_to_match(), "the newcomer can be matched again"


def test_a_newcomer_who_leaves_withdraws_their_open_request():
    newcomer = NewcomerFactory()
    request = Match.objects.create(
        newcomer=newcomer,
        mentor=MentorFactory(),
        state=MatchState.AWAITING_MENTOR,
        origin=MatchOrigin.REQUEST,
        score=0.5,
    )

    services.delete_account(member=newcomer)

    request.refresh_from_db()
    assert request.state == MatchState.WITHDRAWN
    assert newcomer not in newcomers_to_match()


def test_a_second_delete_changes_nothing_and_says_so(django_capture_on_commit_callbacks):
    newcomer, match = populated_newcomer()
    client = signed_in(newcomer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(DELETE, {"password": PASSWORD})
    first = Member.objects.filter(pk=newcomer.pk).values().get()
    sent = len(mail.outbox)

    assert services.delete_account(member=newcomer) is False
    replay = client.post(DELETE, {"password": PASSWORD})

    assert replay.status_code == 302 and reverse("account_login") in replay["Location"]
    assert Member.objects.filter(pk=newcomer.pk).values().get() == first
    assert len(mail.outbox) == sent


def test_a_forged_post_for_another_account_changes_nothing(newcomer_client, newcomer, mentor):
    newcomer_client.post(
        DELETE,
        {"password": PASSWORD, "member": mentor.pk, "member_id": mentor.pk, "user": mentor.user_id},
    )

    mentor.refresh_from_db()
    assert mentor.deleted_at is None and mentor.display_name == "Bob"
    assert Member.objects.get(pk=newcomer.pk).deleted_at is not None, (
        "an id in the form is ignored: only the signed-in account can be deleted"
    )


def test_a_post_without_csrf_token_is_refused(newcomer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(newcomer.user)

    response = client.post(DELETE, {"password": PASSWORD})

    assert response.status_code == 403
    assert "988" in response.content.decode()
    assert Member.objects.get(pk=newcomer.pk).deleted_at is None


def test_a_signed_out_visitor_is_sent_to_sign_in(client, newcomer):
    response = client.post(DELETE, {"password": PASSWORD})
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert Member.objects.get(pk=newcomer.pk).deleted_at is None


def test_a_mentor_staff_reassigned_a_request_to_is_not_named_after_they_leave():
    staff = User.objects.create_user("staff@example.org", is_staff=True)
    first, robin = MentorFactory(), MentorFactory(display_name="Robin Quillfeather")
    request = Match.objects.create(
        newcomer=NewcomerFactory(),
        mentor=first,
        state=MatchState.AWAITING_MENTOR,
        origin=MatchOrigin.REQUEST,
        score=0.5,
    )
    match_reassign(match_id=request.pk, mentor=robin, staff_user=staff)

    services.delete_account(member=robin)

    stored = " ".join(str(row) for row in Match.objects.values())
    assert "Quillfeather" not in stored


@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cached_db")
def test_deleting_removes_the_sessions_from_the_shared_cache_too(
    django_capture_on_commit_callbacks,
):
    """With sessions read from the cache (a shared cache is configured), a deleted
    member's other sessions leave the cache as well as the database."""
    newcomer, _ = populated_newcomer()
    client = signed_in(newcomer)
    other_session = signed_in(newcomer)
    other_key = other_session.cookies[settings.SESSION_COOKIE_NAME].value
    assert cached_db.SessionStore(session_key=other_key).load().get("_auth_user_id")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(DELETE, {"password": PASSWORD})

    assert cached_db.SessionStore(session_key=other_key).load() == {}
    assert other_session.get(reverse("members:profile")).status_code == 302

"""Block and report: a member blocks or reports a peer; staff see reports and act."""

import pytest
from django.core import mail
from django.urls import reverse

from matching import batch, selectors, services
from matching.models import Block, EndedBy, MatchState, Report, ReportStatus
from safety import services as safety_services
from tests.audit_helpers import open_record
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory
from tests.matching.test_views import client_for

pytestmark = pytest.mark.django_db


def active_pair():
    newcomer = NewcomerFactory(display_name="Robin")
    mentor = MentorFactory(display_name="Casey")
    match = ActiveMatchFactory(newcomer=newcomer, mentor=mentor)
    return newcomer, mentor, match


def block_url(member) -> str:
    return reverse("safety:block", args=[member.pk])


def report_url(member) -> str:
    return reverse("safety:report", args=[member.pk])


# --- Services ----------------------------------------------------------------------


def test_blocking_ends_an_active_match_with_a_neutral_reason():
    newcomer, mentor, match = active_pair()

    safety_services.member_block(blocker=newcomer, blocked=mentor, reason="Made me uneasy")

    match.refresh_from_db()
    assert match.state == MatchState.ENDED
    assert "block" not in match.end_reason.lower()
    assert "uneasy" not in match.end_reason


def test_a_mentors_block_closes_an_open_request_as_a_decline():
    newcomer, mentor = NewcomerFactory(), MentorFactory()
    match = services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)

    safety_services.member_block(blocker=mentor, blocked=newcomer)

    match.refresh_from_db()
    assert match.state == MatchState.DECLINED


def test_a_newcomers_block_withdraws_their_own_request():
    newcomer, mentor = NewcomerFactory(), MentorFactory()
    match = services.match_request(newcomer=newcomer, mentor_ids=[mentor.pk], user=None)

    safety_services.member_block(blocker=newcomer, blocked=mentor)

    match.refresh_from_db()
    assert match.state == MatchState.WITHDRAWN


def test_a_second_block_of_the_same_peer_changes_nothing():
    newcomer, mentor, match = active_pair()
    safety_services.member_block(blocker=newcomer, blocked=mentor, reason="first")
    safety_services.member_block(blocker=newcomer, blocked=mentor, reason="second")
    assert Block.objects.get().reason == "first"


def test_a_newcomer_blocked_by_a_mentor_is_never_suggested_that_mentor():
    newcomer, mentor = NewcomerFactory(), MentorFactory()
    assert mentor in [s.mentor for s in selectors.suggestions_for(newcomer)]

    safety_services.member_block(blocker=mentor, blocked=newcomer)

    assert mentor not in [s.mentor for s in selectors.suggestions_for(newcomer)]


@pytest.mark.parametrize("blocker_side", ["newcomer", "mentor"])
def test_a_matching_run_never_pairs_a_blocked_pair_either_way(staff_user, blocker_side):
    newcomer, mentor, match = active_pair()
    other_newcomer = NewcomerFactory()
    mentor.capacity = 5
    mentor.save()
    if blocker_side == "newcomer":
        safety_services.member_block(blocker=newcomer, blocked=mentor)
    else:
        safety_services.member_block(blocker=mentor, blocked=newcomer)

    run = batch.batch_run_preview(user=staff_user)

    pairs = {(newcomer_id, mentor_id) for newcomer_id, mentor_id, *_ in run.pairs}
    assert (newcomer.pk, mentor.pk) not in pairs
    assert (other_newcomer.pk, mentor.pk) in pairs


def test_a_report_records_the_latest_match_and_alerts_staff_once_without_names(
    staff_user, django_capture_on_commit_callbacks
):
    newcomer, mentor, match = active_pair()

    with django_capture_on_commit_callbacks(execute=True):
        report = safety_services.report_create(
            reporter=newcomer, reported=mentor, text="Asked me for money; I use opioids"
        )

    assert report.match == match and report.status == ReportStatus.OPEN
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [staff_user.email]
    body = message.subject + message.body
    for private in ["Robin", "Casey", "money", "opioids", mentor.user.email, newcomer.user.email]:
        assert private not in body
    assert f"/admin/matching/report/{report.pk}/change/" in body

    from matching.notifications import send_report_alert

    assert send_report_alert(report_id=report.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("text", ["", "   ", "x" * 1001])
def test_a_report_needs_a_short_text(text):
    newcomer, mentor, match = active_pair()
    with pytest.raises(services.MatchError):
        safety_services.report_create(reporter=newcomer, reported=mentor, text=text)
    assert not Report.objects.exists()


def test_staff_end_the_match_from_a_report_and_it_is_recorded(staff_user):
    newcomer, mentor, match = active_pair()
    report = safety_services.report_create(reporter=newcomer, reported=mentor, text="Rude")

    safety_services.report_act(report_id=report.pk, action="end_match", staff_user=staff_user)

    match.refresh_from_db()
    report.refresh_from_db()
    assert match.state == MatchState.ENDED and match.ended_by == EndedBy.STAFF
    assert report.status == ReportStatus.ACTED and report.action == "end_match"
    assert report.acted_by == staff_user and report.acted_at is not None


def test_staff_block_on_the_reporters_behalf_and_pause_a_mentor(staff_user):
    newcomer, mentor, match = active_pair()
    report = safety_services.report_create(reporter=newcomer, reported=mentor, text="Rude")

    safety_services.report_act(report_id=report.pk, action="block", staff_user=staff_user)
    safety_services.report_act(report_id=report.pk, action="pause_mentor", staff_user=staff_user)

    assert Block.objects.filter(blocker=newcomer, blocked=mentor).exists()
    mentor.refresh_from_db()
    assert mentor.is_paused
    report.refresh_from_db()
    assert report.action == "pause_mentor" and report.acted_by == staff_user


def test_pausing_a_reported_newcomer_is_refused(staff_user):
    newcomer, mentor, match = active_pair()
    report = safety_services.report_create(reporter=mentor, reported=newcomer, text="Rude")
    with pytest.raises(services.MatchError):
        safety_services.report_act(
            report_id=report.pk, action="pause_mentor", staff_user=staff_user
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.OPEN


# --- Pages -------------------------------------------------------------------------


def test_the_block_page_asks_to_confirm_and_blocking_changes_nothing_before_the_post():
    newcomer, mentor, match = active_pair()
    client = client_for(newcomer)

    page = client.get(block_url(mentor))

    assert page.status_code == 200
    assert b"Casey" in page.content and b'name="csrfmiddlewaretoken"' in page.content
    assert not Block.objects.exists()
    match.refresh_from_db()
    assert match.state == MatchState.ACTIVE


def test_the_cards_block_button_only_opens_the_confirmation():
    newcomer, mentor, match = active_pair()

    page = client_for(newcomer).post(block_url(mentor), {})

    assert page.status_code == 200
    assert b'name="confirm" value="yes"' in page.content
    assert not Block.objects.exists()


def test_a_newcomer_blocks_their_mentor_and_the_mentor_is_only_told_the_match_ended():
    newcomer, mentor, match = active_pair()

    response = client_for(newcomer).post(block_url(mentor), {"reason": "Pushy", "confirm": "yes"})

    assert response.status_code == 302
    mentor_inbox = client_for(mentor).get(reverse("matching:inbox"))
    # Listed as any match that ended, with nothing that says "blocked".
    assert b"Robin</a>" not in mentor_inbox.content
    assert b"Robin: this match ended on" in mentor_inbox.content
    assert b"blocked" not in mentor_inbox.content.lower()
    match.refresh_from_db()
    assert match.state == MatchState.ENDED
    suggestions = client_for(newcomer).get(reverse("matching:suggestions"))
    assert b"Casey" not in suggestions.content


def test_a_mentor_blocks_their_newcomer_whose_page_never_says_blocked():
    newcomer, mentor, match = active_pair()

    client_for(mentor).post(block_url(newcomer), {"reason": "", "confirm": "yes"})

    status = client_for(newcomer).get(reverse("matching:status"))
    assert status.status_code == 200
    assert b"block" not in status.content.lower()
    assert b"Signal" not in status.content
    assert b"Casey" not in client_for(newcomer).get(reverse("matching:suggestions")).content
    assert all("block" not in m.subject.lower() + m.body.lower() for m in mail.outbox)


def test_a_repeated_block_post_changes_nothing_and_does_not_fail():
    newcomer, mentor, match = active_pair()
    client = client_for(newcomer)
    client.post(block_url(mentor), {"reason": "first", "confirm": "yes"})
    again = client.post(block_url(mentor), {"reason": "second", "confirm": "yes"})
    assert again.status_code == 302
    assert Block.objects.get().reason == "first"


def test_pages_that_show_a_peer_offer_block_and_report():
    newcomer, mentor, match = active_pair()
    for client, path, peer in [
        (client_for(newcomer), reverse("matching:status"), mentor),
        (client_for(mentor), reverse("matching:inbox"), newcomer),
        (client_for(newcomer), reverse("checkins:new", args=[match.pk]), mentor),
        (client_for(mentor), reverse("checkins:upcoming"), newcomer),
    ]:
        content = client.get(path).content.decode()
        assert block_url(peer) in content, path
        assert report_url(peer) in content, path


def test_suggestion_cards_offer_block():
    newcomer, mentor = NewcomerFactory(), MentorFactory(display_name="Casey")
    content = client_for(newcomer).get(reverse("matching:suggestions")).content.decode()
    assert block_url(mentor) in content
    assert client_for(newcomer).get(block_url(mentor)).status_code == 200


def test_a_stranger_gets_404_for_block_and_report_of_someone_never_their_peer():
    newcomer, mentor, match = active_pair()
    stranger = MentorFactory()
    client = client_for(stranger)
    for target in [newcomer, mentor, stranger]:
        assert client.get(block_url(target)).status_code == 404
        assert client.post(block_url(target), {"reason": "", "confirm": "yes"}).status_code == 404
        assert client.get(report_url(target)).status_code == 404
        assert client.post(report_url(target), {"text": "hello"}).status_code == 404
    assert client.post(reverse("safety:block", args=[999999]), {}).status_code == 404
    assert not Block.objects.exists() and not Report.objects.exists()


def test_a_member_reports_their_peer_and_the_text_is_never_logged(caplog):
    newcomer, mentor, match = active_pair()
    client = client_for(mentor)

    with caplog.at_level("DEBUG"):
        response = client.post(report_url(newcomer), {"text": "canary-report-text-9q"})

    assert response.status_code == 302
    report = Report.objects.get()
    assert report.reporter == mentor and report.reported == newcomer and report.match == match
    assert "canary-report-text-9q" not in caplog.text


def test_an_empty_report_is_refused_with_a_message():
    newcomer, mentor, match = active_pair()
    response = client_for(newcomer).post(report_url(mentor), {"text": ""})
    assert response.status_code == 200
    assert not Report.objects.exists()


# --- Admin -------------------------------------------------------------------------


def test_staff_see_reports_in_a_queue_with_the_match_and_its_last_checkins(staff_client):
    from checkins.models import CheckIn

    newcomer, mentor, match = active_pair()
    CheckIn.objects.create(match=match, author=newcomer, connected="tried", note="canary-ci-note")
    report = safety_services.report_create(reporter=newcomer, reported=mentor, text="Rude to me")

    listing = staff_client.get(reverse("admin:matching_report_changelist"))
    page = open_record(
        staff_client, reverse("admin:matching_report_change", args=[report.pk]), "safety"
    )

    assert listing.status_code == 200 and b"Open" in listing.content
    assert page.status_code == 200
    assert b"Rude to me" in page.content
    assert b"canary-ci-note" in page.content
    assert reverse("admin:matching_match_change", args=[match.pk]).encode() in page.content


def act_url(report, action):
    return reverse("admin:matching_report_act", args=[report.pk, action])


def test_staff_act_on_a_report_from_its_page_with_a_confirmed_note(staff_client, staff_user):
    newcomer, mentor, match = active_pair()
    report = safety_services.report_create(reporter=newcomer, reported=mentor, text="Rude")
    page = open_record(
        staff_client, reverse("admin:matching_report_change", args=[report.pk]), "safety"
    ).content.decode()
    assert act_url(report, "end_match") in page and act_url(report, "close") in page

    confirm = staff_client.get(act_url(report, "end_match"))
    assert confirm.status_code == 200
    match.refresh_from_db()
    assert match.state == MatchState.ACTIVE  # nothing happens before the confirmation
    refused = staff_client.post(act_url(report, "end_match"), {"note": ""})
    assert b"Write a note" in refused.content
    response = staff_client.post(act_url(report, "end_match"), {"note": "Ended after a call"})

    assert response.status_code == 302
    match.refresh_from_db()
    report.refresh_from_db()
    assert match.state == MatchState.ENDED
    assert report.acted_by == staff_user and report.action == "end_match"
    page = staff_client.get(reverse("admin:matching_report_change", args=[report.pk]))
    assert b"Ended after a call" in page.content


def test_close_closes_the_report(staff_client):
    newcomer, mentor, match = active_pair()
    report = safety_services.report_create(reporter=newcomer, reported=mentor, text="Rude")

    staff_client.post(act_url(report, "close"), {"note": "Spoke to both"})

    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED
    listing = staff_client.get(reverse("admin:matching_report_changelist") + "?status__exact=open")
    assert f"Report {report.pk}<".encode() not in listing.content


def test_report_rows_say_who_what_kind_and_how_old(staff_client):
    newcomer, mentor, match = active_pair()
    safety_services.report_create(reporter=newcomer, reported=mentor, text="Rude")

    listing = staff_client.get(reverse("admin:matching_report_changelist")).content.decode()

    assert f"{newcomer.display_name} about {mentor.display_name}" in listing
    assert "A peer" in listing and "ago" in listing


def test_an_action_that_cannot_apply_shows_a_message(staff_client):
    newcomer, mentor, match = active_pair()
    report = safety_services.report_create(reporter=mentor, reported=newcomer, text="Rude")
    response = staff_client.post(act_url(report, "pause_mentor"), {"note": "Trying"})
    assert response.status_code == 200
    assert b"not a mentor" in response.content


@pytest.mark.parametrize("name", ["safety:block", "safety:report"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_pairs_member_gets_the_same_404_as_a_missing_or_huge_id(name, method):
    newcomer, mentor, match = active_pair()
    stranger = MentorFactory()
    client = client_for(stranger)
    data = {"confirm": "yes", "reason": "x", "text": "x"}

    theirs = getattr(client, method)(reverse(name, args=[newcomer.pk]), data)
    missing = getattr(client, method)(reverse(name, args=[987654321]), data)
    huge = getattr(client, method)(reverse(name, args=[1]).replace("/1/", "/" + "9" * 30 + "/"))

    assert theirs.status_code == missing.status_code == huge.status_code == 404
    assert theirs.content == missing.content
    assert not Block.objects.exists() and not Report.objects.exists()

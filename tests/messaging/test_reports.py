"""Reporting a message: only a side of the match, only the other side's message; staff are
alerted once, naming no one, and see the message and the ten before it after saying why."""

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import StaffRead
from matching.models import Report, ReportStatus
from safety.services import member_block
from tests.audit_helpers import REASON_QUESTION, open_record
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory
from tests.matching.test_views import client_for
from tests.messaging.conversations import active_pair, talk

pytestmark = pytest.mark.django_db


def report_url(message) -> str:
    return reverse("safety:report_message", args=[message.conversation.match_id, message.pk])


def test_the_report_page_shows_the_message_escaped_and_changes_nothing_before_the_post():
    newcomer, mentor, match = active_pair()
    _, from_mentor = talk(match, "hello", "<script>alert('x')</script> send me money")

    page = client_for(newcomer).get(report_url(from_mentor))

    assert page.status_code == 200
    content = page.content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; send me money" in content
    assert "<script>alert(" not in content
    assert "Casey" in content, "the peer named as they chose to be seen"
    assert 'name="csrfmiddlewaretoken"' in content
    assert not Report.objects.exists()


def test_a_member_reports_a_message_and_staff_are_alerted_once_naming_no_one(
    staff_user, django_capture_on_commit_callbacks, caplog
):
    newcomer, mentor, match = active_pair()
    _, from_mentor = talk(match, "hello", "canary-message-text-7z")

    with caplog.at_level("DEBUG"), django_capture_on_commit_callbacks(execute=True):
        response = client_for(newcomer).post(report_url(from_mentor), {"text": ""})

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.reporter, report.reported, report.match) == (newcomer, mentor, match)
    assert report.message == from_mentor and report.status == ReportStatus.OPEN
    assert len(mail.outbox) == 1
    alert = mail.outbox[0].subject + mail.outbox[0].body
    for private in ["Robin", "Casey", "canary-message-text-7z", mentor.user.email]:
        assert private not in alert
    assert "canary-message-text-7z" not in caplog.text


def test_a_replayed_report_of_the_same_message_makes_no_second_report_or_alert(
    staff_user, django_capture_on_commit_callbacks
):
    newcomer, mentor, match = active_pair()
    _, from_mentor = talk(match, "hello", "rude")
    client = client_for(newcomer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(report_url(from_mentor), {"text": "it upset me"})
        again = client.post(report_url(from_mentor), {"text": "it upset me, really"})

    assert again.status_code == 302
    assert Report.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_mentor_reports_the_newcomers_message_too():
    newcomer, mentor, match = active_pair()
    from_newcomer, _ = talk(match, "you are useless", "hi")

    response = client_for(mentor).post(report_url(from_newcomer), {"text": "Abusive"})

    assert response.status_code == 302
    report = Report.objects.get()
    assert report.reporter == mentor and report.message == from_newcomer
    assert report.text == "Abusive"


def test_a_message_can_still_be_reported_after_a_block_ended_the_match():
    newcomer, mentor, match = active_pair()
    _, from_mentor = talk(match, "hello", "threatening words")
    member_block(blocker=newcomer, blocked=mentor)

    response = client_for(newcomer).post(report_url(from_mentor), {"text": ""})

    assert response.status_code == 302
    assert Report.objects.get().message == from_mentor


def test_anything_but_the_peers_message_in_ones_own_conversation_is_404():
    newcomer, mentor, match = active_pair()
    from_newcomer, from_mentor = talk(match, "mine", "theirs")
    other_match = ActiveMatchFactory(newcomer=NewcomerFactory(), mentor=MentorFactory())
    (elsewhere,) = talk(other_match, "someone else's conversation")
    stranger = client_for(MentorFactory())
    me = client_for(newcomer)
    cases = [
        (me, report_url(from_newcomer)),  # one's own message
        (me, report_url(elsewhere)),  # another pair's conversation
        # the wrong match
        (me, reverse("safety:report_message", args=[other_match.pk, from_mentor.pk])),
        (me, reverse("safety:report_message", args=[match.pk, 987654321])),  # no such message
        (stranger, report_url(from_mentor)),  # not a side of the match
        (stranger, report_url(from_newcomer)),
    ]
    for client, url in cases:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"text": "x"}).status_code == 404, url
    huge = report_url(from_mentor).replace(f"/{from_mentor.pk}/", "/" + "9" * 30 + "/")
    assert me.get(huge).status_code == 404
    missing = reverse("safety:report_message", args=[match.pk, 987654321])
    assert stranger.get(report_url(from_mentor)).content == stranger.get(missing).content
    assert not Report.objects.exists()


def test_a_removed_message_cannot_be_reported():
    newcomer, mentor, match = active_pair()
    _, from_mentor = talk(match, "hello", "gone")
    from_mentor.text, from_mentor.removed_at = "", from_mentor.created_at
    from_mentor.save()
    assert client_for(newcomer).get(report_url(from_mentor)).status_code == 404


def test_an_oversized_note_is_refused_with_a_message():
    newcomer, mentor, match = active_pair()
    _, from_mentor = talk(match, "hello", "rude")

    response = client_for(newcomer).post(report_url(from_mentor), {"text": "x" * 1001})

    assert response.status_code == 200
    assert b"1000" in response.content
    assert not Report.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    newcomer, mentor, match = active_pair()
    _, from_mentor = talk(match, "hello", "rude")
    assert client.get(report_url(from_mentor)).status_code == 302
    assert client.post(report_url(from_mentor), {"text": ""}).status_code == 302
    assert not Report.objects.exists()


# --- Staff -------------------------------------------------------------------------


def test_staff_see_the_reported_message_and_the_ten_before_only_after_saying_why(staff_client):
    newcomer, mentor, match = active_pair()
    lines = [f"line-{n:02d}" for n in range(14)]
    written = talk(match, *lines)
    reported = written[13]  # from the mentor
    client_for(newcomer).post(report_url(reported), {"text": "scary"})
    talk(match, "after-the-report")
    report = Report.objects.get()
    url = reverse("admin:matching_report_change", args=[report.pk])

    first = staff_client.get(url)
    assert REASON_QUESTION in first.content
    assert b"line-" not in first.content
    assert not StaffRead.objects.exists()

    page = open_record(staff_client, url, "safety")

    content = page.content.decode()
    for shown in lines[3:]:
        assert shown in content, shown
    for hidden in [*lines[:3], "after-the-report"]:
        assert hidden not in content, hidden
    assert content.index("line-03") < content.index("line-13")
    reads = StaffRead.objects.filter(member_id__in=[newcomer.pk, mentor.pk])
    assert reads.count() == 2
    assert all("messages" in read.parts and read.reason == "safety" for read in reads)


def test_a_report_not_about_a_message_records_no_message_read(staff_client):
    newcomer, mentor, match = active_pair()
    talk(match, "private-line")
    client_for(newcomer).post(reverse("safety:report", args=[mentor.pk]), {"text": "Rude"})
    report = Report.objects.get()

    page = open_record(staff_client, reverse("admin:matching_report_change", args=[report.pk]))

    assert page.status_code == 200 and b"private-line" not in page.content
    assert all("messages" not in read.parts for read in StaffRead.objects.all())

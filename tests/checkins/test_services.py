"""Check-ins and reminders: recording, the link, the outbox, snooze, attention."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkins import services
from checkins.models import CheckIn, Reminder, ReminderState
from checkins.selectors import needs_attention
from checkins.services import CheckinError
from matching import services as matching_services
from tests.factories import MentorFactory, NewcomerFactory, UserFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC)  # 10:00 in New York


@pytest.fixture
def match():
    newcomer = NewcomerFactory(time_zone="America/New_York", display_name="Robin")
    mentor = MentorFactory(time_zone="Europe/London", display_name="Casey")
    with time_machine.travel(START, tick=False):
        request = matching_services.match_request(
            newcomer=newcomer, mentor_ids=[mentor.pk], user=None
        )
        return matching_services.match_accept(match_id=request.pk, mentor=mentor)


def tick(at: datetime.datetime) -> list[int]:
    with time_machine.travel(at, tick=False):
        services.reminders_create_due()
        return services.reminders_claim_due()


def test_no_reminder_before_the_first_check_in_is_due(match):
    assert tick(START + datetime.timedelta(days=6)) == []
    assert not Reminder.objects.exists()


def test_first_reminders_come_a_week_after_the_match_starts_in_each_local_time(match):
    ids = tick(START + datetime.timedelta(days=7, hours=1))
    reminders = {r.recipient.display_name: r for r in Reminder.objects.filter(pk__in=ids)}
    assert set(reminders) == {"Robin", "Casey"}
    # 10:00 in New York on 9 March, after the clocks went forward: 14:00 UTC.
    assert reminders["Robin"].due_at == datetime.datetime(2026, 3, 9, 14, 0, tzinfo=datetime.UTC)
    # 15:00 in London (no change yet there).
    assert reminders["Casey"].due_at == datetime.datetime(2026, 3, 9, 15, 0, tzinfo=datetime.UTC)
    assert {r.slot for r in reminders.values()} == {0}


def test_running_the_tick_twice_creates_and_enqueues_each_reminder_once(match):
    moment = START + datetime.timedelta(days=7, hours=1)
    first = tick(moment)
    second = tick(moment + datetime.timedelta(seconds=30))
    assert len(first) == 2 and second == []
    assert Reminder.objects.count() == 2


def test_sending_twice_sends_one_email(match):
    [reminder_id, _] = tick(START + datetime.timedelta(days=7, hours=1))
    assert services.reminder_send(reminder_id=reminder_id) is True
    assert services.reminder_send(reminder_id=reminder_id) is False
    assert len(mail.outbox) == 1
    reminder = Reminder.objects.get(pk=reminder_id)
    assert reminder.state == ReminderState.SENT and reminder.sent_at is not None


def test_reminder_email_has_a_plain_text_part_and_no_health_detail(match):
    for reminder_id in tick(START + datetime.timedelta(days=7, hours=1)):
        services.reminder_send(reminder_id=reminder_id)
    for message in mail.outbox:
        assert message.body and message.alternatives[0][1] == "text/html"
        text = (message.subject + message.body).lower()
        for word in ["recovery", "addiction", "alcohol", "drug", "sober", "substance"]:
            assert word not in text
        assert "/check-ins/link/" in message.body


def test_a_stale_enqueue_is_enqueued_again_but_a_sent_reminder_never(match, settings):
    moment = START + datetime.timedelta(days=7, hours=1)
    ids = tick(moment)
    services.reminder_send(reminder_id=ids[0])
    later = moment + datetime.timedelta(seconds=settings.PEERLINK_REMINDER_REQUEUE_SECONDS + 1)
    assert tick(later) == [ids[1]]


def test_a_claim_by_a_dead_worker_can_be_taken_over(match, settings):
    moment = START + datetime.timedelta(days=7, hours=1)
    [reminder_id, _] = tick(moment)
    Reminder.objects.filter(pk=reminder_id).update(claimed_at=moment)  # the worker died here
    with time_machine.travel(moment + datetime.timedelta(seconds=10), tick=False):
        assert services.reminder_send(reminder_id=reminder_id) is False
    stale = moment + datetime.timedelta(seconds=settings.PEERLINK_REMINDER_CLAIM_SECONDS + 1)
    with time_machine.travel(stale, tick=False):
        assert services.reminder_send(reminder_id=reminder_id) is True
    assert len(mail.outbox) == 1


def test_smtp_failure_keeps_the_reminder_for_a_retry(match, settings):
    [reminder_id, _] = tick(START + datetime.timedelta(days=7, hours=1))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    with pytest.raises(OSError):
        services.reminder_send(reminder_id=reminder_id)
    reminder = Reminder.objects.get(pk=reminder_id)
    assert reminder.state == ReminderState.DUE and reminder.claimed_at is None
    assert reminder.last_error == "ConnectionRefusedError"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.reminder_send(reminder_id=reminder_id) is True


def test_reminders_for_an_ended_match_or_a_deleted_account_are_skipped(match):
    ids = tick(START + datetime.timedelta(days=7, hours=1))
    match.newcomer.user.is_active = False
    match.newcomer.user.save()
    match.newcomer.user.email = ""
    results = [services.reminder_send(reminder_id=pk) for pk in ids]
    assert results.count(True) == 1
    assert Reminder.objects.filter(state=ReminderState.SKIPPED).count() == 1


def test_opening_the_link_records_nothing_until_it_is_confirmed(match, client):
    """Mail scanners fetch links in emails: a GET or HEAD must not record a check-in."""
    [reminder_id, _] = tick(START + datetime.timedelta(days=7, hours=1))
    token = services.link_token(Reminder.objects.get(pk=reminder_id))
    url = reverse("checkins:link", args=[token])
    opened = client.get(url)
    client.head(url)
    assert opened.status_code == 200 and "Yes, we connected" in opened.content.decode()
    assert "js/autosubmit.js" in opened.content.decode()  # one click for a person
    assert not CheckIn.objects.exists()


def test_the_confirmed_link_records_a_check_in_once(match):
    # A mail app's browser with no cookies from PeerLink: the signed token is enough.
    client = Client(enforce_csrf_checks=True)
    [reminder_id, _] = tick(START + datetime.timedelta(days=7, hours=1))
    token = services.link_token(Reminder.objects.get(pk=reminder_id))
    url = reverse("checkins:link", args=[token])
    assert "Thank you" in client.post(url).content.decode()
    again = client.post(url)
    assert again.status_code == 200 and "already used" in again.content.decode()
    assert "already used" in client.get(url).content.decode()
    checkin = CheckIn.objects.get()
    assert checkin.via_link and checkin.connected == "yes"
    assert checkin.author == Reminder.objects.get(pk=reminder_id).recipient


def test_expired_or_tampered_links_record_nothing(match, client):
    [reminder_id, _] = tick(START + datetime.timedelta(days=7, hours=1))
    token = services.link_token(Reminder.objects.get(pk=reminder_id))
    tampered = client.post(reverse("checkins:link", args=[token[:-2] + "xx"]))
    assert tampered.status_code == 200
    assert tampered.context["message"] == "This link isn't valid."
    with time_machine.travel(timezone.now() + datetime.timedelta(days=15)):
        expired = client.post(reverse("checkins:link", args=[token]))
        assert "expired" in client.get(reverse("checkins:link", args=[token])).context["message"]
    assert "expired" in expired.context["message"]
    assert not CheckIn.objects.exists()


def test_a_concern_alerts_staff_at_once(match, django_capture_on_commit_callbacks):
    UserFactory(email="coordinator@example.org", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.checkin_record(
            match_id=match.pk,
            author=match.newcomer,
            connected="tried",
            rating=2,
            concern=True,
            note="private note",
        )
    assert [m.to for m in mail.outbox] == [["coordinator@example.org"]]
    assert "private note" not in mail.outbox[0].body
    assert [item.match for item in needs_attention()] == [match]


def test_check_in_on_an_ended_match_is_refused(match):
    matching_services.match_end(match_id=match.pk, ended_by="staff", reason="done")
    with pytest.raises(CheckinError, match="ended"):
        services.checkin_record(match_id=match.pk, author=match.newcomer, connected="yes")
    # The page says so before anyone fills in a form.
    client = Client()
    client.force_login(match.newcomer.user)
    page = client.get(reverse("checkins:new", args=[match.pk])).text
    assert "This match has ended" in page and "Send check-in" not in page


def test_someone_else_cannot_check_in_on_a_match(match):
    with pytest.raises(CheckinError, match="not yours"):
        services.checkin_record(match_id=match.pk, author=NewcomerFactory(), connected="yes")


def test_two_missed_check_ins_in_a_row_need_attention(match):
    tick(START + datetime.timedelta(days=7, hours=1))
    assert needs_attention(now=START + datetime.timedelta(days=9)) == []
    tick(START + datetime.timedelta(days=21, hours=1))
    flagged = needs_attention(now=START + datetime.timedelta(days=23))
    assert [item.match for item in flagged] == [match]
    assert "2 check-ins missed in a row" in flagged[0].reasons


def test_snooze_moves_a_reminder_to_tomorrow_morning_once(match):
    moment = START + datetime.timedelta(days=7, hours=1)
    reminder = Reminder.objects.get(pk=tick(moment)[0])
    with time_machine.travel(moment, tick=False):
        snoozed = services.reminder_snooze(reminder_id=reminder.pk, member=reminder.recipient)
        assert snoozed.due_at > reminder.due_at + datetime.timedelta(hours=23)
        with pytest.raises(CheckinError, match="already snoozed"):
            services.reminder_snooze(reminder_id=reminder.pk, member=reminder.recipient)


def test_tick_task_enqueues_and_sends_after_commit(match, django_capture_on_commit_callbacks):
    from checkins.tasks import tick as tick_task

    moment = START + datetime.timedelta(days=7, hours=1)
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert tick_task() == 2
    assert len(mail.outbox) == 2


def test_member_pages_show_the_next_check_in_and_record_one(match):
    from django.test import Client

    client = Client()
    client.force_login(match.newcomer.user)
    page = client.get(reverse("checkins:upcoming")).content.decode()
    assert "Casey" in page and "Next check-in" in page
    response = client.post(
        reverse("checkins:new", args=[match.pk]), {"connected": "yes", "rating": "4", "note": ""}
    )
    assert response.url == reverse("checkins:upcoming")
    assert CheckIn.objects.get().rating == 4
    bad = client.post(reverse("checkins:new", args=[match.pk]), {"connected": "maybe"})
    assert "connected" in bad.context["form"].errors


def test_strangers_get_404_for_someone_elses_check_in_page_and_cannot_snooze(match):
    from django.test import Client

    [reminder_id, _] = tick(START + datetime.timedelta(days=7, hours=1))
    stranger = Client()
    stranger.force_login(NewcomerFactory().user)
    assert stranger.get(reverse("checkins:new", args=[match.pk])).status_code == 404
    assert stranger.post(reverse("checkins:snooze", args=[reminder_id])).status_code == 404
    assert not Reminder.objects.get(pk=reminder_id).snoozed


def test_staff_override_of_one_matchs_cadence_moves_its_reminders(match):
    from checkins.models import MatchCadence

    MatchCadence.objects.create(match=match, first_after_days=3, every_days=7)
    tick(START + datetime.timedelta(days=2, hours=23))
    assert not Reminder.objects.exists()
    tick(START + datetime.timedelta(days=3, hours=1))
    tick(START + datetime.timedelta(days=9))
    assert sorted(Reminder.objects.values_list("slot", flat=True)) == [0, 0]
    tick(START + datetime.timedelta(days=10, hours=1))
    assert sorted(Reminder.objects.values_list("slot", flat=True)) == [0, 0, 1, 1]


def test_daily_digest_tells_staff_how_many_matches_need_attention(match):
    from checkins.tasks import staff_digest

    UserFactory(email="coordinator@example.org", is_staff=True)
    services.checkin_record(
        match_id=match.pk, author=match.newcomer, connected="no", concern=True, note="private"
    )
    assert staff_digest() == 1
    digest = mail.outbox[-1]
    assert digest.to == ["coordinator@example.org"]
    assert "1 active matches need attention" in digest.body
    assert match.newcomer.display_name not in digest.body and "private" not in digest.body


def test_failed_sends_log_no_personal_data(match, settings, caplog):
    [reminder_id, _] = tick(START + datetime.timedelta(days=7, hours=1))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    with pytest.raises(OSError):
        services.reminder_send(reminder_id=reminder_id)
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert f"Reminder {reminder_id} not sent" in logged
    for secret in [match.newcomer.user.email, match.mentor.user.email, "Robin", "Casey"]:
        assert secret not in logged


def test_check_in_dates_are_shown_in_the_members_own_time_zone():
    # Monday 9 March, 09:30 in Sydney, is still Sunday in UTC.
    started = datetime.datetime(2026, 3, 1, 22, 30, tzinfo=datetime.UTC)  # Mon 2 Mar, 09:30
    newcomer = NewcomerFactory(time_zone="Australia/Sydney", display_name="Robin")
    mentor = MentorFactory(time_zone="Australia/Sydney", display_name="Casey")
    with time_machine.travel(started, tick=False):
        request = matching_services.match_request(
            newcomer=newcomer, mentor_ids=[mentor.pk], user=None
        )
        matching_services.match_accept(match_id=request.pk, mentor=mentor)
    client = Client()
    client.force_login(newcomer.user)

    with time_machine.travel(started + datetime.timedelta(days=3), tick=False):
        page = client.get(reverse("checkins:upcoming")).content.decode()
    assert "Next check-in: Monday 9 March" in page

    due = started + datetime.timedelta(days=7, minutes=5)
    tick(due)
    reminder = Reminder.objects.get(recipient=newcomer)
    with time_machine.travel(due, tick=False):
        response = client.post(reverse("checkins:snooze", args=[reminder.pk]), follow=True)
    # A day after the snooze, in Sydney; in UTC it would read Monday at 22:35.
    page = response.content.decode()
    assert "Snoozed until Tuesday at 09:35." in page
    assert "Next check-in: Tuesday 10 March" in page

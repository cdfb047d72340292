"""The log canary: nothing a member types reaches a log, a task's arguments or the broker.

Unique markers go into everything personal a member gives PeerLink: the
sign-up email, a display name, contact details, a lived-experience tag they
pick, a check-in note, a decline note, an end reason, a block reason, a report,
a help-now request, a message and the report of it; a stale sign-up, an old
match and its conversation for the retention job; and a second member who
deletes their account. The journeys then run as
people run them, through the test client over HTTP, and the Celery work they
cause (match emails, staff alerts, reminders) runs in a real worker process on
the configured broker (Redis in CI, else the embedded one) that logs at DEBUG
and sends through SMTP. They include the member's home page saying what changed (naming
the mentor), a mentor approved and reminded a day before a request moves on (both emails
through the worker), the member reading their accounting of disclosures and
downloading their data, staff downloading it for them, the daily retention
and audit purges, and an account deleted through its page.

What is searched for the markers:

1. every log record of this process, at DEBUG for every logger, and
   everything the worker writes (its own logs at DEBUG);
2. every task's body and headers as published (`before_task_publish`), here
   and in the worker;
3. every message as it leaves for the broker (kombu `Producer._publish`: the
   serialised bytes) and as the broker stores it (the transport's `_put`).

Emails are not searched: the member's own address and name belong in mail to them.

To cover a new flow, write a step (a function taking the `Journey`) and
append it to `STEPS`; put any new personal value in a marker from `Journey.marker`.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from celery.signals import before_task_publish
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu.messaging import Producer

from audit.models import ReadReason, StaffRead
from audit.tasks import purge_expired as audit_purge_expired
from checkins.models import CheckIn, CheckinSettings, Reminder
from checkins.tasks import tick
from home.models import HomeVisit
from matching.models import (
    Block,
    Match,
    MatchNotification,
    MatchOrigin,
    MatchState,
    MemberNotification,
    Report,
)
from matching.tasks import remind_mentors_of_answers_due
from members.models import Member, Tag, TagCategory, User
from members.services import mentor_set_vetting
from members.tasks import retention_purge
from messaging.models import Conversation, Message, MessageEmail, MessagingSettings, Participant
from messaging.tasks import email_tick
from peerlink.celery import app as celery_app
from safety.models import HelpRequest
from steps.models import Step
from tests.audit_helpers import give_reason, open_record
from tests.celery_processes import database_url, forget_queue, stop, wait_for
from tests.factories import ActiveMatchFactory, MentorFactory, NewcomerFactory, tag
from tests.smtp import running_sink
from tests.test_journeys import sign_up

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seeded_transactional_db"),
]

PASSWORD = "slow mornings and coffee"  # what tests.test_journeys.sign_up sets
LOGGERS = ["", "django", "django.request", "django.security", "celery", "kombu", "allauth", "axes"]
# The worker: the default queue set to argv[1], the same loggers at DEBUG, and
# every task it publishes printed to its output, which the canary searches.
WORKER = f"""
import json, logging, sys
from celery.signals import before_task_publish, celeryd_after_setup
from peerlink.celery import app

def record(sender=None, body=None, headers=None, **kwargs):
    # Celery redirects sys.stdout to a logger inside a task; write to the file itself.
    line = json.dumps([body, headers], default=repr)
    print("CANARY-PUBLISH", sender, line, file=sys.__stdout__, flush=True)

def debug_everywhere(**kwargs):
    for name in {LOGGERS!r}:
        logging.getLogger(name).setLevel(logging.DEBUG)

before_task_publish.connect(record, weak=False)
celeryd_after_setup.connect(debug_everywhere, weak=False)
app.conf.task_default_queue = sys.argv[1]
app.start(sys.argv[2:])
"""


# --- Capture -----------------------------------------------------------------------


class Capture(logging.Handler):
    """Everything the canary searches: log records, task publishes, broker messages."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[str] = []
        self.publishes: list[str] = []
        self.published_task_ids: list[str] = []
        self.sent: list[str] = []
        self.stored: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("factory"):
            return  # factory_boy, which only tests use, describing the rows it makes
        # The record as any handler could write it, and what it carries besides.
        text = logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)
        self.records.append(f"{text} {vars(record)!r}")

    def on_publish(self, sender=None, body=None, headers=None, **kwargs) -> None:
        self.publishes.append(f"{sender} {json.dumps([body, headers], default=repr)}")
        self.published_task_ids.append((headers or {}).get("id", ""))

    def places(self) -> dict[str, list[str]]:
        return {
            "a log record": self.records,
            "a task's arguments": self.publishes,
            "a message sent to the broker": self.sent,
            "a message the broker stored": self.stored,
        }


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


@contextlib.contextmanager
def capturing(monkeypatch):
    """Capture every log record, publish and broker message of this process."""
    capture = Capture()
    loggers = [logging.getLogger(name) for name in LOGGERS]
    # Loggers that do not pass records up to the root get the handler themselves.
    loggers += [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    levels = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    for logger in {logging.getLogger(), *(lg for lg in loggers if not lg.propagate)}:
        logger.addHandler(capture)

    original_publish = Producer._publish

    def publish(self, body, *args, **kwargs):
        headers = args[3] if len(args) > 3 else kwargs.get("headers")
        capture.sent.append(f"{_text(body)} {headers!r}")
        return original_publish(self, body, *args, **kwargs)

    monkeypatch.setattr(Producer, "_publish", publish)
    with celery_app.connection_for_write() as broker:
        channel_class = type(broker.default_channel)
    original_put = channel_class._put

    def put(self, queue, message, **kwargs):
        stored = json.dumps(message, default=repr)
        body = message.get("body", "") if isinstance(message, dict) else ""
        with contextlib.suppress(ValueError, TypeError):
            body = base64.b64decode(body).decode(errors="replace")
        capture.stored.append(f"{stored} {body}")
        return original_put(self, queue, message, **kwargs)

    monkeypatch.setattr(channel_class, "_put", put)
    before_task_publish.connect(capture.on_publish, weak=False)
    try:
        yield capture
    finally:
        before_task_publish.disconnect(capture.on_publish)
        for logger in {logging.getLogger(), *loggers}:
            logger.removeHandler(capture)
        for logger, level in levels:
            logger.setLevel(level)


class Worker:
    """A real Celery worker on a queue of its own, logging at DEBUG, sending to an SMTP sink."""

    def __init__(self, folder: Path, smtp_port: int):
        self.queue = f"canary-{uuid.uuid4().hex[:8]}"
        self.log_path = folder / "worker.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "peerlink.settings.base",
            "DJANGO_DEBUG": "false",
            "DJANGO_LOG_LEVEL": "DEBUG",
            "DATABASE_URL": database_url(connection.settings_dict),
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            # The embedded broker's folders are this process's (when CELERY_BROKER_URL is unset).
            "PEERLINK_VAR_DIR": str(settings.VAR_DIR),
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "w") as output:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    WORKER,
                    self.queue,
                    "worker",
                    "--loglevel=DEBUG",
                    "--pool=solo",
                    f"--hostname={self.queue}@localhost",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=Path(__file__).resolve().parent.parent,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        ready = wait_for(
            lambda: " ready." in self.log() or self.process.poll() is not None, timeout=60
        )
        assert ready and self.process.poll() is None, self.log()[-3000:]

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def published_task_ids(self) -> list[str]:
        ids = []
        for line in self.log().splitlines():
            if line.startswith("CANARY-PUBLISH "):
                with contextlib.suppress(ValueError, IndexError, AttributeError):
                    ids.append(json.loads(line.split(" ", 2)[2])[1]["id"])
        return ids

    def finished(self, task_ids: list[str]) -> bool:
        """Whether the worker has finished every one of these tasks (succeeded or failed)."""
        log = self.log()
        return all(
            re.search(rf"\[{re.escape(task_id)}\] (succeeded|raised|retry)", log)
            for task_id in task_ids
        )

    def stop(self) -> None:
        if self.process is not None:
            stop([self.process])


@pytest.fixture
def worker(tmp_path, monkeypatch):
    with running_sink() as sink:
        started = Worker(tmp_path, sink.port)
        # This process publishes to the worker's queue, through the broker, not eagerly.
        monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
        monkeypatch.setitem(celery_app.conf, "task_default_queue", started.queue)
        started.start()
        started.sink = sink
        try:
            yield started
        finally:
            started.stop()
            forget_queue(settings.CELERY_BROKER_URL, started.queue)


# --- The journey ---------------------------------------------------------------------


@dataclasses.dataclass
class Journey:
    """The people, their browsers and the markers the steps share."""

    markers: dict[str, str]
    staff: Client
    newcomer_browser: Client = dataclasses.field(default_factory=Client)
    newcomer: Member | None = None
    mentors: list[Member] = dataclasses.field(default_factory=list)
    match: Match | None = None

    def marker(self, what: str) -> str:
        """A unique value for `what` (e.g. "check-in note"), the same every time it is asked for."""
        return self.markers.setdefault(what, f"canary{secrets.token_hex(6)}")

    @property
    def email(self) -> str:
        return f"{self.marker('email')}@example.org"

    def browser_of(self, member: Member) -> Client:
        if member == self.newcomer:
            return self.newcomer_browser
        browser = Client()
        browser.force_login(member.user)
        return browser


def sign_up_and_verify_the_email(journey: Journey) -> None:
    sign_up(
        journey.newcomer_browser,
        role="newcomer",
        email=journey.email,
        name=journey.marker("display name"),
    )
    journey.newcomer = Member.objects.get(user__email=journey.email)


def sign_in_with_a_wrong_password_then_the_right_one(journey: Journey) -> None:
    browser = Client()
    wrong = browser.post("/accounts/login/", {"login": journey.email, "password": "not it"})
    assert wrong.status_code == 200
    right = browser.post("/accounts/login/", {"login": journey.email, "password": PASSWORD})
    assert right.status_code == 302


def onboard_with_a_marker_tag_and_contact_details(journey: Journey) -> None:
    name = journey.marker("tag choice")
    marker_tag = Tag.objects.create(
        category=TagCategory.LIFE_SITUATION, name=name, slug=name, peer_phrase=f"You're both {name}"
    )
    steps = {
        "about": {
            "display_name": journey.marker("display name"),
            "birth_year": "1990",
            "languages": ["en"],
            "time_zone": "America/Denver",
            "pronouns": "",
            "gender": "",
        },
        "recovery": {
            "recovery_goal": "abstinence",
            "recovery_start_date": "",
            "pathways": [tag("pathway-12-step").pk],
        },
        "experience": {"life_situation": [marker_tag.pk], "bio": ""},
        "availability": {"availability": ["tue-evening"], "message_emails": "on"},
        "sharing": {
            "share_display_name": "on",
            "share_life_situation": "on",
            "share_contact": "on",
            "share_email": "on",
            "contact_details": journey.marker("contact details"),
        },
    }
    browser = journey.newcomer_browser
    for step, data in steps.items():
        response = browser.post(reverse("members:onboarding_step", args=[step]), data)
        assert response.status_code == 302, (step, response.context["form"].errors)
    journey.newcomer.refresh_from_db()
    assert journey.newcomer.is_onboarded
    assert journey.newcomer.tags.filter(pk=marker_tag.pk).exists()


def change_what_is_shared_on_the_profile(journey: Journey) -> None:
    response = journey.newcomer_browser.post(
        reverse("members:profile_edit", args=["sharing"]),
        {
            "share_display_name": "on",
            "share_life_situation": "on",
            "share_contact": "on",
            "share_pathways": "on",
            "contact_details": journey.marker("contact details"),
        },
    )
    assert response.status_code == 302


def rank_two_mentors(journey: Journey) -> None:
    journey.mentors = [
        MentorFactory(display_name=journey.marker(f"mentor {n} name"), capacity=3) for n in (1, 2)
    ]
    first, second = journey.mentors
    response = journey.newcomer_browser.post(
        reverse("matching:request"),
        {f"rank_{first.pk}": "1", f"rank_{second.pk}": "2", "note": journey.marker("request note")},
    )
    assert response.status_code == 302
    assert response.url == reverse("matching:status"), "the mentors were not suggested"


def the_first_mentor_declines_with_a_note(journey: Journey) -> None:
    first = journey.mentors[0]
    match = Match.objects.get(newcomer=journey.newcomer, mentor=first)
    journey.browser_of(first).post(
        reverse("matching:decline", args=[match.pk]),
        {"reason": "not_a_fit", "note": journey.marker("decline note")},
    )
    match.refresh_from_db()
    assert match.state == MatchState.DECLINED


def the_second_mentor_accepts(journey: Journey) -> None:
    second = journey.mentors[1]
    match = Match.objects.get(newcomer=journey.newcomer, mentor=second)
    journey.browser_of(second).post(reverse("matching:accept", args=[match.pk]))
    match.refresh_from_db()
    assert match.state == MatchState.ACTIVE
    journey.match = match
    inbox = journey.browser_of(second).get(reverse("matching:inbox")).content.decode()
    assert journey.marker("contact details") in inbox  # the peer sees what was shared


def the_newcomer_sees_on_their_home_page_what_changed(journey: Journey) -> None:
    """The home page names the mentor (a marker) in what changed since the last visit."""
    browser = journey.newcomer_browser
    HomeVisit.objects.update_or_create(
        member=journey.newcomer,
        defaults={"visited_at": timezone.now() - datetime.timedelta(days=1)},
    )
    page = browser.get(reverse("home:me")).content.decode()
    assert journey.marker("mentor 2 name") in page and "said yes" in page


def a_mentor_is_approved_then_reminded_of_a_request(journey: Journey) -> None:
    """The vetting email and the day-before reminder go out through the worker."""
    mentor = MentorFactory(
        display_name=journey.marker("approved mentor name"), vetting_status="pending"
    )
    staff_user = User.objects.filter(is_staff=True).first()
    mentor_set_vetting(member_id=mentor.pk, status="approved", staff_user=staff_user)
    now = timezone.now()
    request = Match.objects.create(
        newcomer=NewcomerFactory(display_name=journey.marker("reminded newcomer name")),
        mentor=mentor,
        state=MatchState.AWAITING_MENTOR,
        origin=MatchOrigin.REQUEST,
        score=0.5,
        sent_to_mentor_at=now - datetime.timedelta(hours=50),
        expires_at=now + datetime.timedelta(hours=22),
    )
    remind_mentors_of_answers_due.delay()  # what beat sends every five minutes
    assert wait_for(
        lambda: (
            MemberNotification.objects.filter(member=mentor, sent_at__isnull=False).exists()
            and MatchNotification.objects.filter(
                match=request, event="answer_reminder", sent_at__isnull=False
            ).exists()
        ),
        timeout=30,
    ), "the approval or the reminder email did not go out"
    page = journey.browser_of(mentor).get(reverse("home:me")).content.decode()
    assert journey.marker("reminded newcomer name") in page


def set_share_and_check_in_on_a_step(journey: Journey) -> None:
    """A step in the member's words: set, shared, noted, seen by the peer, added at a check-in."""
    browser = journey.newcomer_browser
    response = browser.post(reverse("steps:mine"), {"text": journey.marker("step"), "shared": "on"})
    assert response.status_code == 302
    step = journey.newcomer.steps.get()
    assert (
        browser.post(reverse("steps:answer", args=[step.pk]), {"answer": "partly"}).status_code
        == 302
    )
    mentor = Member.objects.get(pk=journey.match.mentor_id)
    inbox = journey.browser_of(mentor).get(reverse("matching:inbox"))
    assert journey.marker("step") in inbox.content.decode()
    response = browser.post(
        reverse("checkins:new", args=[journey.match.pk]),
        {
            "connected": "yes",
            f"step_{step.pk}": "went_well",
            "new_step": journey.marker("check-in step"),
        },
    )
    assert response.status_code == 302
    assert browser.get(reverse("api:v1:me-steps")).status_code == 200
    page = open_record(
        journey.staff, reverse("admin:members_member_change", args=[journey.newcomer.pk])
    )
    assert "2 steps, 1 shared" in page.content.decode()


def check_in_with_a_concern_and_a_note(journey: Journey) -> None:
    response = journey.newcomer_browser.post(
        reverse("checkins:new", args=[journey.match.pk]),
        {
            "connected": "yes",
            "rating": "2",
            "concern": "on",
            "note": journey.marker("check-in note"),
        },
    )
    assert response.status_code == 302


def reminders_come_due_and_go_out(journey: Journey) -> None:
    CheckinSettings.objects.update_or_create(
        pk=1, defaults={"quiet_start": datetime.time(0), "quiet_end": datetime.time(0)}
    )
    Match.objects.filter(pk=journey.match.pk).update(
        decided_at=timezone.now() - datetime.timedelta(days=8)
    )
    tick.delay()  # what beat sends every minute
    # Before anything ends the match: wait for the worker to send the reminders.
    assert wait_for(
        lambda: Reminder.objects.filter(match=journey.match, sent_at__isnull=False).count() == 2,
        timeout=30,
    ), "no reminder went out"


def the_pair_exchange_messages(journey: Journey) -> None:
    """Through the pages' send path, a crisis phrase included (staff alerted), then the
    "your peer wrote" email goes out through the worker."""
    MessagingSettings.objects.update_or_create(
        pk=1, defaults={"alert_staff_on_crisis_phrase": True}
    )
    match, mentor = journey.match, journey.mentors[1]
    url = reverse("messaging:send", args=[match.pk])
    response = journey.newcomer_browser.post(
        url,
        {"text": f"{journey.marker('sent message')} some nights I want to die"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code in (200, 201) and response.json()["crisis"] is True
    response = journey.browser_of(mentor).post(url, {"text": journey.marker("reply")})
    assert response.status_code == 302
    # The mentor reads everything; the newcomer left the page with the reply unread.
    journey.browser_of(mentor).get(reverse("messaging:new", args=[match.pk]) + "?after=0")
    Participant.objects.filter(member=journey.newcomer).update(last_seen_at=None)
    email_tick.delay()  # what beat sends every minute
    assert wait_for(
        lambda: MessageEmail.objects.filter(
            recipient=journey.newcomer, sent_at__isnull=False
        ).exists(),
        timeout=30,
    ), "no message email went out"


def report_the_mentor(journey: Journey) -> None:
    response = journey.newcomer_browser.post(
        reverse("safety:report", args=[journey.mentors[1].pk]),
        {"text": journey.marker("report")},
    )
    assert response.status_code == 302


def the_mentor_ends_the_match_with_a_reason(journey: Journey) -> None:
    response = journey.browser_of(journey.mentors[1]).post(
        reverse("matching:end", args=[journey.match.pk]), {"reason": journey.marker("end reason")}
    )
    assert response.status_code == 302


def block_the_mentor(journey: Journey) -> None:
    response = journey.newcomer_browser.post(
        reverse("safety:block", args=[journey.mentors[1].pk]),
        {"reason": journey.marker("block reason"), "confirm": "yes"},
    )
    assert response.status_code == 302


def ask_for_help_now_twice(journey: Journey) -> None:
    for _ in range(2):
        response = journey.newcomer_browser.post(
            reverse("safety:help_now"),
            {"may_contact": "yes", "how_to_contact": journey.marker("help-now contact")},
        )
        assert response.status_code == 302


def staff_open_the_report_and_the_hold(journey: Journey) -> None:
    report = Report.objects.get(reporter=journey.newcomer)
    hold = HelpRequest.objects.get(member=journey.newcomer)
    for path in [
        reverse("admin:matching_report_change", args=[report.pk]),
        reverse("admin:safety_helprequest_change", args=[hold.pk]),
        reverse("admin:members_member_change", args=[journey.newcomer.pk]),
    ]:
        assert journey.staff.get(path).status_code == 200


def the_member_reads_their_accounting_and_downloads_their_data(journey: Journey) -> None:
    browser = journey.newcomer_browser
    assert browser.get(reverse("audit:accounting")).status_code == 200
    export = browser.get(reverse("members:export"))
    assert export.status_code == 200
    data = json.loads(export.content)
    assert data["profile"]["display_name"] == journey.marker("display name")
    assert data["profile"]["contact_details"] == journey.marker("contact details")


def staff_download_the_members_data(journey: Journey) -> None:
    change = reverse("admin:members_member_change", args=[journey.newcomer.pk])
    give_reason(journey.staff, change, ReadReason.MEMBER_ASKED)
    export = journey.staff.post(reverse("admin:members_member_export", args=[journey.newcomer.pk]))
    assert export.status_code == 200
    assert json.loads(export.content)["account"]["email"] == journey.email
    assert StaffRead.objects.filter(member_id=journey.newcomer.pk, parts=["export"]).exists()


def the_retention_job_purges_old_text_and_stale_sign_ups(journey: Journey) -> None:
    long_ago = timezone.now() - datetime.timedelta(
        days=settings.PEERLINK_RETENTION_ENDED_MATCH_DAYS + 30
    )
    old = ActiveMatchFactory(
        state=MatchState.ENDED, ended_at=long_ago, end_reason=journey.marker("old end reason")
    )
    stale = User.objects.create_user(
        email=f"{journey.marker('stale sign-up email')}@example.org", password=PASSWORD
    )
    User.objects.filter(pk=stale.pk).update(date_joined=long_ago)
    EmailAddress.objects.create(user=stale, email=stale.email, verified=False, primary=True)
    old_message = Message.objects.create(
        conversation=Conversation.objects.create(match=old),
        sender=old.newcomer,
        text=journey.marker("old message"),
    )
    retention_purge.delay()  # what beat sends every day
    assert wait_for(
        lambda: (
            not User.objects.filter(pk=stale.pk).exists()
            and Match.objects.filter(pk=old.pk, end_reason="").exists()
            and Message.objects.filter(pk=old_message.pk, text="").exists()
        ),
        timeout=30,
    ), "the retention job did not run"


def the_audit_purge_removes_rows_past_retention(journey: Journey) -> None:
    years = settings.PEERLINK_AUDIT_RETENTION_YEARS + 1
    old = StaffRead.objects.create(
        staff_user_id=1,
        member_id=journey.newcomer.pk,
        reason=ReadReason.AUDIT,
        parts=["profile"],
        at=timezone.now() - datetime.timedelta(days=366 * years),
    )
    audit_purge_expired.delay()  # what beat sends every day
    assert wait_for(lambda: not StaffRead.objects.filter(pk=old.pk).exists(), timeout=30), (
        "the audit purge did not run"
    )


def report_a_message_and_staff_read_it(journey: Journey) -> None:
    """The mentor's message (written through the model) is reported; staff read it, audited."""
    mentor = journey.mentors[1]
    conversation, _ = Conversation.objects.get_or_create(match=journey.match)
    message = Message.objects.create(
        conversation=conversation, sender=mentor, text=journey.marker("message")
    )
    url = reverse("safety:report_message", args=[journey.match.pk, message.pk])
    assert journey.newcomer_browser.get(url).status_code == 200
    response = journey.newcomer_browser.post(url, {"text": journey.marker("message report")})
    assert response.status_code == 302
    report = Report.objects.get(message=message)
    page = open_record(
        journey.staff, reverse("admin:matching_report_change", args=[report.pk]), ReadReason.SAFETY
    )
    assert journey.marker("message") in page.content.decode()
    reads = StaffRead.objects.filter(member_id=journey.newcomer.pk, reason=ReadReason.SAFETY)
    assert any("messages" in read.parts for read in reads)


def another_member_deletes_their_account(journey: Journey) -> None:
    """Last, and someone else, so the markers above stay stored for the checks."""
    browser = Client()
    email = f"{journey.marker('leaving email')}@example.org"
    sign_up(browser, role="newcomer", email=email, name=journey.marker("leaving display name"))
    leaving = Member.objects.get(user__email=email)
    Member.objects.filter(pk=leaving.pk).update(
        contact_details=journey.marker("leaving contact details")
    )
    ActiveMatchFactory(newcomer=leaving, mentor=journey.mentors[0])  # the peer is told
    assert browser.get(reverse("members:delete")).status_code == 200
    response = browser.post(reverse("members:delete"), {"password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("members:goodbye")
    leaving.refresh_from_db()
    assert leaving.is_deleted
    assert not Member.objects.filter(display_name=journey.marker("leaving display name")).exists()
    assert not User.objects.filter(email=email).exists()


STEPS: list[Callable[[Journey], None]] = [
    sign_up_and_verify_the_email,
    sign_in_with_a_wrong_password_then_the_right_one,
    onboard_with_a_marker_tag_and_contact_details,
    change_what_is_shared_on_the_profile,
    rank_two_mentors,
    the_first_mentor_declines_with_a_note,
    the_second_mentor_accepts,
    the_newcomer_sees_on_their_home_page_what_changed,
    a_mentor_is_approved_then_reminded_of_a_request,
    reminders_come_due_and_go_out,
    set_share_and_check_in_on_a_step,
    check_in_with_a_concern_and_a_note,
    the_pair_exchange_messages,
    report_the_mentor,
    the_mentor_ends_the_match_with_a_reason,
    block_the_mentor,
    ask_for_help_now_twice,
    staff_open_the_report_and_the_hold,
    the_member_reads_their_accounting_and_downloads_their_data,
    staff_download_the_members_data,
    the_retention_job_purges_old_text_and_stale_sign_ups,
    the_audit_purge_removes_rows_past_retention,
    report_a_message_and_staff_read_it,
    another_member_deletes_their_account,
]


def markers_stored(journey: Journey) -> dict[str, bool]:
    """Whether each marker really reached the database, so finding none in logs means something."""
    newcomer = Member.objects.get(pk=journey.newcomer.pk)
    match = journey.match
    return {
        "email": newcomer.user.email == journey.email,
        "display name": newcomer.display_name == journey.marker("display name"),
        "contact details": newcomer.contact_details == journey.marker("contact details"),
        "tag choice": newcomer.tags.filter(slug=journey.marker("tag choice")).exists(),
        "check-in note": CheckIn.objects.filter(note=journey.marker("check-in note")).exists(),
        "decline note": Match.objects.filter(decline_note=journey.marker("decline note")).exists(),
        "end reason": Match.objects.filter(
            pk=match.pk, end_reason=journey.marker("end reason")
        ).exists(),
        "block reason": Block.objects.filter(reason=journey.marker("block reason")).exists(),
        "report": Report.objects.filter(text=journey.marker("report")).exists(),
        "message": Message.objects.filter(text=journey.marker("message")).exists(),
        "message report": Report.objects.filter(
            text=journey.marker("message report"), message__isnull=False
        ).exists(),
        "help-now contact": HelpRequest.objects.filter(
            how_to_contact=journey.marker("help-now contact")
        ).exists(),
        "step": Step.objects.filter(text=journey.marker("step")).exists(),
        "check-in step": Step.objects.filter(text=journey.marker("check-in step")).exists(),
    }


def where_markers_appear(journey: Journey, places: dict[str, list[str]]) -> list[str]:
    found = []
    for what, value in journey.markers.items():
        for place, texts in places.items():
            hits = [text for text in texts if value in text]
            if hits:
                at = hits[0].index(value)
                found.append(
                    f"the {what} marker is in {place} ({len(hits)}×), e.g. "
                    f"{hits[0][:200]!r} … {hits[0][max(0, at - 300) : at + 100]!r}"
                )
    return found


def test_no_personal_value_reaches_a_log_a_task_argument_or_the_broker(
    worker, staff_client, monkeypatch
):
    journey = Journey(markers={}, staff=staff_client)
    with capturing(monkeypatch) as capture:
        for step in STEPS:
            step(journey)
        # The capture sees what it should: this would be found, had a step logged it.
        logging.getLogger("peerlink.canary").debug("control %s", "canarycontrol")

        # Wait until the worker has finished every task published here and by itself.
        def all_done() -> bool:
            return worker.finished(capture.published_task_ids + worker.published_task_ids())

        assert wait_for(all_done, timeout=60, interval=0.5), worker.log()[-3000:]
    worker.stop()

    assert all(markers_stored(journey).values()), markers_stored(journey)
    assert any("canarycontrol" in record for record in capture.records)
    assert any("AXES: New login failure" in record for record in capture.records)
    published = {entry.split(" ", 1)[0] for entry in capture.publishes}
    assert {
        "matching.send_match_notification",
        "checkins.alert_staff_of_concern",
        "checkins.tick",
        "matching.alert_staff_of_report",
        "safety.alert_staff_of_help_request",
        "retention.purge",
        "audit.purge_expired",
    } <= published
    assert len(capture.sent) >= len(capture.publishes) and len(capture.stored) >= len(
        capture.publishes
    )
    log = worker.log()
    assert "CANARY-PUBLISH checkins.send_reminders" in log
    assert re.search(r"Task safety\.alert_staff_of_help_request\[\S+\] succeeded", log)
    for task in ("retention.purge", "audit.purge_expired"):
        assert re.search(rf"Task {re.escape(task)}\[\S+\] succeeded", log), task
    staff_alerts = [
        m for m in worker.sink.messages() if m.recipients == ("coordinator@example.org",)
    ]
    assert len(staff_alerts) >= 3  # a concern, a report, a help-now request

    places = {**capture.places(), "the worker's output": log.splitlines()}
    found = where_markers_appear(journey, places)
    assert not found, "\n".join(found)

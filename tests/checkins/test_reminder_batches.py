"""Sending reminders a batch at a time: each email is its recipient's own, reads as
its templates say, and the database sees a fixed number of statements per batch
with never more than one reminder claimed and not yet recorded."""

import datetime
import email
import email.policy
import re

import pytest
import time_machine
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from checkins import emails, services
from checkins.models import Reminder, ReminderState
from matching import services as matching_services
from members.models import Role
from peerlink import mail as peerlink_mail
from recovery.services import check_dismiss
from tests.factories import MentorFactory, NewcomerFactory
from tests.recovery.conftest import ensure_starter

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC)
DUE = START + datetime.timedelta(days=7, hours=1)
# Names that HTML escaping changes, and one it does not.
NAMES = ["Robin & Sam", "<Casey>", "O'Neil", 'Jo "JJ"', "Zoë", "Ari"]


@pytest.fixture
def due_reminder_ids():
    """Six due reminders for three matches whose people have names to escape."""
    with time_machine.travel(START, tick=False):
        for index in range(3):
            mentor = MentorFactory(time_zone="Europe/London", display_name=NAMES[2 * index])
            newcomer = NewcomerFactory(time_zone="UTC", display_name=NAMES[2 * index + 1])
            request = matching_services.match_request(
                newcomer=newcomer, mentor_ids=[mentor.pk], user=None
            )
            matching_services.match_accept(match_id=request.pk, mentor=mentor)
    with time_machine.travel(DUE, tick=False):
        services.reminders_create_due()
        return services.reminders_claim_due()


def reminders_sent() -> list[mail.EmailMultiAlternatives]:
    return [message for message in mail.outbox if message.subject == emails.SUBJECT]


def sent_by_reminder() -> dict[int, mail.EmailMultiAlternatives]:
    """The outbox by the reminder id in each email's signed "we connected" link."""
    found = {}
    for message in reminders_sent():
        token = re.search(r"/check-ins/link/([^/\s]+)/", message.body).group(1)
        reminder = services.link_reminder(token=token)
        found[reminder.pk] = message
    return found


def test_each_email_names_its_own_recipient_and_peer_and_links_its_own_reminder(
    due_reminder_ids,
):
    with time_machine.travel(DUE, tick=False):
        assert services.reminders_send(reminder_ids=due_reminder_ids) == (6, [])
        by_reminder = sent_by_reminder()
    assert set(by_reminder) == set(due_reminder_ids)
    for reminder in Reminder.objects.select_related("recipient__user", "match"):
        message = by_reminder[reminder.pk]
        match = reminder.match
        peer = match.mentor if reminder.recipient_id == match.newcomer_id else match.newcomer
        html = message.alternatives[0][0]
        assert message.to == [reminder.recipient.user.email]
        # Plain text as it is; HTML escaped.
        assert message.body.startswith(f"Hi {reminder.recipient.display_name},")
        assert f"How are things going with {peer.display_name}?" in message.body
        assert f"<p>Hi {escape(reminder.recipient.display_name)},</p>" in html
        assert f"How are things going with {escape(peer.display_name)}?" in html
        assert reverse("checkins:new", args=[match.pk]) in html


@pytest.mark.parametrize("check_offered", [True, False])
def test_the_batch_email_reads_exactly_as_its_templates_render_it(due_reminder_ids, check_offered):
    """The skeleton rendered once per batch, filled in per recipient, is what
    rendering the templates for that recipient gives, escaping included."""
    reminders = Reminder.objects.select_related("recipient__user")
    batch = emails.ReminderEmails(snooze_url="https://peerlink.example/check-ins/")
    for reminder in reminders:
        content = emails.ReminderContent(
            to=reminder.recipient.user.email,
            recipient_name=reminder.recipient.display_name,
            peer_name=f"{reminder.recipient.display_name} & <friend>",
            connected_url=f"https://peerlink.example/check-ins/link/a'b\"c<{reminder.pk}>/",
            checkin_url=f"https://peerlink.example/check-ins/{reminder.match_id}/?a=1&b=2",
            check_offered=check_offered,
        )
        context = {
            **emails.context(content=content, snooze_url=batch.snooze_url),
            "recipient": reminder.recipient,
        }
        message = batch.message(content)
        assert message.subject == "Time for a quick check-in"
        assert message.to == [reminder.recipient.user.email]
        assert message.body == render_to_string(emails.TEXT_TEMPLATE, context)
        assert message.alternatives == [
            (render_to_string(emails.HTML_TEMPLATE, context), "text/html")
        ]
        assert ("two-minute check" in message.body) is check_offered


def test_the_check_is_offered_in_a_batch_only_to_newcomers_for_whom_it_is_due(
    due_reminder_ids,
):
    ensure_starter()
    newcomers = Reminder.objects.filter(recipient__role=Role.NEWCOMER).select_related("recipient")
    dismissed = newcomers.first().recipient
    with time_machine.travel(DUE - datetime.timedelta(days=1), tick=False):
        check_dismiss(member=dismissed)
    with time_machine.travel(DUE, tick=False):
        services.reminders_send(reminder_ids=due_reminder_ids)
    offered = {
        message.to[0]
        for message in mail.outbox
        if "a two-minute check on how things are going for you" in message.body
    }
    expected = {r.recipient.user.email for r in newcomers if r.recipient != dismissed}
    assert len(expected) == 2 and offered == expected


def test_a_batch_runs_a_fixed_number_of_queries_one_statement_per_reminder(
    due_reminder_ids, django_assert_num_queries
):
    # Read the batch and what it says (4), then one statement per reminder
    # recording the one before and claiming it, and one recording the last.
    ensure_starter()  # a live version of the check: its offer is read too
    with django_assert_num_queries(4 + 6 + 1), time_machine.travel(DUE, tick=False):
        assert services.reminders_send(reminder_ids=due_reminder_ids) == (6, [])
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.SENT}


def test_at_most_one_reminder_is_claimed_and_unrecorded_while_a_batch_sends(
    due_reminder_ids, monkeypatch
):
    """What a worker killed at any point of a batch could leave in doubt."""
    seen = []
    send = services.mail.send

    def observing(message):
        in_doubt = Reminder.objects.filter(state=ReminderState.DUE, claimed_at__isnull=False)
        seen.append((in_doubt.count(), Reminder.objects.filter(state=ReminderState.SENT).count()))
        send(message)

    monkeypatch.setattr(services.mail, "send", observing)
    with time_machine.travel(DUE, tick=False):
        services.reminders_send(reminder_ids=due_reminder_ids)
    # Each email goes out with only itself in doubt, every earlier one recorded.
    assert seen == [(1, sent) for sent in range(6)]
    assert Reminder.objects.filter(state=ReminderState.SENT).count() == 6


def test_a_reminder_sent_elsewhere_mid_batch_is_not_sent_again(due_reminder_ids, monkeypatch):
    """Another worker took the third reminder (a duplicate message) while this one sent."""
    send = services.mail.send

    def with_a_rival(message):
        if len(mail.outbox) == 1:
            Reminder.objects.filter(pk=due_reminder_ids[2]).update(claimed_at=DUE)
        send(message)

    monkeypatch.setattr(services.mail, "send", with_a_rival)
    with time_machine.travel(DUE, tick=False):
        assert services.reminders_send(reminder_ids=due_reminder_ids) == (5, [])
        assert due_reminder_ids[2] not in sent_by_reminder()
    unsent = Reminder.objects.get(pk=due_reminder_ids[2])
    assert unsent.state == ReminderState.DUE and unsent.attempts == 0
    assert len(mail.outbox) == 5


# --- Over SMTP ----------------------------------------------------------------


def content_for(*, to="robin@example.org", name="Robin", peer_name="Sam", offered=True):
    return emails.ReminderContent(
        to=to,
        recipient_name=name,
        peer_name=peer_name,
        connected_url="https://peerlink.example/check-ins/link/eyJyIjoxfQ:1vzd1U:gks/",
        checkin_url="https://peerlink.example/check-ins/12/",
        check_offered=offered,
    )


@pytest.mark.parametrize(
    "content",
    [
        content_for(),
        content_for(name="Zoë"),
        content_for(to="robin+reminders@mail.example.org"),
        # Django's general path: an address to encode, a line too long to send as it is.
        content_for(to="zoë@example.org"),
        content_for(peer_name="Sam " * 300),
    ],
    ids=["plain", "accented name", "plus address", "accented address", "long line"],
)
def test_every_reminder_arrives_over_smtp_reading_as_its_templates_render_it(smtp, content):
    batch = emails.ReminderEmails(snooze_url="https://peerlink.example/check-ins/")
    peerlink_mail.send(batch.message(content))
    [received] = smtp.messages()
    parsed = email.message_from_bytes(received.raw, policy=email.policy.default)
    assert parsed["Subject"] == "Time for a quick check-in"
    assert parsed["To"].addresses[0].addr_spec == content.to
    assert received.recipients == (content.to,) or not content.to.isascii()
    context = emails.context(content=content, snooze_url=batch.snooze_url)
    text, html = parsed.get_payload()
    # Lines end in CRLF on the wire.
    assert text.get_content().replace("\r\n", "\n") == render_to_string(
        emails.TEXT_TEMPLATE, context
    )
    assert html.get_content_type() == "text/html"
    assert html.get_content().replace("\r\n", "\n") == render_to_string(
        emails.HTML_TEMPLATE, context
    )


def test_a_claim_whose_answer_the_database_lost_is_still_sent_once(
    seeded_transactional_db, due_reminder_ids, monkeypatch
):
    """The connection dropped after the statement that recorded one reminder and
    claimed the next had committed: the worker reconnects, and the reminder it
    had claimed is still its own to send, now rather than after the claim goes stale."""
    from django.db import OperationalError

    update, lost = services._update, []

    def answer_lost_once(**arguments):
        done = update(**arguments)
        if arguments["sent_id"] is not None and not lost:
            lost.append(arguments["claim_id"])
            raise OperationalError("server closed the connection unexpectedly")
        return done

    monkeypatch.setattr(services, "_update", answer_lost_once)
    with time_machine.travel(DUE):
        assert services.reminders_send(reminder_ids=due_reminder_ids) == (6, [])
        assert sorted(sent_by_reminder()) == sorted(due_reminder_ids)
    assert len(reminders_sent()) == 6
    assert set(Reminder.objects.values_list("state", flat=True)) == {ReminderState.SENT}
    assert lost == [due_reminder_ids[1]]

"""Members' rights over messages: a block closes the conversation for both sides, deleting
an account removes its messages' text, and the retention job purges ended conversations."""

import datetime

import pytest
import time_machine
from django.test import override_settings

from matching.models import Block, MatchState, Report, ReportStatus
from matching.services import match_end
from members import services as member_services
from members.tasks import retention_purge
from messaging.models import Message, Participant
from messaging.rules import conversation_is_open
from safety.services import member_block
from tests.factories import ActiveMatchFactory
from tests.messaging.conversations import active_pair, talk

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 1, 5, 12, 0, tzinfo=datetime.UTC)
DAYS = datetime.timedelta(days=1)


# --- Block ---------------------------------------------------------------------------


def test_an_active_match_has_an_open_conversation():
    _, _, match = active_pair()
    assert conversation_is_open(match) is True


@pytest.mark.parametrize("blocker_side", ["newcomer", "mentor"])
def test_after_a_block_the_conversation_is_closed_for_both_sides(blocker_side):
    newcomer, mentor, match = active_pair()
    talk(match, "hello", "hi")
    blocker, blocked = (newcomer, mentor) if blocker_side == "newcomer" else (mentor, newcomer)

    member_block(blocker=blocker, blocked=blocked)

    match.refresh_from_db()
    assert conversation_is_open(match) is False
    assert Message.objects.filter(conversation__match=match).count() == 2, "nothing is deleted"


@pytest.mark.parametrize("blocker_side", ["newcomer", "mentor"])
def test_a_block_closes_the_conversation_even_if_the_match_still_read_active(blocker_side):
    newcomer, mentor, match = active_pair()
    blocker, blocked = (newcomer, mentor) if blocker_side == "newcomer" else (mentor, newcomer)
    Block.objects.create(blocker=blocker, blocked=blocked)

    assert match.state == MatchState.ACTIVE
    assert conversation_is_open(match) is False


def test_a_block_with_someone_else_leaves_the_conversation_open():
    newcomer, mentor, match = active_pair()
    other = ActiveMatchFactory()
    member_block(blocker=newcomer, blocked=other.mentor)
    match.refresh_from_db()
    assert conversation_is_open(match) is True


@pytest.mark.parametrize("state", [s for s in MatchState.values if s != MatchState.ACTIVE])
def test_only_an_active_match_has_an_open_conversation(state):
    _, _, match = active_pair()
    match.state = state
    assert conversation_is_open(match) is False


def test_an_ended_match_closes_the_conversation():
    newcomer, _, match = active_pair()
    match_end(match_id=match.pk, ended_by="newcomer", member=newcomer, reason="Moving on")
    match.refresh_from_db()
    assert conversation_is_open(match) is False


# --- Deleting an account ---------------------------------------------------------------


def test_deleting_an_account_removes_its_messages_text_and_the_peer_keeps_theirs():
    newcomer, mentor, match = active_pair()
    mine, theirs, mine_again = talk(match, "I relapsed on Friday", "I'm here for you", "Thanks")

    assert member_services.delete_account(member=newcomer) is True

    for message in (mine, theirs, mine_again):
        message.refresh_from_db()
    assert mine.text == mine_again.text == ""
    assert mine.removed_at is not None and mine_again.removed_at is not None
    assert theirs.text == "I'm here for you" and theirs.removed_at is None
    assert Participant.objects.filter(conversation__match=match).count() == 2, "rows stay"
    removed_at = mine.removed_at
    assert member_services.delete_account(member=newcomer) is False
    mine.refresh_from_db()
    assert mine.removed_at == removed_at


def test_a_reported_message_of_a_deleted_account_shows_as_removed_to_staff():
    newcomer, mentor, match = active_pair()
    _, rude = talk(match, "hello", "something cruel")
    Report.objects.create(reporter=newcomer, reported=mentor, match=match, message=rude)

    member_services.delete_account(member=mentor)

    rude.refresh_from_db()
    assert rude.text == "" and Report.objects.get().message == rude


# --- Retention -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _retention_period():
    with override_settings(PEERLINK_RETENTION_ENDED_MATCH_DAYS=30):
        yield


def ended_conversation():
    _, _, match = active_pair()
    match.state, match.ended_at = MatchState.ENDED, START
    match.save()
    return match, talk(match, "Talked about cravings", "Call me any time")


def test_messages_of_an_ended_conversation_stay_until_the_period_is_over_then_go():
    with time_machine.travel(START - DAYS, tick=False):
        match, messages = ended_conversation()
        _, _, active = active_pair("Sam", "Jo")
        (ongoing,) = talk(active, "Still going")

    with time_machine.travel(START + 29 * DAYS, tick=False):
        retention_purge()
    assert [m.text for m in Message.objects.filter(conversation__match=match)] == [
        "Talked about cravings",
        "Call me any time",
    ]

    with time_machine.travel(START + 31 * DAYS, tick=False):
        result = retention_purge()
    purged = Message.objects.filter(conversation__match=match)
    assert [m.text for m in purged] == ["", ""]
    assert all(m.removed_at == START + 31 * DAYS for m in purged)
    assert result["messages_purged"] == 2
    ongoing.refresh_from_db()
    assert ongoing.text == "Still going", "an active conversation keeps its text"

    with time_machine.travel(START + 32 * DAYS, tick=False):
        again = retention_purge()
    assert again["messages_purged"] == 0, "a second run changes nothing"
    assert Message.objects.get(pk=messages[0].pk).removed_at == START + 31 * DAYS


def test_a_conversation_with_an_open_report_keeps_its_text_until_staff_deal_with_it():
    with time_machine.travel(START, tick=False):
        match, (first, second) = ended_conversation()
        report = Report.objects.create(
            reporter=match.newcomer, reported=match.mentor, match=match, message=second
        )

    with time_machine.travel(START + 31 * DAYS, tick=False):
        retention_purge()
    assert Message.objects.get(pk=first.pk).text == "Talked about cravings"

    Report.objects.filter(pk=report.pk).update(status=ReportStatus.CLOSED)
    with time_machine.travel(START + 32 * DAYS, tick=False):
        result = retention_purge()
    assert result["messages_purged"] == 2
    assert Message.objects.get(pk=second.pk).text == ""

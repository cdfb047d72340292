"""Who may take part in a match: one pair rule at every step that makes or keeps a pair live.

The rule: the mentor is vetted, not paused, not held, with an open account and
room; the newcomer is not held and has an open account; neither has blocked
the other. Request, staff approval, accept, reassign and batch apply all ask
it, and open requests move on when a mentor may no longer be asked.
"""

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import Disclosure
from matching import batch, services
from matching.models import Block, Match, MatchingSettings, MatchState
from matching.services import MatchError
from members.models import Member, VettingStatus
from members.services import member_profile_update, mentor_set_vetting
from messaging.services import ConversationNotFound, MessagingError, send_message
from safety import services as safety_services
from safety.services import help_request_create
from tests.factories import MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db


def request(newcomer, *mentors) -> Match:
    return services.match_request(
        newcomer=newcomer, mentor_ids=[m.pk for m in mentors], user=newcomer.user
    )


def require_staff_approval() -> None:
    MatchingSettings.objects.update_or_create(pk=1, defaults={"require_staff_approval": True})


def state_of(match) -> str:
    match.refresh_from_db()
    return match.state


# Each way a member may stop being allowed in a pair, set straight on the rows
# (as a concurrent change would leave them), so each step's own check is tested.
BREAKS = {
    "mentor held": lambda newcomer, mentor: Member.objects.filter(pk=mentor.pk).update(
        held_for_review=True
    ),
    "mentor paused": lambda newcomer, mentor: Member.objects.filter(pk=mentor.pk).update(
        is_paused=True
    ),
    "mentor rejected": lambda newcomer, mentor: Member.objects.filter(pk=mentor.pk).update(
        vetting_status=VettingStatus.REJECTED
    ),
    "newcomer held": lambda newcomer, mentor: Member.objects.filter(pk=newcomer.pk).update(
        held_for_review=True
    ),
    "mentor blocked the newcomer": lambda newcomer, mentor: Block.objects.create(
        blocker=mentor, blocked=newcomer
    ),
    "newcomer deactivated": lambda newcomer, mentor: (
        type(newcomer.user).objects.filter(pk=newcomer.user_id).update(is_active=False)
    ),
}


def test_a_mentor_who_asked_for_help_can_neither_accept_nor_message(newcomer, mentor):
    match = request(newcomer, mentor)
    help_request_create(member=mentor, may_contact=True, how_to_contact="")

    with pytest.raises(MatchError):
        services.match_accept(match_id=match.pk, mentor=mentor)
    # The request moved on, so its conversation is no longer the mentor's to write in.
    with pytest.raises((MessagingError, ConversationNotFound)):
        send_message(member=mentor, match_id=match.pk, text="Hi, happy to help")
    assert not Match.objects.filter(state=MatchState.ACTIVE).exists()


def test_a_held_mentor_is_told_staff_will_be_in_touch_when_accepting(newcomer, mentor):
    match = request(newcomer, mentor)
    BREAKS["mentor held"](newcomer, mentor)

    with pytest.raises(MatchError, match="Our staff will be in touch"):
        services.match_accept(match_id=match.pk, mentor=mentor)
    assert state_of(match) == MatchState.AWAITING_MENTOR


def test_a_held_newcomers_request_cannot_be_accepted_and_the_mentor_is_not_told_why(
    newcomer, mentor
):
    match = request(newcomer, mentor)
    BREAKS["newcomer held"](newcomer, mentor)

    with pytest.raises(MatchError) as refused:
        services.match_accept(match_id=match.pk, mentor=mentor)
    assert str(refused.value) == services.NO_LONGER_OPEN
    assert state_of(match) == MatchState.AWAITING_MENTOR


def test_a_newcomer_who_asks_for_help_has_their_request_withdrawn(newcomer, mentor):
    match = request(newcomer, mentor)
    help_request_create(member=newcomer, may_contact=True, how_to_contact="")

    assert state_of(match) == MatchState.WITHDRAWN
    with pytest.raises(MatchError):
        services.match_accept(match_id=match.pk, mentor=mentor)


def test_a_mentor_rejected_by_staff_cannot_accept_or_see_contact_details(
    newcomer, mentor, staff_user
):
    Member.objects.filter(pk=newcomer.pk).update(share_contact=True, contact_details="555-0100")
    match = request(newcomer, mentor)
    mentor_set_vetting(member_id=mentor.pk, status=VettingStatus.REJECTED, staff_user=staff_user)

    with pytest.raises(MatchError):
        services.match_accept(match_id=match.pk, mentor=mentor)
    assert not Match.objects.filter(state=MatchState.ACTIVE).exists()
    seen = Disclosure.objects.filter(member_id=newcomer.pk, viewer_member_id=mentor.pk)
    assert not seen.filter(category="share_contact").exists()


@pytest.mark.parametrize("broken", BREAKS)
def test_accept_refuses_a_pair_the_rule_no_longer_allows(newcomer, mentor, broken):
    match = request(newcomer, mentor)
    BREAKS[broken](newcomer, mentor)

    with pytest.raises(MatchError):
        services.match_accept(match_id=match.pk, mentor=mentor)
    assert state_of(match) == MatchState.AWAITING_MENTOR


@pytest.mark.parametrize("broken", BREAKS)
def test_staff_approval_refuses_a_pair_the_rule_no_longer_allows_and_says_why(
    newcomer, mentor, staff_user, broken
):
    require_staff_approval()
    match = request(newcomer, mentor)
    BREAKS[broken](newcomer, mentor)

    with pytest.raises(MatchError, match="can't be approved: "):
        services.match_approve(match_id=match.pk, staff_user=staff_user)
    assert state_of(match) == MatchState.PENDING_APPROVAL
    assert not mail.outbox


@pytest.mark.parametrize("broken", BREAKS)
def test_reassigning_to_a_mentor_the_rule_refuses_changes_nothing(
    newcomer, mentor, staff_user, broken
):
    match = request(newcomer, MentorFactory())
    BREAKS[broken](newcomer, mentor)

    with pytest.raises(MatchError):
        services.match_reassign(match_id=match.pk, mentor=mentor, staff_user=staff_user)
    assert state_of(match) == MatchState.AWAITING_MENTOR
    assert Match.objects.filter(newcomer=newcomer).count() == 1


@pytest.mark.parametrize("broken", BREAKS)
def test_batch_apply_skips_a_pair_the_rule_no_longer_allows(newcomer, mentor, staff_user, broken):
    run = batch.batch_run_preview(user=staff_user)
    assert [pair[:2] for pair in run.pairs] == [[newcomer.pk, mentor.pk]]
    BREAKS[broken](newcomer, mentor)

    run = batch.batch_run_apply(run_id=run.pk, user=staff_user)

    assert run.proposals_created == 0
    assert run.summary["skipped"] == 1
    assert not Match.objects.exists()


MENTOR_STOPS = {
    "asks for help": lambda mentor, newcomer, staff_user: help_request_create(
        member=mentor, may_contact=None, how_to_contact=""
    ),
    "pauses": lambda mentor, newcomer, staff_user: member_profile_update(
        member=mentor, changes={"is_paused": True}
    ),
    "is rejected by staff": lambda mentor, newcomer, staff_user: mentor_set_vetting(
        member_id=mentor.pk, status=VettingStatus.REJECTED, staff_user=staff_user
    ),
    "blocks the newcomer": lambda mentor, newcomer, staff_user: safety_services.member_block(
        blocker=mentor, blocked=newcomer
    ),
}


@pytest.mark.parametrize("approval", [False, True], ids=["asked", "pending staff"])
@pytest.mark.parametrize("stop", MENTOR_STOPS)
def test_open_requests_move_on_when_the_mentor_may_no_longer_be_asked(
    newcomer, mentor, staff_user, stop, approval, django_capture_on_commit_callbacks
):
    if approval:
        require_staff_approval()
    second = MentorFactory()
    first_request = request(newcomer, mentor, second)

    with django_capture_on_commit_callbacks(execute=True):
        MENTOR_STOPS[stop](mentor, newcomer, staff_user)

    # Read by the newcomer as any decline; before approval, as a staff rejection.
    closed_as = MatchState.REJECTED if approval else MatchState.DECLINED
    assert state_of(first_request) == closed_as
    moved = Match.objects.get(newcomer=newcomer, mentor=second)
    expected = MatchState.PENDING_APPROVAL if approval else MatchState.AWAITING_MENTOR
    assert moved.state == expected
    told = [message for message in mail.outbox if message.to == [newcomer.user.email]]
    assert len(told) == 1
    assert "passed your request on to your next choice" in told[0].body
    for word in ("held", "help", "paus", "reject", "block"):
        assert word not in told[0].body.lower()


def test_a_newcomer_with_no_next_choice_is_told_and_waits_for_staff(
    newcomer, mentor, staff_user, django_capture_on_commit_callbacks
):
    match = request(newcomer, mentor)
    with django_capture_on_commit_callbacks(execute=True):
        mentor_set_vetting(
            member_id=mentor.pk, status=VettingStatus.REJECTED, staff_user=staff_user
        )

    assert state_of(match) == MatchState.DECLINED
    assert not Match.objects.filter(newcomer=newcomer, state__in=[MatchState.AWAITING_MENTOR])
    told = [message for message in mail.outbox if message.to == [newcomer.user.email]]
    assert len(told) == 1 and "Our team will help you find someone" in told[0].body


def test_an_active_match_stays_when_the_mentor_pauses(newcomer, mentor):
    match = request(newcomer, mentor)
    services.match_accept(match_id=match.pk, mentor=mentor)

    member_profile_update(member=mentor, changes={"is_paused": True})

    assert state_of(match) == MatchState.ACTIVE


def disclosures_of(match) -> list[tuple[str, str]]:
    """Return (whose record, category) for each category one side may see of the other."""
    side = {match.newcomer_id: "newcomer", match.mentor_id: "mentor"}
    return sorted(
        (side[member_id], category)
        for member_id, category in Disclosure.objects.filter(match_id=match.pk).values_list(
            "member_id", "category"
        )
    )


@pytest.mark.parametrize("approval", [False, True], ids=["asked", "pending staff"])
def test_a_batch_request_records_the_same_disclosures_as_a_single_request(
    staff_user, approval, django_capture_on_commit_callbacks
):
    if approval:
        require_staff_approval()
    mentor = MentorFactory(capacity=1)
    NewcomerFactory()
    run = batch.batch_run_preview(user=staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        batch.batch_run_apply(run_id=run.pk, user=staff_user)
    from_batch = Match.objects.get(batch_run=run)
    # The same kind of pair, asked for one at a time by the newcomer.
    from_request = request(NewcomerFactory(), MentorFactory(capacity=1))

    # Until staff approve, only the newcomer sees anything (of the mentor).
    assert len(disclosures_of(from_batch)) == (4 if approval else 8)
    assert disclosures_of(from_batch) == disclosures_of(from_request)
    asked = [message for message in mail.outbox if message.to == [mentor.user.email]]
    assert len(asked) == (0 if approval else 1)


def test_batch_apply_writes_any_number_of_requests_in_the_same_number_of_queries(staff_user):
    queries = []
    for pairs in (1, 4):
        for _ in range(pairs):
            MentorFactory(capacity=1)
            NewcomerFactory()
        run = batch.batch_run_preview(user=staff_user)
        with CaptureQueriesContext(connection) as applied:
            run = batch.batch_run_apply(run_id=run.pk, user=staff_user)
        assert run.proposals_created == pairs
        queries.append(len(applied))
    assert queries[0] == queries[1]


def test_pausing_on_the_profile_page_moves_open_requests_on(newcomer, mentor, mentor_client):
    second = MentorFactory()
    first_request = request(newcomer, mentor, second)

    response = mentor_client.post(
        reverse("members:profile_edit", args=["availability"]),
        {"availability": ["mon-evening"], "capacity": 3, "is_paused": "on"},
    )

    assert response.status_code == 302
    assert state_of(first_request) == MatchState.DECLINED
    assert Match.objects.get(newcomer=newcomer, mentor=second).state == MatchState.AWAITING_MENTOR


def test_staff_pausing_a_reported_mentor_moves_their_open_requests_on(newcomer, mentor, staff_user):
    other = NewcomerFactory()
    match = request(other, mentor)
    report = safety_services.report_create(reporter=newcomer, reported=mentor, text="Rude")

    safety_services.report_act(report_id=report.pk, action="pause_mentor", staff_user=staff_user)

    assert state_of(match) == MatchState.DECLINED


def test_a_mentor_sent_back_to_review_by_a_date_move_is_asked_no_more(newcomer, mentor):
    match = request(newcomer, mentor)
    mentor_client = Client()
    mentor_client.force_login(mentor.user)
    far_earlier = mentor.recovery_start_date.replace(year=mentor.recovery_start_date.year - 20)

    changed = mentor_client.patch(
        reverse("api:v1:me"),
        {"recovery_start_date": far_earlier.isoformat()},
        content_type="application/json",
    )

    assert changed.status_code == 200
    assert changed.json()["vetting_status"] == "pending"
    assert state_of(match) != MatchState.AWAITING_MENTOR, "the request moved on"

"""Random lifecycles never leave a live pair that breaks the pair rule.

A hypothesis state machine drives a handful of members through random steps,
each through the same service a page, the API or the admin calls: request,
staff approval, accept, decline, expire, withdraw, end, block, ask for help
and clear the hold, pause and unpause, vetting, reassign and batch apply.

A pair is *live* when the mentor has been asked (awaiting the mentor) or the
match is active. After every step:

- every pair awaiting the mentor keeps the whole rule: the mentor vetted, not
  paused, not held, account open; the newcomer not held, account open; no
  block either way;
- a pair that became active in this step kept the whole rule as it did;
- an active pair is never blocked, and no mentor has more active matches than
  their capacity.

An active match is not ended by a pause, a hold or a vetting change: staff
decide about it. A pair pending staff approval is not live: the mentor has not
been asked, and approval checks the rule.
"""

import datetime

import pytest
from django.db import transaction
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from matching import batch, services
from matching.models import OPEN_STATES, Block, EndedBy, Match, MatchingSettings, MatchState
from matching.services import MatchError
from members.models import Member, VettingStatus
from members.services import member_profile_update, mentor_set_vetting
from safety import services as safety_services
from safety.models import HelpRequest
from safety.services import help_request_create, holds_clear
from tests.factories import MentorFactory, NewcomerFactory, UserFactory

NEWCOMERS = range(3)
MENTORS = range(2)
LIVE = [MatchState.AWAITING_MENTOR, MatchState.ACTIVE]
PEOPLE: dict = {}


def may_take_part(newcomer: Member, mentor: Member, blocks: set) -> bool:
    """The pair rule, read straight from the rows (not from the code under test)."""
    return (
        mentor.vetting_status == VettingStatus.APPROVED
        and not mentor.is_paused
        and not mentor.held_for_review
        and mentor.user.is_active
        and not mentor.is_deleted
        and not newcomer.held_for_review
        and newcomer.user.is_active
        and not newcomer.is_deleted
        and not {(newcomer.pk, mentor.pk), (mentor.pk, newcomer.pk)} & blocks
    )


class Lifecycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint rolled back at its end.
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        self.active_before: set[int] = set()

    def teardown(self):
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    @initialize(
        approval=st.booleans(),
        choices=st.lists(
            st.lists(st.sampled_from(MENTORS), max_size=2, unique=True),
            min_size=len(NEWCOMERS),
            max_size=len(NEWCOMERS),
        ),
    )
    def people(self, approval, choices):
        """The programme's approval setting and the first requests."""
        self.staff, self.newcomers, self.mentors = (
            PEOPLE["staff"],
            PEOPLE["newcomers"],
            PEOPLE["mentors"],
        )
        self.staff_approval(approval)
        for newcomer, ranked in enumerate(choices):
            if ranked:
                self.request(newcomer, ranked)

    def open_match(self, pick: int, states=OPEN_STATES) -> Match | None:
        """Return one of the open requests or matches in `states`, or None if there is none."""
        matches = list(Match.objects.filter(state__in=states).order_by("pk"))
        return matches[pick % len(matches)] if matches else None

    def attempt(self, step, **kwargs):
        try:
            with transaction.atomic():
                return step(**kwargs)
        except MatchError:
            return None

    # Steps a member takes -------------------------------------------------

    @rule(
        newcomer=st.sampled_from(NEWCOMERS),
        ranked=st.lists(st.sampled_from(MENTORS), min_size=1, max_size=2, unique=True),
    )
    def request(self, newcomer, ranked):
        member = self.newcomers[newcomer]
        self.attempt(
            services.match_request,
            newcomer=member,
            mentor_ids=[self.mentors[m].pk for m in ranked],
            user=member.user,
        )

    @rule(pick=st.integers(0, 2))
    def accept(self, pick):
        match = self.open_match(pick, [MatchState.AWAITING_MENTOR])
        if match is not None:
            self.attempt(services.match_accept, match_id=match.pk, mentor=match.mentor)

    @rule(pick=st.integers(0, 2), expire=st.booleans())
    def decline_or_expire(self, pick, expire):
        match = self.open_match(pick, [MatchState.AWAITING_MENTOR])
        if match is None:
            return
        if expire:
            past = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
            Match.objects.filter(pk=match.pk).update(expires_at=past)
            services.match_expire(match_id=match.pk)
        else:
            services.match_decline(match_id=match.pk, mentor=match.mentor, reason="no_capacity")

    @rule(pick=st.integers(0, 2))
    def withdraw_or_end(self, pick):
        match = self.open_match(pick)
        if match is None:
            return
        if match.state == MatchState.ACTIVE:
            services.match_end(
                match_id=match.pk,
                ended_by=EndedBy.NEWCOMER,
                reason="Moving on",
                member=match.newcomer,
            )
        else:
            services.match_withdraw(match_id=match.pk, newcomer=match.newcomer)

    # Changes to a member aim at someone in an open request or match (when
    # there is one), where a change could break a live pair.

    def someone(self, pick: int, mentor_side: bool) -> Member:
        match = self.open_match(pick)
        if match is None:
            return self.mentors[pick % len(MENTORS)] if mentor_side else self.newcomers[pick]
        return match.mentor if mentor_side else match.newcomer

    @rule(pick=st.integers(0, 2), by_mentor=st.booleans())
    def block(self, pick, by_mentor):
        pair = [self.someone(pick, mentor_side=False), self.someone(pick, mentor_side=True)]
        blocker, blocked = reversed(pair) if by_mentor else pair
        safety_services.member_block(blocker=blocker, blocked=blocked)

    @rule(pick=st.integers(0, 2), mentor_side=st.booleans())
    def ask_for_help(self, pick, mentor_side):
        member = self.someone(pick, mentor_side)
        help_request_create(member=member, may_contact=True, how_to_contact="")

    @rule(pick=st.integers(0, 2), paused=st.booleans())
    def pause(self, pick, paused):
        member_profile_update(member=self.someone(pick, True), changes={"is_paused": paused})

    # Steps staff take -----------------------------------------------------

    @rule()
    def clear_holds(self):
        open_requests = HelpRequest.objects.filter(cleared_at=None).values_list("pk", flat=True)
        holds_clear(help_request_ids=list(open_requests), staff_user=self.staff)

    @rule(
        pick=st.integers(0, 2),
        status=st.sampled_from([VettingStatus.APPROVED, VettingStatus.REJECTED]),
    )
    def vet(self, pick, status):
        mentor = self.someone(pick, mentor_side=True)
        mentor_set_vetting(member_id=mentor.pk, status=status, staff_user=self.staff)

    def staff_approval(self, required):
        MatchingSettings.objects.update_or_create(
            pk=1, defaults={"require_staff_approval": required}
        )

    @rule(pick=st.integers(0, 2))
    def approve(self, pick):
        match = self.open_match(pick, [MatchState.PENDING_APPROVAL])
        if match is not None:
            self.attempt(services.match_approve, match_id=match.pk, staff_user=self.staff)

    @rule(pick=st.integers(0, 2), mentor=st.sampled_from(MENTORS))
    def reassign(self, pick, mentor):
        match = self.open_match(pick, [MatchState.PENDING_APPROVAL, MatchState.AWAITING_MENTOR])
        if match is not None:
            self.attempt(
                services.match_reassign,
                match_id=match.pk,
                mentor=self.mentors[mentor],
                staff_user=self.staff,
            )

    @rule()
    def batch_apply(self):
        run = batch.batch_run_preview(user=self.staff)
        batch.batch_run_apply(run_id=run.pk, user=self.staff)

    # What must hold after every step -------------------------------------

    @invariant()
    def live_pairs_keep_the_rule(self):
        if not hasattr(self, "mentors"):
            return
        members = Member.objects.select_related("user").in_bulk()
        blocks = set(Block.objects.values_list("blocker_id", "blocked_id"))
        live = list(Match.objects.filter(state__in=LIVE))
        for match in live:
            newcomer, mentor = members[match.newcomer_id], members[match.mentor_id]
            if match.state == MatchState.AWAITING_MENTOR or match.pk not in self.active_before:
                assert may_take_part(newcomer, mentor, blocks), (
                    f"{match.get_state_display()} pair breaks the rule"
                )
            else:
                pair = {(newcomer.pk, mentor.pk), (mentor.pk, newcomer.pk)}
                assert not pair & blocks, "an active pair is blocked"
        for mentor in self.mentors:
            taken = sum(m.state == MatchState.ACTIVE and m.mentor_id == mentor.pk for m in live)
            assert taken <= members[mentor.pk].capacity, "a mentor is over capacity"
        self.active_before = {match.pk for match in live if match.state == MatchState.ACTIVE}


@pytest.mark.django_db
def test_random_lifecycles_never_leave_a_live_pair_that_breaks_the_rule():
    # Three newcomers and two mentors (room for one and for three), made once:
    # each example changes them inside its own savepoint.
    PEOPLE["staff"] = UserFactory(is_staff=True)
    PEOPLE["newcomers"] = [NewcomerFactory() for _ in NEWCOMERS]
    PEOPLE["mentors"] = [MentorFactory(capacity=1), MentorFactory(capacity=3)]
    run_state_machine_as_test(
        Lifecycle,
        # No shrinking: a failure reports its few steps in seconds, not minutes.
        settings=settings(
            max_examples=30,
            stateful_step_count=8,
            deadline=None,
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
        ),
    )

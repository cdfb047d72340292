"""Writes for matching: one function per lifecycle transition.

Each runs in a transaction and locks the rows it contends for: the newcomer
(one open request or match) and, on accept, the mentor (capacity). Every
refusal raises `MatchError` with a message a person can read; views turn it
into a form error or an HTTP 409.

Every step that makes a pair live (request, approval, accept, reassign, batch
apply) checks the same pair rule, `selectors.PairCheck.participation_refusal`;
a change of hold, pause, vetting or block calls `open_requests_recheck`, which
moves on the open requests the rule now refuses.

    requested / proposed ──(staff approval, if required)──▶ awaiting mentor
    awaiting mentor ──▶ active | declined | expired | withdrawn
    declined / expired / rejected ──▶ next ranked choice, else the staff queue
    active ──▶ ended (by either side or staff) ──▶ the newcomer may match again
"""

from __future__ import annotations

import datetime
import time

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.services import record_match_disclosures, record_matches_disclosures
from members.models import Member, Role, User
from messaging.services import (
    MessagingError,
    clean_request_note,
    conversation_start,
    request_note_add,
)
from peerlink.ids import parse_id
from peerlink.queue import enqueue

from . import scoring, selectors
from .models import (
    OPEN_STATES,
    REQUEST_STATES,
    BatchRun,
    DeclineReason,
    EndedBy,
    Match,
    MatchingSettings,
    MatchNotification,
    MatchOrigin,
    MatchState,
    MemberNotification,
    SuggestionList,
    SuggestionPlan,
)

MAX_RANKED_CHOICES = 3


class MatchError(Exception):
    """A matching change the rules do not allow; the message is for people."""


ALREADY_OPEN = "You already have an open request or an active match."
# The one answer a newcomer gets for any mentor they may not request: a precise
# reason would tell them the mentor's gender, recovery date or pause.
NOT_AVAILABLE = "That peer is not available. Choose someone from your suggestions."
# What a member held after asking for help sees: calm, never "you are blocked".
ON_HOLD = "Our staff will be in touch. You can still reach the crisis lines any time."
NOT_ONBOARDED = "Finish your profile first: your suggestions come from it."
REASSIGNED_END_REASON = "Reassigned by staff to another mentor"
FULL = "You are already supporting as many newcomers as your capacity allows."
# What a mentor is told when a request may no longer be accepted for any reason
# beyond their own capacity or hold.
NO_LONGER_OPEN = "This request is no longer open."


def _notify(match: Match, event: str) -> None:
    """Record the email to send (the outbox row) and enqueue it after commit."""
    MatchNotification.objects.get_or_create(match=match, event=event)
    transaction.on_commit(lambda: enqueue("matching.send_match_notification", match.pk, event))


def _participation_refusal(match: Match, *, count_room: bool = True) -> str | None:
    """Return why the two people of an open request may not take part in it now, or None.

    The pair rule of `selectors.PairCheck.participation_refusal`, with the
    request itself not counted against the mentor's room or the newcomer's
    one open request.
    """
    check = selectors.PairCheck.for_match(match, count_room=count_room)
    return check.participation_refusal(match.newcomer_id, match.mentor_id)


def _lock_member(member_id: int) -> Member:
    return Member.objects.select_for_update().get(pk=member_id)


def _lock_match(match_id: int) -> Match:
    try:
        return Match.objects.select_for_update().get(pk=match_id)
    except Match.DoesNotExist as exc:
        raise MatchError("This request no longer exists.") from exc


def _require_state(match: Match, allowed: list[str], action: str) -> None:
    if match.state not in allowed:
        raise MatchError(
            f"This match can't be {action}: it is {match.get_state_display().lower()}."
        )


def build_request(
    *,
    check: selectors.PairCheck,
    newcomer: Member,
    mentor: Member,
    origin: str,
    created_by: User | None,
    programme: MatchingSettings,
    now: datetime.datetime,
    next_choices: list[int] | None = None,
    choice_rank: int | None = None,
    batch_run: BatchRun | None = None,
) -> Match:
    """Return an unsaved open request for a pair `check` allows, and reserve it in `check`.

    Raise MatchError with the precise reason (for staff) when the pair is refused.
    """
    assessment = check.assess(newcomer.pk, mentor.pk)
    if not assessment.allowed:
        raise MatchError(assessment.refusal)
    check.reserve(newcomer.pk, mentor.pk)
    needs_approval = programme.require_staff_approval and origin != MatchOrigin.STAFF
    return Match(
        newcomer=newcomer,
        mentor=mentor,
        origin=origin,
        created_by=created_by,
        next_choices=next_choices or [],
        choice_rank=choice_rank,
        batch_run=batch_run,
        score=assessment.score,
        breakdown=assessment.breakdown,
        weights=programme.weights(),
        reasons=assessment.reasons,
        state=MatchState.PENDING_APPROVAL if needs_approval else MatchState.AWAITING_MENTOR,
        sent_to_mentor_at=None if needs_approval else now,
        expires_at=(
            None
            if needs_approval
            else now + datetime.timedelta(hours=programme.request_expiry_hours)
        ),
    )


def requests_insert(matches: list[Match]) -> list[Match]:
    """Save new open requests with what every request brings, one or thousands at once.

    The one way requests are written: each side's accounting of disclosures
    records what the other may now see, and each mentor asked now gets the
    request email. A fixed number of queries whatever the number of requests.
    """
    created = Match.objects.bulk_create(matches, batch_size=1000)
    record_matches_disclosures(created)
    asked = [match.pk for match in created if match.state == MatchState.AWAITING_MENTOR]
    if asked:
        MatchNotification.objects.bulk_create(
            [MatchNotification(match_id=pk, event="requested") for pk in asked],
            batch_size=1000,
            ignore_conflicts=True,
        )

        def enqueue_all() -> None:
            for match_id in asked:
                enqueue("matching.send_match_notification", match_id, "requested")

        transaction.on_commit(enqueue_all)
    return created


def _create(
    *,
    newcomer: Member,
    mentor: Member,
    origin: str,
    created_by: User | None,
    next_choices: list[int] | None = None,
    choice_rank: int | None = None,
    check: selectors.PairCheck | None = None,
    refusal: str | None = None,
) -> Match:
    """Create an open request for a checked pair; the newcomer row must be locked.

    `refusal`, if given, replaces the precise reason a pair is refused: members
    must not learn from it what a mentor did not share.
    """
    check = check or selectors.PairCheck([newcomer.pk], [mentor.pk])
    if check.has_open_match(newcomer.pk):
        raise MatchError(ALREADY_OPEN)
    try:
        match = build_request(
            check=check,
            newcomer=newcomer,
            mentor=mentor,
            origin=origin,
            created_by=created_by,
            programme=MatchingSettings.get_solo(),
            now=timezone.now(),
            next_choices=next_choices,
            choice_rank=choice_rank,
        )
    except MatchError as error:
        raise MatchError(refusal or str(error)) from error
    try:
        with transaction.atomic():
            requests_insert([match])
    except IntegrityError as exc:
        raise MatchError(ALREADY_OPEN) from exc
    conversation_start(match=match)
    return match


@transaction.atomic
def match_request(
    *, newcomer: Member, mentor_ids: list, user: User | None, note: str = ""
) -> Match:
    """Request one mentor, or rank up to three: later choices are tried in order.

    Every choice must be a mentor this newcomer could be suggested now. Any
    other id, whatever the reason, gets the same answer. The optional `note`
    (why they chose this mentor) opens the conversation; the mentor reads it
    with the request.
    """
    if newcomer.role != Role.NEWCOMER:
        raise MatchError("Only newcomers can request a mentor.")
    try:
        note = clean_request_note(note)
    except MessagingError as error:
        raise MatchError(str(error)) from error
    parsed = [parse_id(mentor_id) for mentor_id in mentor_ids]
    if None in parsed:
        raise MatchError(NOT_AVAILABLE)
    choices = list(dict.fromkeys(parsed))
    if not choices:
        raise MatchError("Choose a mentor first.")
    if len(choices) > MAX_RANKED_CHOICES:
        raise MatchError(f"You can rank up to {MAX_RANKED_CHOICES} mentors.")
    newcomer = _lock_member(newcomer.pk)
    if not newcomer.is_onboarded:
        raise MatchError(NOT_ONBOARDED)
    if newcomer.held_for_review:
        raise MatchError(ON_HOLD)
    check = selectors.PairCheck([newcomer.pk], choices)
    if check.has_open_match(newcomer.pk):
        raise MatchError(ALREADY_OPEN)
    if any(check.refusal(newcomer.pk, mentor_id) for mentor_id in choices):
        raise MatchError(NOT_AVAILABLE)
    match = _create(
        newcomer=newcomer,
        mentor=Member.objects.get(pk=choices[0]),
        created_by=user,
        origin=MatchOrigin.RANKED if len(choices) > 1 else MatchOrigin.REQUEST,
        next_choices=choices[1:],
        choice_rank=1 if len(choices) > 1 else None,
        check=check,
        refusal=NOT_AVAILABLE,
    )
    request_note_add(match=match, note=note)
    return match


@transaction.atomic
def match_approve(*, match_id: int, staff_user: User) -> Match:
    """Staff approve a pairing; the mentor is asked now."""
    match = _lock_match(match_id)
    _require_state(match, [MatchState.PENDING_APPROVAL], "approved")
    _lock_member(match.mentor_id)  # room is counted as for an accept
    # Staff may read the precise reason.
    refusal = _participation_refusal(match)
    if refusal is not None:
        raise MatchError(f"This match can't be approved: {refusal}")
    now = timezone.now()
    match.state = MatchState.AWAITING_MENTOR
    match.approved_by = staff_user
    match.sent_to_mentor_at = now
    match.expires_at = now + datetime.timedelta(
        hours=MatchingSettings.get_solo().request_expiry_hours
    )
    match.save()
    record_match_disclosures(match)
    _notify(match, "requested")
    return match


def _cascade(match: Match) -> Match | None:
    """Move a closed request to the newcomer's next allowed choice, if any."""
    remaining = list(match.next_choices)
    rank = match.choice_rank or 1
    while remaining:
        mentor_id = remaining.pop(0)
        rank += 1
        mentor = Member.objects.filter(pk=mentor_id).first()
        if mentor is None:
            continue
        try:
            with transaction.atomic():
                return _create(
                    newcomer=match.newcomer,
                    mentor=mentor,
                    origin=MatchOrigin.RANKED,
                    created_by=None,
                    next_choices=remaining,
                    choice_rank=rank,
                )
        except MatchError:
            continue
    return None  # No choice left: the newcomer appears in the staff queue.


def _close_request(match: Match, state: str) -> Match | None:
    match.state = state
    match.decided_at = timezone.now()
    match.save()
    _lock_member(match.newcomer_id)
    return _cascade(match)


@transaction.atomic
def match_reject(*, match_id: int, staff_user: User, reason: str = "") -> Match | None:
    """Staff turn a pairing down before the mentor sees it; the cascade continues."""
    match = _lock_match(match_id)
    _require_state(match, [MatchState.PENDING_APPROVAL], "rejected")
    match.approved_by = staff_user
    match.end_reason = reason
    next_match = _close_request(match, MatchState.REJECTED)
    _notify(match, "moved_on")
    return next_match


@transaction.atomic
def match_accept(*, match_id: int, mentor: Member) -> Match:
    """The mentor accepts: the match becomes active, never above the mentor's capacity."""
    match = _lock_match(match_id)
    if match.mentor_id != mentor.pk:
        raise MatchError("This request is not addressed to you.")
    _require_state(match, [MatchState.AWAITING_MENTOR], "accepted")
    if match.expires_at and match.expires_at <= timezone.now():
        raise MatchError("This request has expired.")
    # The mentor row is the lock that serialises concurrent accepts: their room is
    # counted under it (`selectors.with_places`, active matches: `Places.FILLED`).
    mentor = _lock_member(mentor.pk)
    if mentor.held_for_review:
        raise MatchError(ON_HOLD)
    refusal = _participation_refusal(match)
    if refusal == scoring.MENTOR_FULL:
        raise MatchError(FULL)
    if refusal is not None:
        # Whatever the reason, the same words: the newcomer's hold, account or
        # block is not the mentor's to learn.
        raise MatchError(NO_LONGER_OPEN)
    match.state = MatchState.ACTIVE
    match.decided_at = timezone.now()
    match.save()
    record_match_disclosures(match)
    _notify(match, "accepted")
    return match


@transaction.atomic
def match_decline(*, match_id: int, mentor: Member, reason: str, note: str = "") -> Match | None:
    """The mentor declines with a reason; the request moves to the next choice."""
    if reason not in DeclineReason.values:
        raise MatchError("Choose a reason.")
    match = _lock_match(match_id)
    if match.mentor_id != mentor.pk:
        raise MatchError("This request is not addressed to you.")
    _require_state(match, [MatchState.AWAITING_MENTOR], "declined")
    match.decline_reason = reason
    match.decline_note = note[:300]
    next_match = _close_request(match, MatchState.DECLINED)
    _notify(match, "declined")
    return next_match


@transaction.atomic
def match_expire(*, match_id: int) -> Match | None:
    """Expire an unanswered request whose time is up; it moves to the next choice."""
    match = _lock_match(match_id)
    if match.state != MatchState.AWAITING_MENTOR or not match.expires_at:
        return None
    if match.expires_at > timezone.now():
        return None
    next_match = _close_request(match, MatchState.EXPIRED)
    _notify(match, "expired")
    return next_match


@transaction.atomic
def match_withdraw(*, match_id: int, newcomer: Member) -> Match:
    """The newcomer withdraws their request before the mentor answers."""
    match = _lock_match(match_id)
    if match.newcomer_id != newcomer.pk:
        raise MatchError("This request is not yours.")
    _require_state(match, REQUEST_STATES, "withdrawn")
    match.state = MatchState.WITHDRAWN
    match.decided_at = timezone.now()
    match.save()
    return match


@transaction.atomic
def match_end(*, match_id: int, ended_by: str, reason: str, member: Member | None = None) -> Match:
    """End an active match with a short reason; the newcomer can then match again."""
    match = _lock_match(match_id)
    if ended_by == EndedBy.NEWCOMER and (member is None or match.newcomer_id != member.pk):
        raise MatchError("This match is not yours.")
    if ended_by == EndedBy.MENTOR and (member is None or match.mentor_id != member.pk):
        raise MatchError("This match is not yours.")
    _require_state(match, [MatchState.ACTIVE], "ended")
    if not reason.strip():
        raise MatchError("Please give a short reason.")
    match.state = MatchState.ENDED
    match.ended_at = timezone.now()
    match.ended_by = ended_by
    match.end_reason = reason.strip()[:300]
    match.save()
    return match


@transaction.atomic
def match_reassign(*, match_id: int, mentor: Member, staff_user: User) -> Match:
    """Staff move an open request to another mentor, checked like any new pairing."""
    match = _lock_match(match_id)
    _require_state(match, REQUEST_STATES, "reassigned")
    # A refused pairing raises from `_create` and rolls this change back.
    match.state = MatchState.REJECTED
    match.decided_at = timezone.now()
    match.approved_by = staff_user
    # The new request names the mentor; this reason never does, so it outlives their account.
    match.end_reason = REASSIGNED_END_REASON
    match.save()
    new_match = _create(
        newcomer=_lock_member(match.newcomer_id),
        mentor=mentor,
        origin=MatchOrigin.STAFF,
        created_by=staff_user,
    )
    _notify(match, "moved_on")
    return new_match


# What staff and both members see as the end of a match a block closed: the
# blocked member must not learn that they were blocked, or by whom.
NEUTRAL_END_REASON = "This match has ended."


@transaction.atomic
def open_requests_recheck(*, member_id: int) -> list[Match]:
    """Close every open request of this member that the pair rule no longer allows.

    Called wherever a member's hold, pause, vetting, account or blocks change.
    A request to a mentor who may no longer be asked (held, paused, not vetted,
    blocked) closes as declined (as rejected if staff had not approved it yet)
    and moves on to the newcomer's next choice; the newcomer gets the same email
    as after a decline, which says nothing of why. A held newcomer's
    own request is withdrawn: nobody is asked on their behalf until staff have
    been in touch. Room is not judged again here (it is judged when a mentor
    is asked and when they accept). Return the requests closed.
    """
    closed = []
    requests = Match.objects.select_for_update().filter(
        Q(newcomer_id=member_id) | Q(mentor_id=member_id), state__in=REQUEST_STATES
    )
    for match in requests.order_by("pk"):
        refusal = _participation_refusal(match, count_room=False)
        if refusal is None:
            continue
        newcomer = Member.objects.filter(pk=match.newcomer_id).values(
            "held_for_review", "deleted_at", "user__is_active"
        )[0]
        newcomer_out = (
            newcomer["held_for_review"]
            or newcomer["deleted_at"] is not None
            or not newcomer["user__is_active"]
        )
        if newcomer_out:
            match.state, match.decided_at = MatchState.WITHDRAWN, timezone.now()
            match.save()
        else:
            # Read by the newcomer as any decline (or, before staff approved it,
            # as a staff rejection, which the mentor never learns of): nothing
            # says why.
            asked = match.state == MatchState.AWAITING_MENTOR
            _close_request(match, MatchState.DECLINED if asked else MatchState.REJECTED)
            _notify(match, "declined")
        closed.append(match)
    return closed


# The email event that tells a peer, without detail, that their match ended.
ENDED_EVENT = {"newcomer": "ended_for_newcomer", "mentor": "ended_for_mentor"}


@transaction.atomic
def matches_close_for_leaving_member(*, member: Member) -> list[Match]:
    """Close every open request and match of a member who is deleting their account.

    The leaving newcomer's requests are withdrawn. A request to a leaving
    mentor reads to the newcomer as any decline (as a staff rejection before
    staff passed it on), moves on to their next choice, and they get the decline
    email, which says nothing of why. An active match ends with the neutral
    reason and the peer is emailed only that the match ended. Return the
    matches closed.
    """
    now = timezone.now()
    closed = []
    matches = Match.objects.select_for_update().filter(
        Q(newcomer=member) | Q(mentor=member), state__in=OPEN_STATES
    )
    for match in matches.order_by("pk"):
        leaving_side = EndedBy.NEWCOMER if match.newcomer_id == member.pk else EndedBy.MENTOR
        if match.state == MatchState.ACTIVE:
            match.state, match.ended_at = MatchState.ENDED, now
            match.ended_by = leaving_side
            match.end_reason = NEUTRAL_END_REASON
            match.save()
            peer_side = "mentor" if leaving_side == EndedBy.NEWCOMER else "newcomer"
            _notify(match, ENDED_EVENT[peer_side])
        elif leaving_side == EndedBy.MENTOR:
            asked = match.state == MatchState.AWAITING_MENTOR
            _close_request(match, MatchState.DECLINED if asked else MatchState.REJECTED)
            _notify(match, "declined")
        else:
            match.state, match.decided_at = MatchState.WITHDRAWN, now
            match.save()
        closed.append(match)
    return closed


# A mentor is reminded this long before a request to them moves on, once, and
# only when the request was theirs for longer than that.
ANSWER_REMINDER_BEFORE = datetime.timedelta(hours=24)


@transaction.atomic
def answer_reminders_record(*, now: datetime.datetime | None = None) -> list[int]:
    """Record the reminder of each request that moves on within a day, and enqueue it.

    The outbox row's unique (match, event) key records each reminder once; the
    email itself checks again, when it is sent, that the request still waits.
    Return the ids of the requests reminded now.
    """
    now = now or timezone.now()
    due = list(
        Match.objects.filter(
            state=MatchState.AWAITING_MENTOR,
            expires_at__gt=now,
            expires_at__lte=now + ANSWER_REMINDER_BEFORE,
            sent_to_mentor_at__lt=F("expires_at") - ANSWER_REMINDER_BEFORE,
        )
        .exclude(notifications__event="answer_reminder")
        .values_list("pk", flat=True)[:1000]
    )
    MatchNotification.objects.bulk_create(
        [MatchNotification(match_id=pk, event="answer_reminder") for pk in due],
        ignore_conflicts=True,
    )

    def enqueue_all() -> None:
        for match_id in due:
            enqueue("matching.send_match_notification", match_id, "answer_reminder")

    transaction.on_commit(enqueue_all)
    return due


def member_notify(*, member_id: int, event: str, key: str) -> None:
    """Record an email about a member's own standing and enqueue it after commit;
    the same (event, key) again records nothing."""
    notification, created = MemberNotification.objects.get_or_create(
        member_id=member_id, event=event, key=key
    )
    if created:
        transaction.on_commit(lambda: enqueue("matching.send_member_notification", notification.pk))


# --- Stored suggestions ------------------------------------------------------------


def suggestions_recompute() -> SuggestionPlan:
    """Compute every waiting newcomer's suggestions at once and store them.

    One scoring pass and one solve (`selectors.suggestion_lists`); the stored lists
    replace the old ones in one transaction, so a page reads either set, never a mix,
    and a newcomer who is no longer waiting loses theirs.
    """
    started = time.perf_counter()
    computed = selectors.suggestion_lists()
    rows = [
        SuggestionList(
            newcomer_id=item.newcomer_id,
            computed_at=computed.computed_at,
            ranking=computed.ranking,
            waiting_for_room=item.waiting_for_room,
            entries=item.entries,
            shown=computed.shown,
        )
        for item in computed.lists
    ]
    with transaction.atomic():
        SuggestionList.objects.all().delete()
        SuggestionList.objects.bulk_create(rows, batch_size=2000)
        plan, _ = SuggestionPlan.objects.update_or_create(
            pk=1,
            defaults={
                "computed_at": computed.computed_at,
                "ranking": computed.ranking,
                "prices": {str(mentor_id): price for mentor_id, price in computed.prices.items()},
                "newcomers": len(rows),
                "waiting_for_room": sum(row.waiting_for_room for row in rows),
                "seconds": round(time.perf_counter() - started, 3),
            },
        )
    return plan


def suggestions_recompute_for(*, newcomer_id: int) -> SuggestionList | None:
    """Compute one newcomer's suggestions against the last plan's prices and store them
    (after they finish onboarding or change their profile); None if they are not waiting."""
    waiting = selectors.newcomers_waiting().filter(pk=newcomer_id)
    computed = selectors.suggestion_lists(waiting)
    if not computed.lists:
        SuggestionList.objects.filter(newcomer_id=newcomer_id).delete()
        return None
    item = computed.lists[0]
    stored, _ = SuggestionList.objects.update_or_create(
        newcomer_id=newcomer_id,
        defaults={
            "computed_at": computed.computed_at,
            "ranking": computed.ranking,
            "waiting_for_room": item.waiting_for_room,
            "entries": item.entries,
            "shown": computed.shown,
        },
    )
    return stored


def suggestions_refresh_later(*, newcomer_id: int | None = None) -> None:
    """After commit, recompute one newcomer's suggestions, or everyone's (`None`).

    If the broker is away the beat's next recompute catches up; until then the
    page computes a changed newcomer's suggestions on the spot.
    """
    if newcomer_id is None:
        transaction.on_commit(lambda: enqueue("matching.recompute_suggestions"))
    else:
        transaction.on_commit(lambda: enqueue("matching.recompute_suggestions_for", newcomer_id))


# A mentor's profile edit takes them off stored lists (their reasons could be stale)
# until everyone's are recomputed: recompute this soon after, at most once a while.
SUGGESTIONS_SOON_SECONDS = 60
SUGGESTIONS_SOON_KEY = "matching:suggestions-recompute-soon"


def suggestions_refresh_soon() -> None:
    """After commit, recompute everyone's suggestions within a minute; edits meanwhile
    share that one recompute."""
    if cache.add(SUGGESTIONS_SOON_KEY, True, timeout=SUGGESTIONS_SOON_SECONDS):
        transaction.on_commit(
            lambda: enqueue("matching.recompute_suggestions", countdown=SUGGESTIONS_SOON_SECONDS)
        )


def suggestions_delete_for(*, member: Member) -> None:
    """Delete a leaving member's own suggestions; a leaving mentor's place on others'
    lists goes with everyone's next recompute, started after commit."""
    SuggestionList.objects.filter(newcomer=member).delete()
    if member.role == Role.MENTOR:
        suggestions_refresh_later()


def matching_settings_save(*, settings_row: MatchingSettings, user: User | None) -> None:
    """Save the programme's matching rules; everyone's suggestions follow them."""
    settings_row.updated_by = user
    settings_row.save()
    suggestions_refresh_later()

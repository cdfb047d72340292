"""The match lifecycle: each transition, each refusal, the cascade, capacity."""

import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from matching import selectors, services
from matching.models import Block, Match, MatchingSettings, MatchOrigin, MatchState
from matching.services import MatchError
from members.models import Language, VettingStatus
from safety import services as safety_services
from tests.factories import MentorFactory, NewcomerFactory, tag

pytestmark = pytest.mark.django_db


def request(newcomer, *mentors) -> Match:
    return services.match_request(
        newcomer=newcomer, mentor_ids=[m.pk for m in mentors], user=newcomer.user
    )


def refusals(newcomer, mentor) -> tuple[str, str]:
    """Return what the newcomer is told, and the key words of what staff are told."""
    with pytest.raises(MatchError) as told_newcomer:
        request(newcomer, mentor)
    # Staff read the pair rule's precise reason, as `services.build_request` raises it.
    precise = selectors.PairCheck([newcomer.pk], [mentor.pk]).assess(newcomer.pk, mentor.pk).refusal
    for words in ("not taking requests", "no room", "blocked", "No language in common"):
        if words in precise:
            precise = words
    return str(told_newcomer.value), precise


def test_request_waits_for_the_mentor_and_emails_them(
    newcomer, mentor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        match = request(newcomer, mentor)
    assert match.state == MatchState.AWAITING_MENTOR
    assert match.expires_at - match.sent_to_mentor_at == datetime.timedelta(hours=72)
    assert match.weights == MatchingSettings.get_solo().weights()
    assert set(match.breakdown) == {
        "pathway",
        "age",
        "life_situation",
        "availability",
        "steps_ahead",
        "substance",
    }
    assert [m.to for m in mail.outbox] == [[mentor.user.email]]
    assert "recovery" not in mail.outbox[0].subject.lower()


def test_accept_makes_the_match_active_and_emails_the_newcomer(
    newcomer, mentor, django_capture_on_commit_callbacks
):
    match = request(newcomer, mentor)
    with django_capture_on_commit_callbacks(execute=True):
        services.match_accept(match_id=match.pk, mentor=mentor)
    match.refresh_from_db()
    assert match.state == MatchState.ACTIVE
    assert mail.outbox[-1].to == [newcomer.user.email]


def test_a_notification_is_sent_once_even_if_the_task_runs_twice(newcomer, mentor):
    from matching.notifications import send_match_email

    match = request(newcomer, mentor)
    assert send_match_email(match_id=match.pk, event="requested") is True
    assert send_match_email(match_id=match.pk, event="requested") is False
    assert len(mail.outbox) == 1


def test_requesting_twice_is_refused_and_keeps_one_request(newcomer, mentor):
    request(newcomer, mentor)
    with pytest.raises(MatchError, match="already have an open request"):
        request(newcomer, mentor)
    assert Match.objects.filter(newcomer=newcomer).count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"is_paused": True},
        {"vetting_status": VettingStatus.PENDING},
        {"vetting_status": VettingStatus.REJECTED},
    ],
)
def test_requesting_a_paused_or_unvetted_mentor_is_refused(newcomer, change):
    mentor = MentorFactory(**change)
    assert refusals(newcomer, mentor) == (services.NOT_AVAILABLE, "not taking requests")
    assert not Match.objects.filter(newcomer=newcomer).exists()


def test_requesting_a_full_mentor_is_refused(newcomer):
    mentor = MentorFactory(capacity=1)
    services.match_accept(match_id=request(NewcomerFactory(), mentor).pk, mentor=mentor)
    assert refusals(newcomer, mentor) == (services.NOT_AVAILABLE, "no room")
    assert not Match.objects.filter(newcomer=newcomer).exists()


def test_requesting_a_blocked_mentor_is_refused(newcomer, mentor):
    Block.objects.create(blocker=mentor, blocked=newcomer)
    assert refusals(newcomer, mentor) == (services.NOT_AVAILABLE, "blocked")


def test_requesting_a_mentor_with_no_shared_language_is_refused(newcomer):
    mentor = MentorFactory(languages=[Language.objects.get(code="es")])
    assert refusals(newcomer, mentor) == (services.NOT_AVAILABLE, "No language in common")


def test_accepting_an_expired_request_is_refused(newcomer, mentor):
    match = request(newcomer, mentor)
    later = timezone.now() + datetime.timedelta(hours=73)
    with time_machine.travel(later), pytest.raises(MatchError, match="expired"):
        services.match_accept(match_id=match.pk, mentor=mentor)
    match.refresh_from_db()
    assert match.state == MatchState.AWAITING_MENTOR


def test_accepting_a_withdrawn_request_is_refused(newcomer, mentor):
    match = request(newcomer, mentor)
    services.match_withdraw(match_id=match.pk, newcomer=newcomer)
    with pytest.raises(MatchError, match="withdrawn"):
        services.match_accept(match_id=match.pk, mentor=mentor)


def test_another_mentor_cannot_accept_a_request(newcomer, mentor):
    match = request(newcomer, mentor)
    with pytest.raises(MatchError, match="not addressed to you"):
        services.match_accept(match_id=match.pk, mentor=MentorFactory())


def test_ending_an_ended_match_is_refused(newcomer, mentor):
    match = request(newcomer, mentor)
    services.match_accept(match_id=match.pk, mentor=mentor)
    services.match_end(match_id=match.pk, ended_by="mentor", member=mentor, reason="Moving away")
    with pytest.raises(MatchError, match="can't be ended: it is ended"):
        services.match_end(match_id=match.pk, ended_by="mentor", member=mentor, reason="again")


def test_after_a_match_ends_the_newcomer_can_request_again(newcomer, mentor):
    match = request(newcomer, mentor)
    services.match_accept(match_id=match.pk, mentor=mentor)
    services.match_end(match_id=match.pk, ended_by="newcomer", member=newcomer, reason="Not a fit")
    assert request(newcomer, MentorFactory()).state == MatchState.AWAITING_MENTOR


def test_declined_request_moves_to_the_next_choice(newcomer, django_capture_on_commit_callbacks):
    first, second, third = MentorFactory(), MentorFactory(), MentorFactory()
    match = request(newcomer, first, second, third)
    assert match.origin == MatchOrigin.RANKED and match.choice_rank == 1
    with django_capture_on_commit_callbacks(execute=True):
        next_match = services.match_decline(match_id=match.pk, mentor=first, reason="no_capacity")
    assert next_match.mentor == second and next_match.choice_rank == 2
    assert next_match.next_choices == [third.pk]
    recipients = [m.to[0] for m in mail.outbox]
    assert newcomer.user.email in recipients and second.user.email in recipients


def test_expired_request_moves_to_the_next_choice_then_to_the_staff_queue(newcomer):
    first, second = MentorFactory(), MentorFactory()
    request(newcomer, first, second)
    later = timezone.now() + datetime.timedelta(hours=73)
    with time_machine.travel(later):
        from matching.tasks import expire_requests

        assert expire_requests() == 1
        current = Match.objects.get(newcomer=newcomer, state=MatchState.AWAITING_MENTOR)
        assert current.mentor == second
    with time_machine.travel(later + datetime.timedelta(hours=73)):
        assert expire_requests() == 1
    assert not Match.objects.filter(
        newcomer=newcomer, state__in=["awaiting_mentor", "active"]
    ).exists()
    assert list(Match.objects.filter(newcomer=newcomer).values_list("state", flat=True)) == [
        "expired",
        "expired",
    ]


def test_cascade_skips_a_choice_that_became_unavailable(newcomer):
    first, paused, third = MentorFactory(), MentorFactory(), MentorFactory()
    match = request(newcomer, first, paused, third)
    paused.is_paused = True
    paused.save()
    next_match = services.match_decline(match_id=match.pk, mentor=first, reason="not_a_fit")
    assert next_match.mentor == third


def test_staff_approval_holds_requests_until_approved(newcomer, mentor, staff_user):
    MatchingSettings.objects.update_or_create(pk=1, defaults={"require_staff_approval": True})
    match = request(newcomer, mentor)
    assert match.state == MatchState.PENDING_APPROVAL
    with pytest.raises(MatchError, match="can't be accepted"):
        services.match_accept(match_id=match.pk, mentor=mentor)
    services.match_approve(match_id=match.pk, staff_user=staff_user)
    assert services.match_accept(match_id=match.pk, mentor=mentor).state == MatchState.ACTIVE


def test_staff_reassigning_to_an_incompatible_mentor_is_refused(newcomer, mentor, staff_user):
    match = request(newcomer, mentor)
    too_new = MentorFactory(recovery_start_date=timezone.localdate() - datetime.timedelta(days=90))
    with pytest.raises(MatchError, match="not far enough ahead"):
        services.match_reassign(match_id=match.pk, mentor=too_new, staff_user=staff_user)
    match.refresh_from_db()
    assert match.state == MatchState.AWAITING_MENTOR and match.mentor == mentor


def test_staff_reassign_moves_the_request(newcomer, mentor, staff_user):
    match = request(newcomer, mentor)
    other = MentorFactory()
    moved = services.match_reassign(match_id=match.pk, mentor=other, staff_user=staff_user)
    assert moved.mentor == other and moved.origin == MatchOrigin.STAFF
    match.refresh_from_db()
    assert match.state == MatchState.REJECTED


def test_blocking_ends_the_match_and_the_pair_is_never_matched_again(newcomer, mentor):
    match = request(newcomer, mentor)
    services.match_accept(match_id=match.pk, mentor=mentor)
    safety_services.member_block(blocker=newcomer, blocked=mentor, reason="Made me uncomfortable")
    match.refresh_from_db()
    assert match.state == MatchState.ENDED
    assert refusals(newcomer, mentor) == (services.NOT_AVAILABLE, "blocked")


def test_a_mentor_never_accepts_beyond_capacity(mentor):
    mentor.capacity = 2
    mentor.save()
    matches = [request(NewcomerFactory(), mentor) for _ in range(2)]
    late = NewcomerFactory()
    mentor.capacity = 3
    mentor.save()
    third = request(late, mentor)
    mentor.capacity = 2
    mentor.save()
    for match in matches:
        services.match_accept(match_id=match.pk, mentor=mentor)
    with pytest.raises(MatchError, match="capacity"):
        services.match_accept(match_id=third.pk, mentor=mentor)
    assert Match.objects.filter(mentor=mentor, state=MatchState.ACTIVE).count() == 2


def test_the_database_refuses_a_second_open_match_for_a_newcomer(newcomer, mentor):
    from django.db import IntegrityError, transaction

    request(newcomer, mentor)
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(
            newcomer=newcomer, mentor=MentorFactory(), state="active", origin="staff", score=0.5
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite ignores row locks")
def test_concurrent_accepts_stop_exactly_at_capacity():
    tag("pathway-12-step")  # the seeded taxonomy is present
    capacity = 3
    # Requests count against capacity, so make room for all of them first.
    mentor = MentorFactory(capacity=capacity + 5)
    requests = [request(NewcomerFactory(), mentor) for _ in range(capacity + 5)]
    mentor.capacity = capacity
    mentor.save()
    barrier = threading.Barrier(len(requests))
    outcomes = []

    def accept(match_id):
        try:
            barrier.wait()
            services.match_accept(match_id=match_id, mentor=mentor)
            outcomes.append("accepted")
        except MatchError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(m.pk,)) for m in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("accepted") == capacity
    assert outcomes.count("refused") == 5
    assert Match.objects.filter(mentor=mentor, state=MatchState.ACTIVE).count() == capacity


def test_request_expiry_is_scheduled_in_the_beat_database():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="matching.expire_requests")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (5, "minutes")


def test_a_newcomer_whose_choices_ran_out_joins_the_staff_queue_at_once(newcomer, mentor):
    from matching.selectors import unmatched_queue

    assert newcomer not in unmatched_queue()
    match = request(newcomer, mentor)
    assert newcomer not in unmatched_queue()
    services.match_decline(match_id=match.pk, mentor=mentor, reason="not_a_fit")
    assert newcomer in unmatched_queue()


def test_match_emails_mention_no_health_detail(newcomer, django_capture_on_commit_callbacks):
    first, second = MentorFactory(), MentorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        match = request(newcomer, first, second)
    with django_capture_on_commit_callbacks(execute=True):
        next_match = services.match_decline(match_id=match.pk, mentor=first, reason="other")
    with django_capture_on_commit_callbacks(execute=True):
        services.match_accept(match_id=next_match.pk, mentor=second)
    assert len(mail.outbox) == 4
    for message in mail.outbox:
        text = (message.subject + message.body).lower()
        for word in ["recovery", "addiction", "alcohol", "drug", "sober", "substance", "relapse"]:
            assert word not in text, (word, message.subject)
        assert "http://localhost:8000/" in message.body

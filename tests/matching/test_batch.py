import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from matching import batch, scoring, selectors, services
from matching.models import OPEN_STATES, Block, Match, MatchingSettings, MatchOrigin, MatchState
from members.models import Language, Role
from tests.factories import MentorFactory, NewcomerFactory

pytestmark = pytest.mark.django_db


def proposed(run) -> set[tuple[int, int]]:
    return {(newcomer_id, mentor_id) for newcomer_id, mentor_id, *_ in run.pairs}


def open_match(newcomer) -> Match:
    return Match.objects.get(newcomer=newcomer, state__in=OPEN_STATES)


def test_preview_fills_mentors_up_to_their_capacity_and_contacts_nobody(staff_user):
    small = MentorFactory(capacity=1)
    large = MentorFactory(capacity=2)
    newcomers = [NewcomerFactory() for _ in range(5)]

    run = batch.batch_run_preview(user=staff_user)

    per_mentor = {small.pk: 0, large.pk: 0}
    for _, mentor_id in proposed(run):
        per_mentor[mentor_id] += 1
    assert per_mentor == {small.pk: 1, large.pk: 2}
    assert len({newcomer_id for newcomer_id, _ in proposed(run)}) == 3
    assert {newcomer_id for newcomer_id, _ in proposed(run)} <= {n.pk for n in newcomers}
    assert not Match.objects.exists()


def test_preview_counts_a_mentors_open_requests_against_capacity(staff_user):
    mentor = MentorFactory(capacity=2)
    already_asked = NewcomerFactory()
    earlier = batch.batch_run_preview(user=staff_user)
    batch.batch_run_apply(run_id=earlier.pk, user=staff_user)
    assert open_match(already_asked).mentor == mentor
    waiting = [NewcomerFactory() for _ in range(3)]

    run = batch.batch_run_preview(user=staff_user)

    assert len(run.pairs) == 1
    assert run.pairs[0][0] in {n.pk for n in waiting}
    assert run.summary["newcomers_considered"] == 3
    assert run.summary["max_mentor_utilisation"] == 1.0


def test_preview_never_proposes_a_blocked_pair_a_held_newcomer_or_a_paused_mentor(staff_user):
    mentor = MentorFactory(capacity=5)
    MentorFactory(is_paused=True, capacity=5)
    blocked = NewcomerFactory()
    Block.objects.create(blocker=blocked, blocked=mentor)
    held = NewcomerFactory(held_for_review=True)
    free = NewcomerFactory()

    run = batch.batch_run_preview(user=staff_user)

    assert proposed(run) == {(free.pk, mentor.pk)}
    assert run.summary["newcomers_considered"] == 3
    assert run.summary["newcomers_held"] == 1
    assert run.summary["mentors_considered"] == 1
    assert blocked.pk not in {pair[0] for pair in run.pairs}
    assert held.pk not in {pair[0] for pair in run.pairs}


def test_preview_never_pairs_people_without_a_shared_language(staff_user):
    MentorFactory(languages=[Language.objects.get(code="es")])
    NewcomerFactory()

    run = batch.batch_run_preview(user=staff_user)

    assert run.pairs == []
    assert run.summary["proposed_pairs"] == 0
    assert run.summary["mean_score"] is None


def test_preview_records_who_the_parameters_the_scores_and_a_summary(staff_user):
    programme = MatchingSettings.get_solo()
    programme.weight_substance = 0
    programme.min_gap_months = 18
    programme.save()
    mentors = {MentorFactory().pk, MentorFactory().pk}  # one newcomer for two mentors
    newcomer = NewcomerFactory()

    run = batch.batch_run_preview(user=staff_user)

    assert run.created_by == staff_user
    assert run.applied_at is None
    assert run.parameters["weights"]["substance"] == 0
    assert run.parameters["min_gap_months"] == 18
    [[newcomer_id, mentor_id, score, breakdown]] = run.pairs
    assert newcomer_id == newcomer.pk
    assert mentor_id in mentors
    assert 0 < score <= 1
    assert set(breakdown) == set(scoring.COMPONENTS)
    summary = run.summary
    assert summary["mentors_considered"] == 2
    assert summary["proposed_pairs"] == 1
    assert summary["matched_share"] == 1.0
    assert summary["mean_score"] == score
    assert summary["mentor_load"] == {"0": 1, "1": 1}
    assert summary["seconds"] >= 0
    assert set(summary["stage_seconds"]) == {"loading", "scoring", "assigning", "writing"}


def test_preview_with_nobody_waiting_records_an_empty_run(staff_user):
    MentorFactory()

    run = batch.batch_run_preview(user=staff_user)

    assert run.pairs == []
    assert run.summary["newcomers_considered"] == 0
    assert run.summary["matched_share"] == 0.0


def test_applying_sends_each_proposal_to_the_mentor_and_records_who_and_when(staff_user):
    mentor = MentorFactory()
    newcomers = [NewcomerFactory() for _ in range(2)]
    run = batch.batch_run_preview(user=staff_user)

    applied = batch.batch_run_apply(run_id=run.pk, user=staff_user)

    assert applied.proposals_created == 2
    assert applied.applied_by == staff_user
    assert timezone.now() - applied.applied_at < datetime.timedelta(minutes=1)
    assert applied.summary["skipped"] == 0
    for newcomer in newcomers:
        match = open_match(newcomer)
        assert match.mentor == mentor
        assert match.state == MatchState.AWAITING_MENTOR
        assert match.origin == MatchOrigin.BATCH
        assert match.batch_run == run
        assert match.created_by == staff_user
        assert match.expires_at is not None
        assert match.breakdown and match.reasons


def test_applying_waits_for_staff_approval_when_the_programme_requires_it(staff_user):
    programme = MatchingSettings.get_solo()
    programme.require_staff_approval = True
    programme.save()
    MentorFactory()
    newcomer = NewcomerFactory()
    run = batch.batch_run_preview(user=staff_user)

    batch.batch_run_apply(run_id=run.pk, user=staff_user)

    match = open_match(newcomer)
    assert match.state == MatchState.PENDING_APPROVAL
    assert match.sent_to_mentor_at is None


def test_applying_twice_is_refused_and_creates_nothing_more(staff_user):
    MentorFactory()
    NewcomerFactory()
    run = batch.batch_run_preview(user=staff_user)
    batch.batch_run_apply(run_id=run.pk, user=staff_user)

    with pytest.raises(services.MatchError, match="already applied"):
        batch.batch_run_apply(run_id=run.pk, user=staff_user)

    assert Match.objects.count() == 1
    run.refresh_from_db()
    assert run.proposals_created == 1


def test_applying_skips_a_newcomer_who_meanwhile_requested_a_mentor(staff_user):
    mentor = MentorFactory()
    other_mentor = MentorFactory()
    eager, patient = NewcomerFactory(), NewcomerFactory()
    run = batch.batch_run_preview(user=staff_user)
    assert {pair[0] for pair in run.pairs} == {eager.pk, patient.pk}
    request = services.match_request(newcomer=eager, mentor_ids=[other_mentor.pk], user=eager.user)

    applied = batch.batch_run_apply(run_id=run.pk, user=staff_user)

    assert applied.proposals_created == 1
    assert applied.summary["skipped"] == 1
    assert open_match(eager) == request
    assert open_match(eager).origin == MatchOrigin.REQUEST
    assert open_match(patient).origin == MatchOrigin.BATCH
    assert Match.objects.filter(mentor__in=[mentor, other_mentor]).count() == 2


def test_applying_never_touches_an_active_match(staff_user):
    MentorFactory()
    other_mentor = MentorFactory()
    newcomer = NewcomerFactory()
    run = batch.batch_run_preview(user=staff_user)
    # Meanwhile the newcomer asks a mentor themselves and the mentor accepts.
    request = services.match_request(
        newcomer=newcomer, mentor_ids=[other_mentor.pk], user=newcomer.user
    )
    active = services.match_accept(match_id=request.pk, mentor=other_mentor)

    applied = batch.batch_run_apply(run_id=run.pk, user=staff_user)

    assert applied.proposals_created == 0
    assert applied.summary["skipped"] == 1
    active.refresh_from_db()
    assert active.state == MatchState.ACTIVE
    assert active.mentor == other_mentor
    assert Match.objects.filter(newcomer=newcomer).count() == 1


def test_applying_skips_a_mentor_who_meanwhile_paused(staff_user):
    mentor = MentorFactory()
    NewcomerFactory()
    run = batch.batch_run_preview(user=staff_user)
    mentor.is_paused = True
    mentor.save()

    applied = batch.batch_run_apply(run_id=run.pk, user=staff_user)

    assert applied.proposals_created == 0
    assert applied.summary["skipped_reasons"] == {
        "This mentor is not taking requests right now.": 1
    }
    assert not Match.objects.exists()


def test_applying_never_puts_a_mentor_over_capacity_filled_meanwhile(staff_user):
    mentor = MentorFactory(capacity=1)
    NewcomerFactory()
    run = batch.batch_run_preview(user=staff_user)
    other = NewcomerFactory()
    services.match_request(newcomer=other, mentor_ids=[mentor.pk], user=other.user)

    applied = batch.batch_run_apply(run_id=run.pk, user=staff_user)

    assert applied.proposals_created == 0
    assert Match.objects.filter(mentor=mentor).count() == 1


def test_run_matching_previews_without_apply(staff_user):
    MentorFactory()
    NewcomerFactory()
    out = StringIO()

    call_command("run_matching", stdout=out)

    output = out.getvalue()
    assert "Proposed pairs: 1" in output
    assert "nobody was contacted" in output
    assert not Match.objects.exists()


def test_run_matching_with_apply_prints_progress_and_creates_proposals(staff_user):
    mentor = MentorFactory()
    newcomers = [NewcomerFactory() for _ in range(2)]
    out = StringIO()

    call_command("run_matching", "--apply", "--user", "Coordinator@example.org", stdout=out)

    output = out.getvalue()
    for stage in ("[1/4] Loading", "[2/4] Scoring", "[3/4] Assigning", "[4/4] Writing"):
        assert stage in output
    assert "Newcomers considered: 2" in output
    assert "Proposed pairs: 2 (100.0% of newcomers considered)" in output
    assert "Created 2 proposals; skipped 0." in output
    for newcomer in newcomers:
        match = open_match(newcomer)
        assert match.mentor == mentor
        assert match.origin == MatchOrigin.BATCH
        assert match.created_by == staff_user
        assert match.batch_run.applied_by == staff_user


def test_run_matching_refuses_an_unknown_or_non_staff_user(newcomer):
    with pytest.raises(CommandError, match="No staff account"):
        call_command("run_matching", "--user", "nobody@example.org", stdout=StringIO())
    with pytest.raises(CommandError, match="No staff account"):
        call_command("run_matching", "--user", newcomer.user.email, stdout=StringIO())


@pytest.mark.parametrize("who", ["newcomer", "mentor"])
def test_applying_refuses_a_member_whose_role_changed_for_the_pair_rules_reason(staff_user, who):
    mentor, newcomer = MentorFactory(), NewcomerFactory()
    run = batch.batch_run_preview(user=staff_user)
    assert proposed(run) == {(newcomer.pk, mentor.pk)}
    # Meanwhile staff change one of them to the other role.
    changed = newcomer if who == "newcomer" else mentor
    changed.role = Role.MENTOR if who == "newcomer" else Role.NEWCOMER
    changed.save()
    refusal = selectors.PairCheck([newcomer.pk], [mentor.pk]).assess(newcomer.pk, mentor.pk).refusal

    applied = batch.batch_run_apply(run_id=run.pk, user=staff_user)

    assert applied.proposals_created == 0
    assert applied.summary["skipped_reasons"] == {refusal: 1}
    assert not Match.objects.exists()


def test_applying_refuses_a_mentor_who_meanwhile_left_onboarding_as_a_request_would(staff_user):
    mentor, newcomer = MentorFactory(), NewcomerFactory()
    run = batch.batch_run_preview(user=staff_user)
    mentor.onboarded_at = None
    mentor.save()
    refusal = selectors.PairCheck([newcomer.pk], [mentor.pk]).assess(newcomer.pk, mentor.pk).refusal

    applied = batch.batch_run_apply(run_id=run.pk, user=staff_user)

    assert applied.proposals_created == 0
    assert applied.summary["skipped_reasons"] == {refusal: 1}


def test_a_large_programme_is_scored_block_by_block_with_the_same_proposals(
    staff_user, monkeypatch
):
    [MentorFactory(capacity=capacity) for capacity in (1, 2, 1, 3)]
    [NewcomerFactory() for _ in range(9)]
    dense = batch.batch_run_preview(user=staff_user)

    # Above the limit the full matrix is never built: the solver asks for blocks of rows.
    monkeypatch.setattr(batch, "DENSE_SCORE_CELLS", 0)
    monkeypatch.setattr(batch.solver, "assign", lambda *args: pytest.fail("dense matrix built"))
    blocks = batch.batch_run_preview(user=staff_user)

    assert len(blocks.pairs) == len(dense.pairs) == 7
    assert sum(p[2] for p in blocks.pairs) == pytest.approx(sum(p[2] for p in dense.pairs))
    for name in ("newcomers_with_a_possible_mentor", "proposed_pairs", "mentor_load"):
        assert blocks.summary[name] == dense.summary[name]

"""Batch matching: score every waiting newcomer against every mentor with room,
propose an optimal assignment that respects mentor capacity, and apply it.

A run is two steps so that staff see what would happen before anyone is asked:

1. `batch_run_start` records a working `BatchRun` and a task computes the
   assignment (`batch_run_compute`), storing its stage and percentage as it
   goes, so a programme of any size never holds up a page; nobody is
   contacted. `batch_run_preview` does the same at once, for the command line
   and the benchmark.
2. `batch_run_apply` turns the stored pairs into proposals, checking every
   pair again against the database as it is now with the same
   `selectors.PairCheck` as a single request or reassignment. People who
   meanwhile got a request or a match, changed role, or mentors who meanwhile
   filled up or paused, are skipped, not overridden. Each mentor asked gets
   the request email, and each newcomer an email saying our team suggested a
   peer for them.
"""

from __future__ import annotations

import dataclasses
import datetime
import time
from collections import Counter
from collections.abc import Callable

import numpy as np
from django.db import transaction
from django.utils import timezone

from members.models import Member, User
from peerlink.queue import enqueue

from . import scoring, selectors, services, solver
from .models import (
    BatchRun,
    BatchRunState,
    Match,
    MatchingSettings,
    MatchNotification,
    MatchOrigin,
)

Progress = Callable[[str], None]
# The newcomer's email about a proposal a run made for them.
SUGGESTED = "suggested"
# Told each stage as it starts: a sentence for people, and how far along the run is.
Report = Callable[[str, int], None]

# A run whose stage has not moved for this long lost its task (a worker died,
# or the broker was away when it was enqueued): the sweep enqueues it again.
STALLED_AFTER = datetime.timedelta(minutes=15)
# Up to this many newcomer-mentor pairs (200 MB of float32 scores), a run scores every
# pair once and assigns from the matrix; beyond, it scores blocks as the solver asks.
DENSE_SCORE_CELLS = 50_000_000
FAILED_WORDS = (
    "Matching stopped before it could finish ({kind}). Nobody was contacted and nothing "
    "was changed. Run matching again; if it fails again, tell whoever runs PeerLink."
)


NOT_READY = {
    BatchRunState.RUNNING: "This matching run is still working; apply it once it is ready.",
    BatchRunState.FAILED: (
        "This matching run failed, so there is nothing to apply. Run matching again."
    ),
}


def _quiet(message: str) -> None:
    pass


def batch_run_preview(*, user: User | None, progress: Progress | None = None) -> BatchRun:
    """Compute and store an optimal set of proposals now, without contacting anyone.

    `progress`, if given, is called with a short sentence as each stage starts
    (loading, scoring, assigning, writing). The admin and the API use
    `batch_run_start` instead, which computes the run in a task.
    """
    say = progress or _quiet
    parameters, pairs, summary = _compute(lambda stage, percent: say(stage))
    return BatchRun.objects.create(
        created_by=user,
        state=BatchRunState.DONE,
        percent_done=100,
        parameters=parameters,
        pairs=pairs,
        summary=summary,
    )


def batch_run_start(*, user: User | None) -> BatchRun:
    """Record a run as working and enqueue the task that computes it, after commit."""
    run = BatchRun.objects.create(
        created_by=user,
        state=BatchRunState.RUNNING,
        stage="Waiting for its turn",
        stage_at=timezone.now(),
    )
    transaction.on_commit(lambda: enqueue("matching.compute_batch_run", run.pk))
    return run


def batch_run_compute(*, run_id: int) -> bool:
    """Compute a working run and store its proposals; return whether this call stored them.

    A run that is done or failed is left alone, and of two computations of one
    run (a task delivered twice) only the first to finish is stored.
    """
    if not BatchRun.objects.filter(pk=run_id, state=BatchRunState.RUNNING).exists():
        return False

    def report(stage: str, percent: int) -> None:
        BatchRun.objects.filter(pk=run_id, state=BatchRunState.RUNNING).update(
            stage=stage, percent_done=percent, stage_at=timezone.now()
        )

    parameters, pairs, summary = _compute(report)
    stored = BatchRun.objects.filter(pk=run_id, state=BatchRunState.RUNNING).update(
        state=BatchRunState.DONE,
        stage="",
        percent_done=100,
        stage_at=timezone.now(),
        parameters=parameters,
        pairs=pairs,
        summary=summary,
    )
    return bool(stored)


def batch_run_fail(*, run_id: int, kind: str) -> None:
    """Mark a working run as failed, saying so in plain words; `kind` names the error."""
    BatchRun.objects.filter(pk=run_id, state=BatchRunState.RUNNING).update(
        state=BatchRunState.FAILED,
        error=FAILED_WORDS.format(kind=kind)[:300],
        stage_at=timezone.now(),
    )


def stalled_runs() -> list[int]:
    """Return the ids of working runs whose stage stopped moving (their task was lost)."""
    cutoff = timezone.now() - STALLED_AFTER
    return list(
        BatchRun.objects.filter(state=BatchRunState.RUNNING, stage_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:100]
    )


def _compute(report: Report) -> tuple[dict, list, dict]:
    """Score, assign and summarise; return the run's parameters, pairs and summary."""
    started = time.perf_counter()
    stage_seconds: dict[str, float] = {}

    def stage_done(name: str, since: float) -> float:
        now = time.perf_counter()
        stage_seconds[name] = round(now - since, 3)
        return now

    # Reads run outside a transaction on purpose: on SQLite a transaction takes
    # the write lock when it begins, and scoring thousands of people would hold
    # it long enough to make members' own requests wait.
    report("Loading newcomers and mentors", 5)
    mark = time.perf_counter()
    programme = MatchingSettings.get_solo()
    parameters = selectors.parameters_from(programme)
    index = selectors.VocabularyIndex.load()
    newcomers = selectors.load_people(selectors.newcomers_waiting(), index)
    mentor_pool = selectors.mentor_pool()
    mentors = selectors.load_people(mentor_pool, index)
    capacity_of = dict(mentor_pool.values_list("pk", "capacity"))
    capacity = np.array([capacity_of.get(int(pk), 1) for pk in mentors.ids], dtype=np.int64)
    blocked = selectors.blocked_pairs(newcomers, mentors)
    mark = stage_done("loading", mark)

    # Up to DENSE_SCORE_CELLS pairs, every pair is scored once into one matrix and the
    # solver reads that. Beyond, blocks are scored as the solver's passes ask for them
    # (`solver.assign_blocks`), so the full newcomers x mentors matrix never exists
    # (50,000 x 15,000 would need 3 GB per copy); there "scoring" is the solver's first pass,
    # which scores every newcomer once, and "assigning" the rest, re-scoring included.
    report(f"Scoring {len(newcomers)} newcomers against {len(mentors)} mentors", 25)
    assigning = "Assigning newcomers to mentors within capacity"
    pairs = np.empty((0, 2), dtype=np.int64)
    possible = np.zeros(len(newcomers), dtype=bool)
    started_assigning = [0.0]
    capacity_now = np.maximum(mentors.capacity_left, 0)

    def solver_rows(rows: slice | np.ndarray) -> np.ndarray:
        block = scoring.score_rows(newcomers, mentors, parameters, rows, blocked)
        possible[rows] |= block.allowed.any(axis=1)
        solver_scores = block.for_solver()
        # Weak pairs are better left to staff than proposed automatically.
        solver_scores[block.total < programme.batch_minimum_score] = 0
        return solver_scores

    def assigning_starts() -> None:
        started_assigning[0] = time.perf_counter()
        report(assigning, 60)

    if not (len(newcomers) and len(mentors)):
        assigning_starts()
    elif len(newcomers) * len(mentors) <= DENSE_SCORE_CELLS:
        step = max(1, solver.BLOCK_CELLS // len(mentors))
        spans = [slice(start, start + step) for start in range(0, len(newcomers), step)]
        dense = np.vstack([solver_rows(span) for span in spans])
        assigning_starts()
        pairs = solver.assign(dense, capacity_now)
        del dense
    else:
        plan = solver.assign_blocks(
            solver_rows,
            len(newcomers),
            capacity_now,
            after_first_pass=assigning_starts,
        )
        pairs = plan.pairs
    # Every path above says when assigning starts (the solver always calls back).
    stage_seconds["scoring"] = round(started_assigning[0] - mark, 3)
    mark = stage_done("assigning", started_assigning[0])

    report(f"Writing the run ({len(pairs)} proposed pairs)", 90)
    rows, columns = pairs[:, 0], pairs[:, 1]
    pair_scores = scoring.pair_totals(newcomers, rows, mentors, columns, parameters)
    # Best pairs first: the preview reads top-down, and applying in this order
    # lets the strongest pairs win if a mentor filled up in the meantime.
    order = np.argsort(-pair_scores, kind="stable")
    components = scoring.pair_components(newcomers, rows, mentors, columns, parameters)
    stored_pairs = [
        [
            int(newcomers.ids[rows[i]]),
            int(mentors.ids[columns[i]]),
            round(float(pair_scores[i]), 4),
            {name: round(float(values[i]), 4) for name, values in components.items()},
        ]
        for i in order
    ]
    summary = _summary(
        newcomers=newcomers,
        mentors=mentors,
        capacity=capacity,
        possible=possible,
        columns=columns,
        pair_scores=pair_scores,
    )
    stage_done("writing", mark)
    summary["stage_seconds"] = stage_seconds
    summary["seconds"] = round(time.perf_counter() - started, 3)
    return dataclasses.asdict(parameters), stored_pairs, summary


def _summary(
    *,
    newcomers: scoring.People,
    mentors: scoring.People,
    capacity: np.ndarray,
    possible: np.ndarray,
    columns: np.ndarray,
    pair_scores: np.ndarray,
) -> dict:
    considered = len(newcomers)
    proposed = len(columns)
    new_per_mentor = np.bincount(columns, minlength=len(mentors))
    load = Counter(new_per_mentor.tolist())
    open_now = capacity - mentors.capacity_left
    utilisation = (open_now + new_per_mentor) / np.maximum(capacity, 1)
    return {
        "newcomers_considered": considered,
        "newcomers_held": int(newcomers.held.sum()),
        "newcomers_with_a_possible_mentor": int(possible.sum()),
        "mentors_considered": len(mentors),
        "mentors_with_room": int((mentors.capacity_left > 0).sum()),
        "proposed_pairs": proposed,
        "matched_share": round(proposed / considered, 4) if considered else 0.0,
        "mean_score": round(float(pair_scores.mean()), 4) if proposed else None,
        # How many mentors get 0, 1, 2… new proposals.
        "mentor_load": {str(count): load[count] for count in sorted(load)},
        "max_mentor_utilisation": round(float(utilisation.max()), 4) if len(mentors) else 0.0,
    }


@transaction.atomic
def batch_run_apply(*, run_id: int, user: User | None) -> BatchRun:
    """Turn a previewed run into proposals, skipping pairs the rules now refuse.

    Every pair is checked again against the database as it is now, in bulk:
    the contested rows (the run, its newcomers, its mentors) are locked first,
    then the pairs are re-scored together and written at once by
    `services.requests_insert`, the same writes as a single request (its
    disclosures and the mentors' emails), in a fixed number of queries.
    """
    # The row lock makes a second, concurrent apply wait and then see applied_at.
    run = BatchRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise services.MatchError("This matching run no longer exists.")
    if run.applied_at is not None:
        raise services.MatchError(
            f"This matching run was already applied on {run.applied_at:%Y-%m-%d %H:%M}."
        )
    if run.state != BatchRunState.DONE:
        raise services.MatchError(NOT_READY[run.state])
    newcomer_ids = sorted({pair[0] for pair in run.pairs})
    mentor_ids = sorted({pair[1] for pair in run.pairs})
    # Same locks as a single request or accept, taken once for the whole run.
    newcomers = Member.objects.select_for_update().in_bulk(newcomer_ids)
    mentors = Member.objects.select_for_update().in_bulk(mentor_ids)

    # The same check and the same writes as a single request, once for the whole run.
    check = selectors.PairCheck(newcomer_ids, mentor_ids)
    programme = MatchingSettings.get_solo()
    now = timezone.now()
    matches: list[Match] = []
    skipped: Counter[str] = Counter()
    for newcomer_id, mentor_id, *_ in run.pairs:
        if newcomer_id not in newcomers or mentor_id not in mentors:
            skipped[selectors.GONE] += 1
            continue
        try:
            match = services.build_request(
                check=check,
                newcomer=newcomers[newcomer_id],
                mentor=mentors[mentor_id],
                origin=MatchOrigin.BATCH,
                created_by=user,
                programme=programme,
                now=now,
                batch_run=run,
            )
        except services.MatchError as refusal:
            skipped[str(refusal)] += 1
            continue
        matches.append(match)
    created = services.requests_insert(matches)
    _tell_newcomers(created)

    run.applied_at = timezone.now()
    run.applied_by = user
    run.proposals_created = len(created)
    run.summary = {
        **run.summary,
        "skipped": sum(skipped.values()),
        "skipped_reasons": dict(skipped.most_common()),
    }
    run.save(update_fields=["applied_at", "applied_by", "proposals_created", "summary"])
    return run


def _tell_newcomers(matches: list[Match]) -> None:
    """Record and enqueue, after commit, the email telling each newcomer our team
    suggested a peer: they never asked, so they would not know otherwise."""
    match_ids = [match.pk for match in matches]
    MatchNotification.objects.bulk_create(
        [MatchNotification(match_id=pk, event=SUGGESTED) for pk in match_ids],
        batch_size=1000,
        ignore_conflicts=True,
    )

    def enqueue_all() -> None:
        for match_id in match_ids:
            enqueue("matching.send_match_notification", match_id, SUGGESTED)

    transaction.on_commit(enqueue_all)

"""Batch matching: score every waiting newcomer against every mentor with room,
propose an optimal assignment that respects mentor capacity, and apply it.

A run is two steps so that staff see what would happen before anyone is asked:

1. `batch_run_preview` computes the assignment and stores it on a `BatchRun`;
   nobody is contacted.
2. `batch_run_apply` turns the stored pairs into proposals, checking every
   pair again against the database as it is now with the same
   `selectors.PairCheck` as a single request or proposal. People who
   meanwhile got a request or a match, changed role, or mentors who meanwhile
   filled up or paused, are skipped, not overridden.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable

import numpy as np
from django.db import transaction
from django.utils import timezone

from members.models import Member, User

from . import scoring, selectors, services, solver
from .models import (
    BatchRun,
    Match,
    MatchingSettings,
    MatchOrigin,
)

Progress = Callable[[str], None]


def _quiet(message: str) -> None:
    pass


def batch_run_preview(*, user: User | None, progress: Progress | None = None) -> BatchRun:
    """Compute and store an optimal set of proposals without contacting anyone.

    `progress`, if given, is called with a short sentence as each stage starts
    (loading, scoring, assigning, writing).
    """
    progress = progress or _quiet
    started = time.perf_counter()
    stage_seconds: dict[str, float] = {}

    def stage_done(name: str, since: float) -> float:
        now = time.perf_counter()
        stage_seconds[name] = round(now - since, 3)
        return now

    # Reads run outside a transaction on purpose: on SQLite a transaction takes
    # the write lock when it begins, and scoring thousands of people would hold
    # it long enough to make members' own requests wait.
    progress("Loading newcomers and mentors")
    mark = time.perf_counter()
    programme = MatchingSettings.current()
    parameters = selectors.parameters_from(programme)
    index = selectors.VocabularyIndex.load()
    newcomers = selectors.load_people(selectors.newcomers_waiting(), index)
    mentor_pool = selectors.mentor_pool()
    mentors = selectors.load_people(mentor_pool, index)
    capacity_of = dict(mentor_pool.values_list("pk", "capacity"))
    capacity = np.array([capacity_of.get(int(pk), 1) for pk in mentors.ids], dtype=np.int64)
    blocked = selectors.blocked_pairs(newcomers, mentors)
    mark = stage_done("loading", mark)

    progress(f"Scoring {len(newcomers)} newcomers against {len(mentors)} mentors")
    scores = None
    if len(newcomers) and len(mentors):
        scores = scoring.score(newcomers, mentors, parameters, blocked)
    mark = stage_done("scoring", mark)

    progress("Assigning newcomers to mentors within capacity")
    if scores is None:
        pairs = np.empty((0, 2), dtype=np.int64)
    else:
        solver_scores = scores.for_solver()
        # Weak pairs are better left to staff than proposed automatically.
        solver_scores[scores.total < programme.batch_minimum_score] = 0
        pairs = solver.assign(solver_scores, np.maximum(mentors.capacity_left, 0))
    mark = stage_done("assigning", mark)

    progress(f"Writing the run ({len(pairs)} proposed pairs)")
    rows, columns = pairs[:, 0], pairs[:, 1]
    pair_scores = scores.total[rows, columns] if scores is not None else np.empty(0)
    # Best pairs first: the preview reads top-down, and applying in this order
    # lets the strongest pairs win if a mentor filled up in the meantime.
    order = np.argsort(-pair_scores, kind="stable")
    components = scores.breakdowns(rows, columns) if scores is not None else {}
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
        scores=scores,
        columns=columns,
        pair_scores=pair_scores,
    )
    stage_done("writing", mark)
    summary["stage_seconds"] = stage_seconds
    summary["seconds"] = round(time.perf_counter() - started, 3)
    return BatchRun.objects.create(
        created_by=user,
        parameters=dataclasses.asdict(parameters),
        pairs=stored_pairs,
        summary=summary,
    )


def _summary(
    *,
    newcomers: scoring.People,
    mentors: scoring.People,
    capacity: np.ndarray,
    scores: scoring.Scores | None,
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
        "newcomers_with_a_possible_mentor": (
            int(scores.allowed.any(axis=1).sum()) if scores is not None else 0
        ),
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
    newcomer_ids = sorted({pair[0] for pair in run.pairs})
    mentor_ids = sorted({pair[1] for pair in run.pairs})
    # Same locks as a single request or accept, taken once for the whole run.
    newcomers = Member.objects.select_for_update().in_bulk(newcomer_ids)
    mentors = Member.objects.select_for_update().in_bulk(mentor_ids)

    # The same check and the same writes as a single request, once for the whole run.
    check = selectors.PairCheck(newcomer_ids, mentor_ids)
    programme = MatchingSettings.current()
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
